/** `studio maintenance vacuum|reindex|rotate-logs|cleanup-logs|archive|purge-history`: the manual's weekly tasks, by hand. */
import type { Command } from 'commander';
import type { App } from '../app/app.js';
import { parseDuration } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { InvalidInputError } from '../core/errors.js';
import { action, loadConfig, withApp } from './run.js';
import { c, cut, formatBytes, printJson, println, table } from './output.js';

interface Common {
  dryRun?: boolean;
  json?: boolean;
}

const ms = (value: number | undefined) => (value === undefined ? '' : `${Math.round(value)} ms`);

function durationFlag(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  try {
    return parseDuration(value);
  } catch {
    throw new InvalidInputError(`maintenance: ${flag} must be a duration like 30s, 5m (got "${value}")`);
  }
}

function daysFlag(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1) throw new InvalidInputError(`maintenance: --days must be a whole number of days, at least 1 (got "${value}")`);
  return days;
}

type MaintenanceOps = typeof import('../app/operations/maintenance.js');

/** Run a task through its operation (which logs and audits it) and print the report. */
async function task<R>(name: string, opts: Common, body: (ops: MaintenanceOps, app: App, config: Config) => Promise<R>, print: (report: R) => void): Promise<number> {
  const config = await loadConfig();
  const ops = await import('../app/operations/maintenance.js');
  return (await withApp({ config, logBase: { cmd: `maintenance ${name}` } }, async (app) => {
    const report = await body(ops, app, config);
    if (opts.json) printJson(report);
    else print(report);
    return 0;
  })) as number;
}

