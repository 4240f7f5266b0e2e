/**
 * Backups by hand: back up now (optionally with its restore drill), prune, restore. Each is audited
 * once, whether it starts from `studio backup ...` or the console's `b`.
 */
import type { Database } from '../../core/ports.js';
import { createBackup, pruneBackups, type CreatedBackup, type PruneResult } from '../../ops/backup/service.js';
import { restoreBackup, type RestoreReport } from '../../ops/backup/restore.js';
import { verifyBackup, type VerifyReport } from '../../ops/backup/verify.js';
import { recordAudit } from '../../storage/audit.js';
import type { DumpProgress } from '../../storage/backup-engine.js';
import { openDatabase } from '../../storage/open.js';
import type { Operator, OpsDeps } from './context.js';

export type { CreatedBackup, DumpProgress, PruneResult, RestoreReport, VerifyReport };

export interface BackupNowArgs {
  /** Write here instead of STUDIO_BACKUPS_DIR. */
  outDir?: string;
  /** Run the restore drill on it straight away. @default false */
  verify?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: DumpProgress) => void;
  /** Told when the drill starts (it takes a while). */
  onVerifying?: (id: string) => void;
}

export interface BackupNowResult {
  created: CreatedBackup;
  verified?: VerifyReport;
}

/** Back up the database now (a manual backup), verify it if asked, and audit it once with the outcome. */
export async function backupNow(deps: OpsDeps, operator: Operator, args: BackupNowArgs = {}): Promise<BackupNowResult> {
  const created = await createBackup(deps, { kind: 'manual', outDir: args.outDir, signal: args.signal, onProgress: args.onProgress });
  let verified: VerifyReport | undefined;
  if (args.verify) {
    args.onVerifying?.(created.id);
    verified = await verifyBackup(deps, created.id, { signal: args.signal });
  }
  await recordAudit(deps.db, operator, {
    action: 'backup.create',
    target: created.id,
    details: { file: created.file, sizeBytes: created.manifest.sizeBytes, sha256: created.manifest.sha256, verified: verified ? verified.status : 'not run', warnings: created.warnings },
  });
  return { created, verified };
}

/** Delete backups past retention (never the newest verified one); audited unless a dry run. */
export async function pruneBackupsNow(deps: OpsDeps, operator: Operator, args: { dryRun?: boolean }): Promise<PruneResult> {
  const result = await pruneBackups(deps, { dryRun: args.dryRun });
  if (!result.dryRun) await recordAudit(deps.db, operator, { action: 'backup.prune', details: { deleted: result.deleted.map((b) => b.id), retentionDays: result.retentionDays } });
  return result;
}

/**
 * Replace the database with a backup (needs confirm; safety backup first; refused while a scheduler
 * runs). The restore audits itself in the restored database. Returns the database to use afterwards
 * (embedded mode reopens it); the caller closes that one when it differs from `deps.db`.
 */
export async function restoreBackupNow(
  deps: OpsDeps,
  operator: Operator,
  args: { id: string; confirm?: boolean; reason?: string; signal?: AbortSignal; onProgress?: (p: DumpProgress) => void },
): Promise<{ report: RestoreReport; db: Database }> {
  let reopened: Database | undefined;
  try {
    return await restoreBackup(deps, args.id, {
      confirm: args.confirm,
      reason: args.reason,
      operator,
      signal: args.signal,
      onProgress: args.onProgress,
      reopen: async () => (reopened = await openDatabase(deps.config, { logger: deps.logger, migrate: false })),
    });
  } catch (error) {
    await reopened?.close();
    throw error;
  }
}
