/**
 * Backup and recovery, as operators and the daily job use it: create (dump + manifest + catalog row),
 * prune (retention), and the freshness check behind the `backup.stale` incident. Verifying (the restore
 * drill) is `verify.ts`, restoring `restore.ts`, the catalog and listing `catalog.ts`.
 *
 * The database-specific work is the storage layer's `BackupEngine`; this module decides names, keeps
 * the manifest and the catalog, and tells operations (`emitEvent`) when something is wrong.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { chmod, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BackupError, toError } from '../../core/errors.js';
import { createBackupEngine, type DumpProgress } from '../../storage/backup-engine.js';
import { deleteBackupRow, insertBackup, listBackupRows, newestVerifiedBackup, databaseBornAt, type BackupKind } from '../../storage/backups.js';
import { emitEvent } from '../../storage/events.js';
import { backupFile, rowFromManifest, syncCatalog, unsafeReason, type BackupDeps } from './catalog.js';
import { dumpFileName, freeBackupId, manifestPathFor, writeManifest, type Manifest } from './manifest.js';
import { planPrune } from './retention.js';

// ---------------------------------------------------------------------------------------------------
// create
// ---------------------------------------------------------------------------------------------------

export interface CreateOptions {
  /** Directory for the files. @default config.paths.backups */
  outDir?: string;
  kind?: BackupKind;
  signal?: AbortSignal;
  onProgress?: (progress: DumpProgress) => void;
}

export interface CreatedBackup {
  id: string;
  file: string;
  manifestFile: string;
  manifest: Manifest;
  warnings: string[];
}

export async function createBackup(deps: BackupDeps, options: CreateOptions = {}): Promise<CreatedBackup> {
  const { config, db, clock } = deps;
  const engine = await createBackupEngine({ config, db });
  const dir = options.outDir ?? config.paths.backups;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new BackupError(`backup: cannot write to ${dir} (${(error as NodeJS.ErrnoException).code ?? toError(error).message}); choose another --out or STUDIO_BACKUPS_DIR`, { cause: error });
  }
  const started = clock.now();
  const createdAt = clock.date();
  const known = new Set((await listBackupRows(db)).map((r) => r.id));
  const id = freeBackupId(dir, createdAt, (candidate) => known.has(candidate));
  const file = join(dir, dumpFileName(id, engine.mode, engine.extension));
  const partial = `${file}.partial`;
  let result;
  try {
    result = await engine.dump(partial, { signal: options.signal, onProgress: options.onProgress });
    await chmod(partial, 0o600);
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  const manifest: Manifest = {
    format: 'studio-backup/1',
    id,
    file: dumpFileName(id, engine.mode, engine.extension),
    createdAt: createdAt.toISOString(),
    mode: engine.mode,
    kind: options.kind ?? 'manual',
    source: db.location,
    schema: engine.mode === 'server' ? config.database.schema : 'public',
    sizeBytes: result.sizeBytes,
    sha256: result.sha256,
    serverVersion: result.serverVersion,
    tool: result.tool,
    migrationLevel: result.migrationLevel,
    rowCounts: result.rowCounts,
    durationMs: Math.max(0, clock.now() - started),
    verification: null,
  };
  const manifestFile = manifestPathFor(file);
  await writeManifest(manifestFile, manifest);
  await insertBackup(db, rowFromManifest(manifest, file));
  deps.logger.info({ backup: id, file, sizeBytes: manifest.sizeBytes, kind: manifest.kind }, 'backup: created');
  return { id, file, manifestFile, manifest, warnings: result.warnings };
}

export interface PruneResult {
  dryRun: boolean;
  retentionDays: number;
  deleted: Array<{ id: string; file: string; createdAt: string; sizeBytes: number }>;
  /** Backups due for deletion whose file resolves outside its folder: reported, nothing deleted. */
  refused: Array<{ id: string; file: string; reason: string }>;
  kept: number;
  keptOld: Record<string, string>;
}

