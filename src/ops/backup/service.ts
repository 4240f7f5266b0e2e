/**
 * Backup and recovery, as operators and the daily job use it: create (dump + manifest + catalog row),
 * verify (checksum, then a restore drill into a throw-away database: row counts against the manifest and
 * a nearest-neighbour query through each vector index), list, prune (retention), restore (guarded,
 * with a safety backup first, audited), and the freshness check behind the `backup.stale` incident.
 *
 * The database-specific work is the storage layer's `BackupEngine`; this module decides names, keeps
 * the manifest and the catalog, and tells operations (`emitEvent`) when something is wrong.
 */
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { chmod, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isInside, resolveInside, UnsafePathError } from '../../core/contained-path.js';
import type { Clock } from '../../core/clock.js';
import type { Config } from '../../core/config.js';
import { BackupError, ConfirmationRequiredError, NotFoundError, toError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Database } from '../../core/ports.js';
import type { Operator } from '../../core/operator.js';
import { auditRowsSince, carryAuditRowsForward, recordAudit } from '../../storage/audit.js';
import { listNodes, replaceNodes } from '../../storage/scheduler-nodes.js';
import { countRows, type VectorIndexCheck } from '../../storage/backup-checks.js';
import { createBackupEngine, type DumpProgress } from '../../storage/backup-engine.js';
import {
  deleteBackupRow,
  getBackupRow,
  insertBackup,
  listBackupRows,
  liveSchedulers,
  newestVerifiedBackup,
  recordVerification,
  databaseBornAt,
  type BackupKind,
  type BackupRow,
} from '../../storage/backups.js';
import { emitEvent } from '../../storage/events.js';
import { loadMigrations, migrate } from '../../storage/migrate.js';
import { migrationVars } from '../../storage/open.js';
import { dumpFileName, freeBackupId, hashFile, manifestPathFor, readManifest, scanManifests, writeManifest, type Manifest } from './manifest.js';
import { planPrune } from './retention.js';

export interface BackupDeps {
  config: Config;
  db: Database;
  logger: Logger;
  clock: Clock;
}

/** Audit rows this long before the backup's time are read too: a dump's snapshot predates its manifest. */
const AUDIT_OVERLAP_MS = 86_400_000;
/** A scheduler that beat within this long holds the database (restore refuses). */
export const SCHEDULER_LIVE_MS = 120_000;

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

// ---------------------------------------------------------------------------------------------------
// verify
// ---------------------------------------------------------------------------------------------------

export interface VerifyReport {
  id: string;
  file: string;
  status: 'ok' | 'failed';
  /** The first problem found, in one line. */
  error: string | null;
  checksum: 'ok' | 'mismatch' | 'missing';
  tables: Array<{ table: string; expected: number; restored: number | null }>;
  vectorIndexes: VectorIndexCheck[];
  notes: string[];
  durationMs: number;
  verifiedAt: string;
}

