/**
 * Composition root, scheduled work: every job the scheduler runs and every metric source `/metrics`
 * serves. The maintenance jobs come from src/jobs/catalog.ts; other modules' jobs and metric sources are
 * added here (the one place that wires them).
 */
import type { App } from './app.js';
import { systemClock } from './core/clock.js';
import type { JobDefinition } from './core/jobs.js';
import type { MetricSource } from './core/metrics.js';

export interface JobWiring {
  jobs: JobDefinition[];
  /** Extra /metrics sources (budget, ideas per stage, service states ...). The scheduler adds its own. */
  metricSources: MetricSource[];
}

export async function jobWiring(app: App): Promise<JobWiring> {
  const { createJobCatalog } = await import('./jobs/catalog.js');
  const { createBudgetJobs, budgetMetricSource } = await import('./pipeline/budget/review.js');
  const { createBackupJobs } = await import('./ops/backup/jobs.js');
  const jobs = createJobCatalog({
    db: app.db,
    config: app.config,
    clock: systemClock,
    reopenLog: app.reopenLog,
    // performanceReport: (ctx) => ...,   the ops module's monthly report
    extra: [
      ...createBudgetJobs({ sentinel: app.budget, config: app.config }),
      ...createBackupJobs({ config: app.config, db: app.db, logger: app.logger, clock: app.clock }),
      // pipeline tick, health check, daily backup, campaign metrics ... (JobDefinition[] from their modules)
    ],
  });
  const metricSources: MetricSource[] = [
    budgetMetricSource(app.budget),
    // budget spent and levels, ideas per stage, service states
  ];
  return { jobs, metricSources };
}

/** The scheduler settings from the configuration. */
export function schedulerSettings(app: App) {
  const s = app.config.scheduler;
  return {
    heartbeatMs: s.heartbeatMs,
    nodeTimeoutMs: s.nodeTimeoutMs,
    shutdownGraceMs: s.shutdownGraceMs,
    deadmanGraceMs: s.deadmanGraceMs,
    retryBaseMs: s.retryBaseMs,
    retryMaxMs: s.retryMaxMs,
  };
}
