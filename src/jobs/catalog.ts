/**
 * The job catalog: studio's own maintenance jobs, plus whatever definitions the composition root passes
 * in from other modules (pipeline tick, health check, backup, campaign metrics ...). Every job here is
 * also runnable by hand (`studio jobs run NAME`).
 *
 * Schedules are UTC. Weekly maintenance runs early on Sunday, one task after another.
 */
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { JobContext, JobDefinition } from '../core/jobs.js';
import type { Database } from '../core/ports.js';
import { recordTestTick } from '../storage/job-test-ticks.js';
import { archiveOldIdeas, cleanupLogs, purgeHistory, reindex, rotateLogs, vacuum } from './maintenance.js';
import { JobFailedError } from '../core/errors.js';

/** Something another module does on a schedule that returns a short summary (a report path ...). */
export type ScheduledWork = (context: JobContext) => Promise<string | Record<string, unknown> | void>;

export interface CatalogOptions {
  db: Database;
  config: Config;
  clock: Clock;
  /** Reopen this process's log file after rotation (App.reopenLog). */
  reopenLog(): void;
  /** The monthly performance report; registered as report.performance when given. */
  performanceReport?: ScheduledWork;
  /** Jobs of other modules. */
  extra?: JobDefinition[];
}

/** The names of the jobs this module defines. */
export const MAINTENANCE_JOBS = [
  'maintenance.vacuum',
  'maintenance.reindex',
  'maintenance.archive-ideas',
  'maintenance.purge-history',
  'maintenance.rotate-logs',
] as const;

export function maintenanceJobs(options: Omit<CatalogOptions, 'extra' | 'performanceReport'>): JobDefinition[] {
  const { db, config, clock } = options;
  return [
    {
      name: 'maintenance.vacuum',
      description: 'VACUUM (ANALYZE) every studio table, one at a time',
      schedule: '0 3 * * 0',
      timeoutMs: 2 * 3_600_000,
      catchUp: 'latest',
      async run({ signal, progress }) {
        progress('vacuuming');
        const report = await vacuum(db, { clock, signal });
        const failed = report.tables.filter((t) => t.error);
        if (failed.length > 0) throw new JobFailedError(`maintenance: vacuum failed for ${failed.map((t) => `${t.name} (${t.error})`).join(', ')}`, 'maintenance.vacuum');
        return { summary: `vacuumed ${report.tables.length} tables in ${report.ms} ms`, tables: report.tables.map((t) => ({ name: t.name, ms: t.ms })) };
      },
    },
    {
      name: 'maintenance.reindex',
      description: 'REINDEX CONCURRENTLY one index at a time, with lock_timeout, within a time budget',
      schedule: '30 3 * * 0',
      timeoutMs: config.scheduler.reindexBudgetMs + 15 * 60_000,
      catchUp: 'latest',
      async run({ signal }) {
        const report = await reindex(db, { clock, signal, lockTimeoutMs: config.scheduler.lockTimeoutMs, budgetMs: config.scheduler.reindexBudgetMs });
        const done = report.indexes.filter((i) => i.status === 'reindexed').length;
        const failed = report.indexes.filter((i) => i.status === 'failed');
        const skipped = report.indexes.filter((i) => i.status === 'skipped').length;
        return {
          summary: `reindexed ${done} of ${report.indexes.length} indexes${report.concurrently ? ' concurrently' : ''} in ${report.ms} ms` +
            (failed.length ? `; ${failed.length} failed (${failed.map((f) => f.name).join(', ')})` : '') +
            (skipped ? `; ${skipped} left for the next run (time budget)` : ''),
          indexes: report.indexes.map((i) => ({ name: i.name, status: i.status, ms: i.ms, error: i.error })),
        };
      },
    },
    {
      name: 'maintenance.archive-ideas',
      description: `move ideas REJECTED, DEPLOYED or SMOKE_TEST_FAILED more than RETENTION_DAYS (${config.pipeline.retentionDays}) ago into ideas_archive`,
      schedule: '0 4 * * 0',
      timeoutMs: 30 * 60_000,
      catchUp: 'latest',
      async run({ signal }) {
        const report = await archiveOldIdeas(db, { retentionDays: config.pipeline.retentionDays, clock, signal });
        return { summary: `archived ${report.ideas.length} ideas last touched before ${report.before}`, ids: report.ideas.slice(0, 100).map((i) => i.id) };
      },
    },
    {
      name: 'maintenance.purge-history',
      description: `delete audit rows and job history older than AUDIT_RETENTION_DAYS (${config.scheduler.auditRetentionDays})`,
      schedule: '15 4 * * 0',
      timeoutMs: 30 * 60_000,
      catchUp: 'latest',
      async run() {
        const report = await purgeHistory(db, { retentionDays: config.scheduler.auditRetentionDays, clock });
        return { summary: `deleted ${report.auditRows} audit rows and ${report.jobRuns} job runs older than ${report.retentionDays} days`, ...report };
      },
    },
    {
      name: 'maintenance.rotate-logs',
      description: `rotate and gzip ${config.paths.logFile}, delete rotated logs older than RETENTION_DAYS (${config.pipeline.retentionDays}); on every host`,
      schedule: '30 4 * * 0',
      timeoutMs: 30 * 60_000,
      catchUp: 'latest',
      perHost: true,
      async run({ signal }) {
        const rotated = await rotateLogs({ logFile: config.paths.logFile, clock, reopen: options.reopenLog, signal });
        const cleaned = cleanupLogs({ logFile: config.paths.logFile, retentionDays: config.pipeline.retentionDays, clock });
        return {
          summary: `${rotated.rotated.length ? `rotated to ${rotated.rotated[0]!.to}` : (rotated.note ?? 'nothing rotated')}; deleted ${cleaned.deleted.length} old rotated logs`,
          rotated: rotated.rotated,
          deleted: cleaned.deleted.map((d) => d.file),
        };
      },
    },
  ];
}