/** Prove a backup (the newest when id is omitted) and record the result; a failure also raises backup.verify_failed. */
export async function verifyBackup(deps: BackupDeps, id?: string, options: { signal?: AbortSignal } = {}): Promise<VerifyReport> {
  const { config, db, clock } = deps;
  const row = await resolveBackup(deps, id);
  const started = clock.now();
  const report: VerifyReport = {
    id: row.id,
    file: row.file,
    status: 'ok',
    error: null,
    checksum: 'ok',
    tables: [],
    vectorIndexes: [],
    notes: [],
    durationMs: 0,
    verifiedAt: '',
  };
  const manifest = manifestFor(row);
  const fail = (message: string) => {
    if (report.status === 'ok') report.error = message;
    report.status = 'failed';
  };

  if (!existsSync(row.file)) {
    report.checksum = 'missing';
    fail(`the backup file ${row.file} is missing`);
  } else {
    const { sha256, sizeBytes } = await hashFile(row.file);
    if (sha256 !== manifest.sha256 || sizeBytes !== manifest.sizeBytes) {
      report.checksum = 'mismatch';
      fail(
        `checksum mismatch: ${row.file} is corrupt or changed since the backup (sha256 ${sha256.slice(0, 12)}…, ${sizeBytes} bytes; the manifest says ${manifest.sha256.slice(0, 12)}…, ${manifest.sizeBytes} bytes)`,
      );
    }
  }

  if (report.status === 'ok') {
    try {
      const engine = await createBackupEngine({ config, db });
      if (engine.mode !== manifest.mode) throw new BackupError(`backup verify: ${row.id} is a ${manifest.mode} backup; this studio runs in ${engine.mode} mode`);
      const scratch = await engine.verify(row.file, { signal: options.signal, schema: manifest.schema });
      for (const [table, expected] of Object.entries(manifest.rowCounts)) {
        const restored = scratch.rowCounts[table] ?? null;
        report.tables.push({ table, expected, restored });
      }
      const wrong = report.tables.filter((t) => t.restored !== t.expected);
      if (wrong.length > 0) {
        fail(
          `row counts differ from the manifest: ${wrong
            .slice(0, 5)
            .map((t) => `${t.table} ${t.restored ?? 'missing'} (expected ${t.expected})`)
            .join(', ')}`,
        );
      }
      report.vectorIndexes = scratch.vectorIndexes;
      const broken = scratch.vectorIndexes.find((v) => v.problem);
      if (broken) fail(`vector index ${broken.index} is not usable: ${broken.problem}`);
      if (scratch.vectorIndexes.length === 0) report.notes.push('no vector index exists yet; nothing to probe');
      else report.notes.push(`${scratch.vectorIndexes.length} vector index(es) answered a nearest-neighbour query through the index`);
    } catch (error) {
      fail(`restore drill failed: ${toError(error).message.replace(/^(backup( verify)?|storage): /, '')}`);
    }
  }

  const at = clock.date();
  report.durationMs = Math.max(0, clock.now() - started);
  report.verifiedAt = at.toISOString();
  await db.withTransaction(async (tx) => {
    await recordVerification(tx, row.id, at, report.status, report.error);
    if (report.status === 'failed') {
      await emitEvent(tx, {
        kind: 'backup.verify_failed',
        source: 'backup',
        level: 'CRITICAL',
        dedupKey: 'backup.verify_failed',
        message: `backup ${row.id} failed its restore drill: ${report.error}`,
        details: { id: row.id, file: row.file, checksum: report.checksum },
      });
    }
  });
  const manifestFile = manifestPathFor(row.file);
  if (existsSync(manifestFile)) {
    await writeManifest(manifestFile, { ...manifest, verification: { at: report.verifiedAt, status: report.status, error: report.error } });
  }
  deps.logger[report.status === 'ok' ? 'info' : 'error']({ backup: row.id, status: report.status, error: report.error }, 'backup: verified');
  return report;
}

// ---------------------------------------------------------------------------------------------------
// list, prune
// ---------------------------------------------------------------------------------------------------

export interface ListedBackup extends BackupRow {
  /** The dump file is on disk. */
  present: boolean;
  /** Why its file is refused (it resolves outside its folder), when it is. */
  refused?: string;
}

export async function listBackups(deps: BackupDeps): Promise<ListedBackup[]> {
  await syncCatalog(deps);
  const rows = await listBackupRows(deps.db);
  return rows.map((r) => {
    const refused = unsafeReason(deps, r);
    return refused ? { ...r, present: false, refused } : { ...r, present: existsSync(r.file) };
  });
}

/**
 * The backup's dump file, when the row may be trusted with it: the file is inside the backups folder, or
 * (a backup made with --out) it is a dump named as we name them, beside its own manifest that names it,
 * and in both cases not a link to somewhere else. Otherwise an UnsafePathError: rows are data.
 */
export function backupFile(deps: Pick<BackupDeps, 'config'>, row: Pick<BackupRow, 'id' | 'file'>): string {
  const what = `backup ${row.id}`;
  if (isInside(deps.config.paths.backups, row.file)) return resolveInside(deps.config.paths.backups, row.file, what);
  const dir = dirname(row.file);
  const name = basename(row.file);
  let besideOwnManifest = false;
  if (DUMP_NAME.test(name) && existsSync(manifestPathFor(row.file))) {
    try {
      const manifest = readManifest(manifestPathFor(row.file));
      besideOwnManifest = manifest.file === name && manifest.id === row.id;
    } catch {
      besideOwnManifest = false;
    }
  }
  if (!besideOwnManifest) {
    throw new UnsafePathError(`${what}: its file ${row.file} is outside ${deps.config.paths.backups} and is not a dump beside its own manifest; refused, nothing read or deleted through it`, row.file, deps.config.paths.backups);
  }
  return resolveInside(dir, name, what);
}

const DUMP_NAME = /^studio-\d{8}-\d{6}(?:-\d+)?-(?:server|embedded)\.(?:dump|tar\.gz)$/;