export function registerMaintenance(program: Command): void {
  const maintenance = program
    .command('maintenance')
    .description('weekly maintenance by hand: vacuum, reindex, log rotation and clean-up, archiving, purging history')
    .addHelpText('after', '\nThe same tasks run as scheduled jobs (studio jobs list: maintenance.*). Every task takes --dry-run and --json.');

  maintenance
    .command('vacuum')
    .description('VACUUM (ANALYZE) every studio table, one at a time')
    .option('--dry-run', 'list the tables, vacuum nothing')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nWorks on PostgreSQL and on the embedded database.\n\nExamples:\n  studio maintenance vacuum\n  studio maintenance vacuum --dry-run --json')
    .action(
      action(async (opts: Common) => {
        return task(
          'vacuum',
          opts,
          (ops, app, config) => ops.vacuumNow(app, config.operator, { dryRun: opts.dryRun }),
          (r) => {
            println(
              table(
                ['table', 'size', 'dead rows', r.dryRun ? '' : 'took', ''],
                r.tables.map((t) => [t.name, formatBytes(t.bytes), String(t.deadRows), ms(t.ms), t.error ? c.red(t.error) : '']),
                { align: ['left', 'right', 'right', 'right', 'left'] },
              ),
            );
            println(r.dryRun ? `\nwould vacuum ${r.tables.length} tables (dry run)` : `\n${c.green('✓')} vacuumed ${r.tables.filter((t) => !t.error).length} of ${r.tables.length} tables in ${r.ms} ms`);
          },
        );
      }),
    );

  maintenance
    .command('reindex')
    .description('REINDEX each index one at a time (CONCURRENTLY on PostgreSQL) with lock_timeout, within a time budget')
    .option('--budget <duration>', 'stop starting new indexes after this long [MAINTENANCE_REINDEX_BUDGET]')
    .option('--lock-timeout <duration>', 'give up an index whose table stays locked this long [MAINTENANCE_LOCK_TIMEOUT]')
    .option('--dry-run', 'list the indexes, reindex nothing')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
On PostgreSQL each index is rebuilt with REINDEX INDEX CONCURRENTLY (writes continue), smallest first; an
index whose lock cannot be had within the lock timeout is reported and skipped, and the invalid copy a
failed concurrent rebuild leaves is dropped. The embedded database (PGlite) has one session, so there
"concurrently" means nothing: a plain REINDEX runs, blocking nothing else because nothing else runs.

Examples:
  studio maintenance reindex --dry-run
  studio maintenance reindex --budget 10m --lock-timeout 2s`,
    )
    .action(
      action(async (opts: Common & { budget?: string; lockTimeout?: string }) => {
        return task(
          'reindex',
          opts,
          (ops, app, config) =>
            ops.reindexNow(app, config.operator, {
              dryRun: opts.dryRun,
              budgetMs: durationFlag('--budget', opts.budget, config.scheduler.reindexBudgetMs),
              lockTimeoutMs: durationFlag('--lock-timeout', opts.lockTimeout, config.scheduler.lockTimeoutMs),
            }),
          (r) => {
            println(
              table(
                ['index', 'table', 'size', 'status', 'took', ''],
                r.indexes.map((i) => [
                  i.name,
                  i.table,
                  formatBytes(i.bytes),
                  i.status === 'reindexed' ? c.green(i.status) : i.status === 'failed' ? c.red(i.status) : i.status === 'skipped' ? c.yellow(i.status) : i.status,
                  ms(i.ms),
                  i.error ?? '',
                ]),
                { align: ['left', 'left', 'right', 'left', 'right', 'left'] },
              ),
            );
            const done = r.indexes.filter((i) => i.status === 'reindexed').length;
            println(
              r.dryRun
                ? `\nwould reindex ${r.indexes.length} indexes${r.concurrently ? ' concurrently' : ' (plain REINDEX: embedded database)'} (dry run)`
                : `\n${c.green('✓')} reindexed ${done} of ${r.indexes.length} indexes${r.concurrently ? ' concurrently' : ' (plain REINDEX: embedded database)'} in ${r.ms} ms`,
            );
          },
        );
      }),
    );

  maintenance
    .command('rotate-logs')
    .description('rotate the log: rename, gzip, reopen (rotation is a job: no logrotate needed)')
    .option('--dry-run', 'say what would be rotated')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nRotates STUDIO_LOG_FILE on this host into <file>.<UTC stamp>.gz.\n\nExamples:\n  studio maintenance rotate-logs\n  studio maintenance rotate-logs --dry-run')
    .action(
      action(async (opts: Common) => {
        return task(
          'rotate-logs',
          opts,
          (ops, app, config) => ops.rotateLogsNow(app, config.operator, { dryRun: opts.dryRun }),
          (r) => {
            if (r.rotated.length === 0) println(r.note ?? 'nothing to rotate');
            for (const f of r.rotated) {
              println(`${r.dryRun ? 'would rotate' : `${c.green('✓')} rotated`} ${f.from} (${formatBytes(f.bytes)}) -> ${f.to}${f.compressedBytes !== undefined ? ` (${formatBytes(f.compressedBytes)})` : ''}`);
            }
          },
        );
      }),
    );

  maintenance
    .command('cleanup-logs')
    .description('delete rotated logs older than RETENTION_DAYS')
    .option('--days <n>', 'keep rotated logs this many days [RETENTION_DAYS]')
    .option('--dry-run', 'list what would be deleted')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nThe live log is never touched.\n\nExamples:\n  studio maintenance cleanup-logs --dry-run\n  studio maintenance cleanup-logs --days 14')
    .action(
      action(async (opts: Common & { days?: string }) => {
        return task(
          'cleanup-logs',
          opts,
          (ops, app, config) => ops.cleanupLogsNow(app, config.operator, { dryRun: opts.dryRun, retentionDays: daysFlag(opts.days, config.pipeline.retentionDays) }),
          (r) => {
            for (const f of r.deleted) println(`${r.dryRun ? 'would delete' : 'deleted'} ${f.file} (${formatBytes(f.bytes)}, ${f.ageDays} days old)`);
            println(`${r.dryRun ? 'would delete' : `${c.green('✓')} deleted`} ${r.deleted.length} rotated logs older than ${r.retentionDays} days; kept ${r.kept}`);
          },
        );
      }),
    );

  maintenance
    .command('archive')
    .description('move ideas REJECTED, DEPLOYED or SMOKE_TEST_FAILED more than RETENTION_DAYS ago into ideas_archive')
    .option('--days <n>', 'archive ideas untouched this many days [RETENTION_DAYS]')
    .option('--dry-run', 'list the ideas that would move')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Each batch moves in one transaction: the idea row (as JSON) and its stage history go into ideas_archive
with status ARCHIVED, and the idea leaves the ideas table. Nothing is half moved.

Examples:
  studio maintenance archive --dry-run
  studio maintenance archive --json`,
    )
    .action(
      action(async (opts: Common & { days?: string }) => {
        return task(
          'archive',
          opts,
          (ops, app, config) => ops.archiveIdeasNow(app, config.operator, { dryRun: opts.dryRun, retentionDays: daysFlag(opts.days, config.pipeline.retentionDays) }),
          (r) => {
            if (r.ideas.length > 0) println(table(['idea', 'status', 'last change', 'title'], r.ideas.slice(0, 50).map((i) => [i.id, i.status, i.updatedAt.slice(0, 10), cut(i.title, 60)])));
            if (r.ideas.length > 50) println(c.dim(`… and ${r.ideas.length - 50} more`));
            println(`${r.dryRun ? 'would archive' : `${c.green('✓')} archived`} ${r.ideas.length} ideas (REJECTED, DEPLOYED or SMOKE_TEST_FAILED, last changed before ${r.before.slice(0, 10)})`);
          },
        );
      }),
    );

  maintenance
    .command('purge-history')
    .description('delete audit rows and job history older than AUDIT_RETENTION_DAYS (365)')
    .option('--days <n>', 'keep this many days [AUDIT_RETENTION_DAYS]')
    .option('--dry-run', 'count what would be deleted')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  studio maintenance purge-history --dry-run')
    .action(
      action(async (opts: Common & { days?: string }) => {
        return task(
          'purge-history',
          opts,
          (ops, app, config) => ops.purgeHistoryNow(app, config.operator, { dryRun: opts.dryRun, retentionDays: daysFlag(opts.days, config.scheduler.auditRetentionDays) }),
          (r) => println(`${r.dryRun ? 'would delete' : `${c.green('✓')} deleted`} ${r.auditRows} audit rows and ${r.jobRuns} job runs older than ${r.retentionDays} days`),
        );
      }),
    );
}
