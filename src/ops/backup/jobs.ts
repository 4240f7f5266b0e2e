/**
 * The scheduled side of backups: a daily backup, proven at once by a restore drill, then retention;
 * and an hourly check that the newest verified backup is not older than BACKUP_MAX_AGE. Failures raise
 * `backup.failed`, `backup.verify_failed` and `backup.stale` events for the incidents module.
 */
import { systemClock, type Clock } from '../../core/clock.js';
import type { Config } from '../../core/config.js';
import { BackupError } from '../../core/errors.js';
import type { JobDefinition } from '../../core/jobs.js';
import type { Logger } from '../../core/logger.js';
import type { Database } from '../../core/ports.js';
import type { BackupDeps } from './catalog.js';
import { checkBackupFreshness, createBackup, pruneBackups, reportBackupFailure } from './service.js';
import { verifyBackup } from './verify.js';

export interface BackupJobDeps {
  config: Config;
  /** The process's open database (embedded: the one PGlite instance of this process). */
  db: Database;
  logger: Logger;
  /** @default systemClock */
  clock?: Clock;
}

/** `backup.daily` (BACKUP_SCHEDULE, default 03:00 UTC) and `backup.freshness` (hourly). */
export function createBackupJobs(deps: BackupJobDeps): JobDefinition[] {
  const base = (logger: Logger): BackupDeps => ({ config: deps.config, db: deps.db, logger, clock: deps.clock ?? systemClock });
  return [
    {
      name: 'backup.daily',
      description: 'back up the database, prove it with a restore drill, then delete backups past retention',
      schedule: deps.config.backup.schedule,
      timezone: 'UTC',
      timeoutMs: 3_600_000,
      retries: 1,
      catchUp: 'latest',
      catchUpLimit: 1,
      async run(context) {
        const d = base(context.logger);
        context.progress('backing up');
        let created;
        try {
          created = await createBackup(d, { kind: 'scheduled', signal: context.signal });
        } catch (error) {
          await reportBackupFailure(d, error);
          throw error;
        }
        context.progress(`restore drill of ${created.id}`);
        const verified = await verifyBackup(d, created.id, { signal: context.signal });
        if (verified.status === 'failed') throw new BackupError(`backup: ${created.id} failed its restore drill: ${verified.error}`);
        context.progress('pruning');
        const pruned = await pruneBackups(d);
        return {
          backup: created.id,
          sizeBytes: created.manifest.sizeBytes,
          verified: verified.status,
          pruned: pruned.deleted.map((b) => b.id),
        };
      },
    },
    {
      name: 'backup.freshness',
      description: 'raise an incident when the newest verified backup is older than BACKUP_MAX_AGE',
      schedule: '17 * * * *',
      timezone: 'UTC',
      timeoutMs: 60_000,
      catchUp: 'none',
      async run(context) {
        const result = await checkBackupFreshness(base(context.logger));
        return { status: result.status, newestVerified: result.newestVerified?.id ?? null, ageMs: result.ageMs };
      },
    },
  ];
}