function unsafeReason(deps: Pick<BackupDeps, 'config'>, row: Pick<BackupRow, 'id' | 'file'>): string | undefined {
  try {
    backupFile(deps, row);
    return undefined;
  } catch (error) {
    if (error instanceof UnsafePathError) return error.message;
    throw error;
  }
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
// restore
// ---------------------------------------------------------------------------------------------------

export interface RestoreOptions {
  confirm?: boolean;
  reason?: string;
  /** Who restores, for the audit row. @default config.operator */
  operator?: Operator;
  signal?: AbortSignal;
  onProgress?: (progress: DumpProgress) => void;
  /** Embedded mode: open the database again after its directory was swapped. */
  reopen?: () => Promise<Database>;
}

export interface RestoreReport {
  id: string;
  createdAt: string;
  safetyBackup: string;
  /** Audit rows written after the backup, put back after the restore (audit history only grows). */
  auditRowsCarriedForward: number;
  /** Tables whose row count after the restore differs from the backup's manifest (should be none). */
  mismatches: Array<{ table: string; expected: number; restored: number | null }>;
  migrationsApplied: string[];
  durationMs: number;
}

/**
 * Replace the configured database's content with backup `id`. Refuses without confirm, while a
 * scheduler is live, or for a backup whose file is corrupt; takes a safety backup first; audited.
 * Returns the database to use afterwards (embedded mode closes and reopens it).
 */
export async function restoreBackup(deps: BackupDeps, id: string, options: RestoreOptions = {}): Promise<{ report: RestoreReport; db: Database }> {
  const { config, db, clock } = deps;
  const row = await resolveBackup(deps, id);
  const manifest = manifestFor(row);
  if (!options.confirm) {
    throw new ConfirmationRequiredError(
      `backup restore: this replaces all of studio's data in ${db.location} with backup ${row.id} (made ${manifest.createdAt}); a safety backup is taken first. Run again with --confirm (and --reason "...")`,
    );
  }
  const live = await liveSchedulers(db, SCHEDULER_LIVE_MS);
  if (live.length > 0) {
    const who = live.map((s) => `${s.host} pid ${s.pid}`).join(', ');
    throw new BackupError(`backup restore: refused while a scheduler holds the database (${who}, heartbeat within 2 min); stop it first, then retry`);
  }
  const engine = await createBackupEngine({ config, db });
  if (manifest.mode !== engine.mode) throw new BackupError(`backup restore: ${row.id} is a ${manifest.mode} backup; this studio runs in ${engine.mode} mode`);
  if (engine.mode === 'server' && manifest.schema !== config.database.schema) {
    throw new BackupError(`backup restore: ${row.id} holds schema "${manifest.schema}" but DATABASE_SCHEMA is "${config.database.schema}"; set DATABASE_SCHEMA=${manifest.schema} to restore it`);
  }
  const newestKnown = Math.max(0, ...loadMigrations({ vars: migrationVars(config) }).map((m) => m.version));
  const level = manifest.migrationLevel ? Number(manifest.migrationLevel.slice(0, 4)) : 0;
  if (level > newestKnown) throw new BackupError(`backup restore: ${row.id} was made by a newer studio (migration ${manifest.migrationLevel}); upgrade studio first`);
  if (!existsSync(row.file)) throw new BackupError(`backup restore: the backup file ${row.file} is missing`);
  const { sha256 } = await hashFile(row.file);
  if (sha256 !== manifest.sha256) throw new BackupError(`backup restore: checksum mismatch: ${row.file} is corrupt or changed since the backup; nothing was restored`);

  const started = clock.now();
  // What a restore must not turn back: the audit trail since (well before) the backup was made, and the
  // scheduler processes as they are now (the backup's node rows are of processes long gone).
  const auditSince = new Date(Date.parse(manifest.createdAt) - AUDIT_OVERLAP_MS);
  const auditToKeep = await auditRowsSince(db, auditSince);
  const nodesNow = await listNodes(db);
  const safety = await createBackup(deps, { kind: 'safety', signal: options.signal, onProgress: options.onProgress });
  deps.logger.warn({ backup: row.id, safetyBackup: safety.id, operator: config.operator.user }, 'backup: restore starting');
  try {
    await engine.restore(row.file, { signal: options.signal });
  } catch (error) {
    if (engine.mode === 'server') {
      // The restore ran in one transaction: the database is as it was, so the attempt can be audited there.
      await recordAudit(db, options.operator ?? config.operator, {
        action: 'backup.restore.failed',
        target: row.id,
        reason: options.reason,
        details: { error: toError(error).message, safetyBackup: safety.id },
      }).catch(() => undefined);
    }
    throw error;
  }
  let current = db;
  if (engine.mode === 'embedded') {
    if (!options.reopen) throw new BackupError('backup restore: the embedded database was swapped but cannot be reopened here; run any studio command to open it');
    current = await options.reopen();
  }
  const after = await countRows(current, manifest.schema);
  const mismatches = Object.entries(manifest.rowCounts)
    .map(([table, expected]) => ({ table, expected, restored: after[table] ?? null }))
    .filter((t) => t.restored !== t.expected);
  const migrationsApplied = await migrate(current, { vars: migrationVars(config) });
  await syncCatalog({ ...deps, db: current });
  const auditCarried = await current.withTransaction(async (tx) => {
    const carried = await carryAuditRowsForward(tx, auditToKeep);
    await replaceNodes(tx, nodesNow);
    await recordAudit(tx, options.operator ?? config.operator, {
      action: 'backup.restore',
      target: row.id,
      reason: options.reason,
      details: { file: row.file, safetyBackup: safety.id, createdAt: manifest.createdAt, mismatches, migrationsApplied, auditRowsCarriedForward: carried },
    });
    return carried;
  });
  deps.logger.warn({ backup: row.id, safetyBackup: safety.id, mismatches, auditCarried }, 'backup: restored');
  return {
    report: {
      id: row.id,
      createdAt: manifest.createdAt,
      safetyBackup: safety.id,
      mismatches,
      migrationsApplied,
      auditRowsCarriedForward: auditCarried,
      durationMs: Math.max(0, clock.now() - started),
    },
    db: current,
  };
}

// ---------------------------------------------------------------------------------------------------
// freshness, catalog
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

/**
 * Add catalog rows for backups whose manifests are on disk but not in the table (after a restore
 * rewound the table, or when files were copied in). Returns how many were added.
 */
export async function syncCatalog(deps: BackupDeps, dir = deps.config.paths.backups): Promise<number> {
  const { manifests } = scanManifests(dir);
  let added = 0;
  // Rows whose dump and manifest are both gone (pruned after the restored backup was made) go too.
  for (const row of await listBackupRows(deps.db)) {
    if (!existsSync(row.file) && !existsSync(manifestPathFor(row.file))) await deleteBackupRow(deps.db, row.id);
  }
  for (const { path, manifest } of manifests) {
    // a manifest names its dump by a bare file name beside it; anything else is refused, never followed
    if (basename(manifest.file) !== manifest.file || !isInside(dirname(path), manifest.file)) {
      deps.logger.warn({ manifest: path, file: manifest.file }, `backup: manifest ${path} names ${manifest.file}, which resolves outside ${dirname(path)}; ignored`);
      continue;
    }
    const file = join(dirname(path), manifest.file);
    if (!existsSync(file)) continue;
    if (await insertBackup(deps.db, rowFromManifest(manifest, file))) added++;
  }
  return added;
}

/**
 * The backup named by id (exact, a unique prefix, or `latest`), or the newest when id is omitted; refused
 * (UnsafePathError) when its file resolves outside its folder, so nothing reads or restores through it.
 */
export async function resolveBackup(deps: BackupDeps, id?: string): Promise<BackupRow> {
  const row = await findBackup(deps, id);
  return { ...row, file: backupFile(deps, row) };
}

async function findBackup(deps: BackupDeps, id?: string): Promise<BackupRow> {
  await syncCatalog(deps);
  if (id && id !== 'latest') {
    const exact = await getBackupRow(deps.db, id);
    if (exact) return exact;
  }
  const rows = await listBackupRows(deps.db);
  if (!id || id === 'latest') {
    if (rows[0]) return rows[0];
    throw new NotFoundError('backup: there are no backups yet; make one with studio backup create');
  }
  const matches = rows.filter((r) => r.id.startsWith(id));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new NotFoundError(`backup: "${id}" matches ${matches.length} backups (${matches.slice(0, 3).map((r) => r.id).join(', ')} ...); give more of the id`);
  throw new NotFoundError(`backup: no backup "${id}"; see studio backup list`);
}

function manifestFor(row: BackupRow): Manifest {
  const path = manifestPathFor(row.file);
  if (existsSync(path)) return readManifest(path);
  return row.manifest as Manifest;
}

function rowFromManifest(manifest: Manifest, file: string): Omit<BackupRow, 'verifiedAt' | 'verifyStatus' | 'verifyError'> & Partial<BackupRow> {
  return {
    id: manifest.id,
    file,
    createdAt: new Date(manifest.createdAt),
    sizeBytes: manifest.sizeBytes,
    checksum: manifest.sha256,
    mode: manifest.mode,
    kind: manifest.kind,
    manifest: { ...manifest, verification: undefined },
    verifiedAt: manifest.verification ? new Date(manifest.verification.at) : null,
    verifyStatus: manifest.verification?.status ?? null,
    verifyError: manifest.verification?.error ?? null,
  };
}
