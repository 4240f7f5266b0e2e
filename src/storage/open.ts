/**
 * Opens the database the configuration names: PostgreSQL when DATABASE_URL is set, else embedded PGlite
 * in STUDIO_DATA_DIR. The only place that decides between the two.
 */
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { Database } from '../core/ports.js';
import { migrate } from './migrate.js';

export interface OpenOptions {
  logger?: Logger;
  /** Apply pending migrations after opening. @default true */
  migrate?: boolean;
  applicationName?: string;
  /** Create the embedded database when there is none; false for commands that only read (they exit 2). @default true */
  create?: boolean;
  /** Told what opening the embedded database is doing (first start: creating, migrating). */
  onProgress?: (step: string) => void;
}

export async function openDatabase(config: Config, options: OpenOptions = {}): Promise<Database> {
  let db: Database;
  if (config.database.url) {
    const { createPostgresDatabase } = await import('./postgres.js');
    db = await createPostgresDatabase({
      url: config.database.url,
      connectTimeoutMs: config.database.connectTimeoutMs,
      statementTimeoutMs: config.database.statementTimeoutMs,
      poolMax: config.database.poolMax,
      schema: config.database.schema === 'public' ? undefined : config.database.schema,
      applicationName: options.applicationName,
      logger: options.logger,
    });
  } else {
    // one owner opens the directory and serves it on a socket; every other process connects there
    const { openEmbedded } = await import('./embedded.js');
    db = await openEmbedded({
      dataDir: config.paths.data,
      connectTimeoutMs: config.database.connectTimeoutMs,
      poolMax: config.database.poolMax,
      applicationName: options.applicationName,
      logger: options.logger,
      create: options.create,
      onProgress: options.onProgress,
    });
  }
  if (db.mode === 'server' && config.database.schema !== 'public') {
    // the search path is "<schema>, public": were the schema missing, tables would land in public
    try {
      await db.exec(`create schema if not exists "${config.database.schema}"`);
    } catch (error) {
      await db.close();
      throw error;
    }
  }
  if (options.migrate !== false) {
    try {
      const applied = await migrate(db, { vars: migrationVars(config), onApply: (name) => options.onProgress?.(`applying migration ${name}`) });
      if (applied.length > 0) options.logger?.info({ applied }, 'storage: migrations applied');
    } catch (error) {
      await db.close();
      throw error;
    }
  }
  return db;
}

/**
 * Commands that only read call this before anything touches STUDIO_HOME (log file included): with no
 * embedded database there (and no owner creating one) it throws the one-line NoDatabaseError (exit 2).
 */
export async function assertDatabaseExists(config: Config): Promise<void> {
  if (config.database.url) return;
  const { hasEmbeddedDatabase, noDatabase, readLockOrRefuse } = await import('./embedded.js');
  if (!hasEmbeddedDatabase(config.paths.data) && !readLockOrRefuse(config.paths.data)) throw noDatabase(config.paths.data);
}

/** Values the migration templates need. */
export function migrationVars(config: Config): Record<string, string | number> {
  return { EMBEDDING_DIM: config.openai.embeddingDim };
}
