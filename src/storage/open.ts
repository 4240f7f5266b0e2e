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
  /** Server mode: schema first on the search path (tests). */
  schema?: string;
  applicationName?: string;
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
      schema: options.schema,
      applicationName: options.applicationName,
      logger: options.logger,
    });
  } else {
    const { createPgliteDatabase } = await import('./pglite.js');
    db = await createPgliteDatabase({ dataDir: config.paths.data, lockWaitMs: config.database.connectTimeoutMs });
  }
  if (options.migrate !== false) {
    try {
      const applied = await migrate(db, { vars: migrationVars(config) });
      if (applied.length > 0) options.logger?.info({ applied }, 'storage: migrations applied');
    } catch (error) {
      await db.close();
      throw error;
    }
  }
  return db;
}

/** Values the migration templates need. */
export function migrationVars(config: Config): Record<string, string | number> {
  return { EMBEDDING_DIM: config.openai.embeddingDim };
}
