/**
 * Restore a backup over the configured database: guarded (confirmation, no live scheduler, same mode and
 * schema, not from a newer studio, checksum), with a safety backup first; the audit trail and the
 * scheduler rows of now survive it, and it is audited.
 */
import { existsSync } from 'node:fs';
import { BackupError, ConfirmationRequiredError, toError } from '../../core/errors.js';
import type { Database } from '../../core/ports.js';
import type { Operator } from '../../core/operator.js';
import { auditRowsSince, carryAuditRowsForward, recordAudit } from '../../storage/audit.js';
import { listNodes, replaceNodes } from '../../storage/scheduler-nodes.js';
import { countRows } from '../../storage/backup-checks.js';
import { createBackupEngine, type DumpProgress } from '../../storage/backup-engine.js';
import { liveSchedulers } from '../../storage/backups.js';
import { loadMigrations, migrate } from '../../storage/migrate.js';
import { migrationVars } from '../../storage/open.js';
import { manifestFor, resolveBackup, syncCatalog, type BackupDeps } from './catalog.js';
import { hashFile } from './manifest.js';
import { createBackup } from './service.js';

/** Audit rows this long before the backup's time are read too: a dump's snapshot predates its manifest. */
const AUDIT_OVERLAP_MS = 86_400_000;
/** A scheduler that beat within this long holds the database (restore refuses). */
export const SCHEDULER_LIVE_MS = 120_000;

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