/** The monthly performance report (the manual's generate_performance_report --days=30). */
export function performanceReportJob(report: ScheduledWork): JobDefinition {
  return {
    name: 'report.performance',
    description: 'monthly performance report over the last 30 days',
    schedule: '0 6 1 * *',
    timeoutMs: 30 * 60_000,
    retries: 2,
    catchUp: 'latest',
    run: report,
  };
}

/**
 * TEST HOOK ONLY (STUDIO_TEST_JOBS=true): `test.tick` runs every second, works STUDIO_TEST_TICK_WORK,
 * then records a row in scheduler_test_ticks. The several-hosts test counts those rows.
 */
export function testJobs(options: { db: Database; config: Config }): JobDefinition[] {
  return [
    {
      name: 'test.tick',
      description: 'TEST HOOK: every second, records which process did the slot',
      schedule: '* * * * * *',
      timeoutMs: 10_000,
      retries: 2,
      catchUp: 'none',
      async run({ signal, scheduledFor, attempt }) {
        const work = options.config.scheduler.testTickWorkMs;
        if (work > 0) {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, work);
            signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
          });
        }
        await recordTestTick(options.db, { slot: scheduledFor, attempt, node: `${process.pid}`, pid: process.pid });
        return `tick ${scheduledFor.toISOString()}`;
      },
    },
  ];
}

/**
 * Maintenance jobs + the performance report when given + other modules' jobs (+ test hooks). The daily
 * budget review (`budget.review`) is the budget module's job (pipeline/budget/review.ts), passed in `extra`.
 */
export function createJobCatalog(options: CatalogOptions): JobDefinition[] {
  const jobs = [...maintenanceJobs(options)];
  if (options.performanceReport) jobs.push(performanceReportJob(options.performanceReport));
  jobs.push(...(options.extra ?? []));
  if (options.config.scheduler.testJobs) jobs.push(...testJobs(options));
  return jobs;
}
