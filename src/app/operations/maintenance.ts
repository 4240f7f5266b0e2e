/**
 * The manual's weekly maintenance by hand (the same tasks the maintenance.* jobs run): each is run here
 * and audited once when it changed something (a dry run changes nothing and is not audited).
 */
import type { App } from '../app.js';
import { archiveOldIdeas, cleanupLogs, purgeHistory, reindex, rotateLogs, vacuum } from '../../jobs/maintenance.js';
import { recordAudit } from '../../storage/audit.js';
import type { Operator } from './context.js';

type MaintenanceDeps = Pick<App, 'db' | 'config' | 'clock' | 'logger' | 'reopenLog'>;

/** Run one task, log it, and audit it (with `details` of its report) unless it was a dry run. */
async function task<R extends { dryRun?: boolean }>(deps: MaintenanceDeps, operator: Operator, name: string, run: () => Promise<R>, details: (report: R) => Record<string, unknown>): Promise<R> {
  const report = await run();
  deps.logger.info({ task: name, dryRun: Boolean(report.dryRun), ...details(report) }, `maintenance ${name}${report.dryRun ? ' (dry run)' : ''} done`);
  if (!report.dryRun) await recordAudit(deps.db, operator, { action: `maintenance.${name}`, details: details(report) });
  return report;
}

export const vacuumNow = (deps: MaintenanceDeps, operator: Operator, args: { dryRun?: boolean }) =>
  task(deps, operator, 'vacuum', () => vacuum(deps.db, { clock: deps.clock, dryRun: args.dryRun }), (r) => ({ tables: r.tables.length, failed: r.tables.filter((t) => t.error).map((t) => t.name), ms: r.ms }));

export const reindexNow = (deps: MaintenanceDeps, operator: Operator, args: { dryRun?: boolean; budgetMs: number; lockTimeoutMs: number }) =>
  task(
    deps,
    operator,
    'reindex',
    () => reindex(deps.db, { clock: deps.clock, ...args }),
    (r) => ({ reindexed: r.indexes.filter((i) => i.status === 'reindexed').map((i) => i.name), failed: r.indexes.filter((i) => i.status === 'failed').map((i) => i.name), ms: r.ms }),
  );

export const rotateLogsNow = (deps: MaintenanceDeps, operator: Operator, args: { dryRun?: boolean }) =>
  task(deps, operator, 'rotate-logs', () => rotateLogs({ logFile: deps.config.paths.logFile, clock: deps.clock, reopen: deps.reopenLog, dryRun: args.dryRun }), (r) => ({ rotated: r.rotated.map((f) => f.to) }));

export const cleanupLogsNow = (deps: MaintenanceDeps, operator: Operator, args: { dryRun?: boolean; retentionDays: number }) =>
  task(deps, operator, 'cleanup-logs', async () => cleanupLogs({ logFile: deps.config.paths.logFile, clock: deps.clock, ...args }), (r) => ({ deleted: r.deleted.map((f) => f.file), retentionDays: r.retentionDays }));

export const archiveIdeasNow = (deps: MaintenanceDeps, operator: Operator, args: { dryRun?: boolean; retentionDays: number }) =>
  task(deps, operator, 'archive', () => archiveOldIdeas(deps.db, { clock: deps.clock, ...args }), (r) => ({ archived: r.ideas.length, ids: r.ideas.slice(0, 100).map((i) => i.id), before: r.before }));

export const purgeHistoryNow = (deps: MaintenanceDeps, operator: Operator, args: { dryRun?: boolean; retentionDays: number }) =>
  task(deps, operator, 'purge-history', () => purgeHistory(deps.db, { clock: deps.clock, ...args }), (r) => ({ auditRows: r.auditRows, jobRuns: r.jobRuns, retentionDays: r.retentionDays }));