/** Delete backups past the retention (never the newest verified one); with dryRun, only say which. */
export async function pruneBackups(deps: BackupDeps, options: { dryRun?: boolean } = {}): Promise<PruneResult> {
  await syncCatalog(deps);
  const rows = await listBackupRows(deps.db);
  const plan = planPrune(rows, deps.clock.date(), deps.config.backup.retentionDays);
  const refused: PruneResult['refused'] = [];
  for (const backup of plan.delete) {
    const reason = unsafeReason(deps, backup);
    if (reason) {
      refused.push({ id: backup.id, file: backup.file, reason });
      deps.logger.warn({ backup: backup.id, file: backup.file }, `backup: prune refused: ${reason}`);
    }
  }
  plan.delete = plan.delete.filter((b) => !refused.some((r) => r.id === b.id));
  if (!options.dryRun) {
    for (const backup of plan.delete) {
      const file = backupFile(deps, backup);
      await rm(file, { force: true });
      await rm(manifestPathFor(file), { force: true });
      await deleteBackupRow(deps.db, backup.id);
      deps.logger.info({ backup: backup.id, file: backup.file }, 'backup: pruned');
    }
  }
  return {
    dryRun: Boolean(options.dryRun),
    retentionDays: deps.config.backup.retentionDays,
    deleted: plan.delete.map((b) => ({ id: b.id, file: b.file, createdAt: b.createdAt.toISOString(), sizeBytes: b.sizeBytes })),
    refused,
    kept: plan.keep.length,
    keptOld: plan.keptOld,
  };
}

// ---------------------------------------------------------------------------------------------------
// freshness, failure
// ---------------------------------------------------------------------------------------------------

export interface Freshness {
  status: 'ok' | 'stale';
  newestVerified: { id: string; createdAt: string } | null;
  ageMs: number | null;
  maxAgeMs: number;
}

/**
 * Is the newest verified backup younger than BACKUP_MAX_AGE? If not, raise backup.stale (not for a
 * database younger than the limit itself: a fresh install has had no chance to back up yet).
 */
export async function checkBackupFreshness(deps: BackupDeps): Promise<Freshness> {
  const { db, clock, config } = deps;
  const newest = await newestVerifiedBackup(db);
  const maxAgeMs = config.backup.maxAgeMs;
  const ageMs = newest ? clock.now() - newest.createdAt.getTime() : null;
  const result: Freshness = {
    status: ageMs !== null && ageMs <= maxAgeMs ? 'ok' : 'stale',
    newestVerified: newest ? { id: newest.id, createdAt: newest.createdAt.toISOString() } : null,
    ageMs,
    maxAgeMs,
  };
  if (result.status === 'stale') {
    const born = await databaseBornAt(db);
    if (born && clock.now() - born.getTime() < maxAgeMs) return { ...result, status: 'ok' };
    const hours = (maxAgeMs / 3_600_000).toFixed(maxAgeMs % 3_600_000 === 0 ? 0 : 1);
    await db.withTransaction((tx) =>
      emitEvent(tx, {
        kind: 'backup.stale',
        source: 'backup',
        level: 'WARNING',
        dedupKey: 'backup.stale',
        message: newest
          ? `the newest verified backup (${newest.id}) is ${Math.round((ageMs ?? 0) / 3_600_000)} h old, past BACKUP_MAX_AGE (${hours} h); run studio backup create and studio backup verify`
          : `there is no verified backup; run studio backup create and studio backup verify`,
        details: { newestVerified: result.newestVerified, maxAgeMs },
      }),
    );
  }
  return result;
}

/** Raise backup.failed (the daily job calls it when a backup could not be made). */
export async function reportBackupFailure(deps: BackupDeps, error: unknown): Promise<void> {
  const message = toError(error).message.replace(/^backup: /, '');
  await deps.db.withTransaction((tx) =>
    emitEvent(tx, { kind: 'backup.failed', source: 'backup', level: 'CRITICAL', dedupKey: 'backup.failed', message: `the backup failed: ${message}` }),
  );
}
