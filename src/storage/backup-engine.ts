/**
 * The storage side of backups, one implementation per database: `pg_dump -Fc` / `pg_restore` for a
 * PostgreSQL server (backup-postgres.ts), PGlite's data-directory tarball for the embedded database
 * (backup-pglite.ts). Orchestration (file names, manifests, the catalog, retention, events) lives in
 * src/ops/backup/ and sees only this interface.
 */
import type { Config } from '../core/config.js';
import type { Database } from '../core/ports.js';
import type { VectorIndexCheck } from './backup-checks.js';

export interface DumpProgress {
  bytesWritten: number;
  tablesDone: number;
  tablesTotal: number;
  /** The table being dumped now, when the tool says. */
  currentTable?: string;
}

export interface DumpResult {
  sizeBytes: number;
  /** sha256 of the file, hex. */
  sha256: string;
  serverVersion: string;
  /** e.g. `pg_dump 15.20` or `pglite`. */
  tool: string;
  migrationLevel: string | null;
  /** Row counts of every table in studio's schema, from the same snapshot as the dump. */
  rowCounts: Record<string, number>;
  /** Things worth saying that did not stop the backup. */
  warnings: string[];
}

export interface ScratchCheck {
  /** Row counts of every table found in the restored copy. */
  rowCounts: Record<string, number>;
  vectorIndexes: VectorIndexCheck[];
  serverVersion: string;
}

export interface Preflight {
  serverVersion: string;
  tool: string;
  /** Things worth saying that do not stop the backup (a newer pg_dump than the server). */
  warnings: string[];
}

export interface BackupEngine {
  readonly mode: Database['mode'];
  /** File name ending: `dump` (pg_dump custom format) or `tar.gz` (PGlite data directory). */
  readonly extension: string;
  /** Refuse clearly when the tools are missing or of the wrong version. */
  preflight(): Promise<Preflight>;
  /** Write the backup to `file` (mode 0600), computing size and checksum while writing. */
  dump(file: string, options?: { signal?: AbortSignal; onProgress?: (progress: DumpProgress) => void }): Promise<DumpResult>;
  /** Restore `file` into a throw-away database, count and probe it, and throw it away. */
  verify(file: string, options?: { signal?: AbortSignal; schema?: string }): Promise<ScratchCheck>;
  /**
   * Replace the configured database's content with `file`. Server: one transaction. Embedded: the open
   * database is closed and its directory swapped; the caller reopens it.
   */
  restore(file: string, options?: { signal?: AbortSignal }): Promise<void>;
}

export interface BackupEngineDeps {
  config: Config;
  db: Database;
}

/** The engine for the configured database. */
export async function createBackupEngine(deps: BackupEngineDeps): Promise<BackupEngine> {
  if (deps.db.mode === 'server') {
    const { createPostgresBackupEngine } = await import('./backup-postgres.js');
    return createPostgresBackupEngine(deps);
  }
  const { createPgliteBackupEngine } = await import('./backup-pglite.js');
  return createPgliteBackupEngine(deps);
}
