/**
 * Backups of the embedded database: PGlite's data directory as a gzip tarball (`dumpDataDir`, entry names
 * made relative). A restore drill loads it into a fresh in-memory PGlite; a restore builds a new data
 * directory from it beside the live one and swaps the two with renames while holding the directory's lock.
 *
 * The open instance is the only writer (the lock refuses a second process), and the dump is taken inside
 * a transaction, which keeps every other query of this process out while the counts and the dump are made.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import type { PGlite } from '@electric-sql/pglite';
import { BackupError, toError } from '../core/errors.js';
import type { Database } from '../core/ports.js';
import type { BackupEngine, BackupEngineDeps, DumpResult, ScratchCheck } from './backup-engine.js';
import { checkVectorIndexes, countRows, migrationLevel, serverVersion } from './backup-checks.js';
import { createPgliteDatabase, lockDataDir } from './pglite.js';
import { makeTarRelative } from './tar-relative.js';

const SCHEMA = 'public';

export function createPgliteBackupEngine({ config, db }: BackupEngineDeps): BackupEngine {
  const raw = (db as Database & { raw?: PGlite }).raw;

  return {
    mode: 'embedded',
    extension: 'tar.gz',

    async preflight() {
      return { serverVersion: (await serverVersion(db)).text, tool: 'pglite dumpDataDir', warnings: [] };
    },

    async dump(file, options = {}): Promise<DumpResult> {
      if (!raw) {
        // only the process that holds the directory open can copy it consistently
        const owner = db.embeddedOwner?.();
        throw new BackupError(
          owner && !owner.self
            ? `backup: the embedded database is open in pid ${owner.pid} (studio ${owner.command}); back up from there (console hotkey b, or its daily backup job), or stop it and run this again`
            : 'backup: this embedded database cannot be dumped (not a PGlite instance)',
        );
      }
      const { tar, rowCounts, level, version } = await db.withTransaction(async (tx) => {
        const rowCounts = await countRows(tx, SCHEMA);
        const level = await migrationLevel(tx, SCHEMA);
        const version = (await serverVersion(tx)).text;
        // Inside the transaction: no other query of this process runs until the dump is taken.
        const blob = await raw.dumpDataDir('none');
        return { tar: Buffer.from(await blob.arrayBuffer()), rowCounts, level, version };
      });
      // relative names and private modes, so a plain `tar -xzf` extracts it safely (see tar-relative.ts)
      const bytes = await promisify(gzip)(makeTarRelative(tar)); // off the event loop: the console may host this job
      options.signal?.throwIfAborted();
      await writeFile(file, bytes, { mode: 0o600 });
      const tables = Object.keys(rowCounts).length;
      options.onProgress?.({ bytesWritten: bytes.length, tablesDone: tables, tablesTotal: tables });
      return {
        sizeBytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        serverVersion: version,
        tool: 'pglite dumpDataDir',
        migrationLevel: level,
        rowCounts,
        warnings: [],
      };
    },

    async verify(file): Promise<ScratchCheck> {
      const scratch = await loadArchive(file, undefined);
      try {
        const rowCounts = await countRows(scratch, SCHEMA);
        const vectorIndexes = await checkVectorIndexes(scratch, SCHEMA);
        return { rowCounts, vectorIndexes, serverVersion: (await serverVersion(scratch)).text };
      } finally {
        await scratch.close();
      }
    },

    async restore(file): Promise<void> {
      const dataDir = config.paths.data;
      const stamp = `${process.pid}-${Date.now().toString(36)}`;
      const staging = `${dataDir}.restore-${stamp}`;
      const previous = `${dataDir}.before-restore-${stamp}`;
      // Build the new directory first: a broken archive stops here with the live database untouched.
      const built = await loadArchive(file, staging);
      await built.close();
      await db.close();
      const release = await lockDataDir(dataDir, config.database.connectTimeoutMs);
      try {
        if (existsSync(dataDir)) renameSync(dataDir, previous);
        renameSync(staging, dataDir);
      } catch (error) {
        if (!existsSync(dataDir) && existsSync(previous)) renameSync(previous, dataDir);
        rmSync(staging, { recursive: true, force: true });
        throw new BackupError(`backup restore: swapping the data directory failed: ${toError(error).message}; the database is unchanged`, { cause: error });
      } finally {
        release();
      }
      rmSync(previous, { recursive: true, force: true });
    },
  };
}

/** Open the archive as a database: in memory (dataDir undefined) or written into dataDir. */
async function loadArchive(file: string, dataDir: string | undefined): Promise<Database> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new BackupError(`backup: cannot read ${file}: ${toError(error).message}`, { cause: error });
  }
  // PGlite's loader fails on a damaged archive outside its promise (an unhandled rejection); check first.
  try {
    gunzipSync(bytes);
  } catch (error) {
    throw new BackupError(`backup: the archive ${file} is damaged (${toError(error).message}); it is not a complete gzip tarball`, { cause: error });
  }
  const blob = new Blob([bytes]);
  try {
    const opened = await createPgliteDatabase({ dataDir, loadDataDir: blob });
    await opened.query('select 1');
    return opened;
  } catch (error) {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw new BackupError(`backup: the archive ${file} does not load as a database: ${toError(error).message.replace(/^storage: /, '')}`, { cause: error });
  }
}
