/** Health by hand: run the 5-minute check now (record states and KPIs, open or resolve incidents, notify). */
import type { App } from '../app.js';
import type { HealthReport } from '../../core/health.js';
import { readKpiHistory } from '../../storage/health-store.js';

/** Run every probe (standard and this install's extra ones) and record the result like the scheduled job. */
export async function runHealthCheckNow(app: App, args: { probeTimeoutMs?: number } = {}): Promise<HealthReport> {
  const { runHealthCheck } = await import('../../ops/health/check.js');
  const { createNotifiers } = await import('../../providers/notify/index.js');
  const { extraHealthProbes } = await import('../app-jobs.js');
  const notifiers = createNotifiers(app.config);
  try {
    return (await runHealthCheck({ db: app.db, config: app.config, logger: app.logger, clock: app.clock, probes: await extraHealthProbes(app), notifiers, probeTimeoutMs: args.probeTimeoutMs })).report;
  } finally {
    await Promise.all(notifiers.map((n) => n.close?.()));
  }
}

/** The KPIs' recent values (24 h sparklines). */
export function kpiHistory(deps: Pick<App, 'db' | 'clock'>, args: { sinceMs?: number; limit?: number } = {}) {
  return readKpiHistory(deps.db, { since: new Date(deps.clock.now() - (args.sinceMs ?? 86_400_000)), limit: args.limit ?? 48 });
}
