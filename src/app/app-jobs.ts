/**
 * Composition root, scheduled work: every job the scheduler runs and every metric source `/metrics`
 * serves. The maintenance jobs come from src/jobs/catalog.ts; other modules' jobs and metric sources are
 * added here (the one place that wires them).
 */
import type { App } from './app.js';
import { systemClock } from '../core/clock.js';
import type { JobDefinition } from '../core/jobs.js';
import type { MetricSource } from '../core/metrics.js';
import type { ServiceProbe } from '../core/health.js';

export interface JobWiring {
  jobs: JobDefinition[];
  /** Extra /metrics sources (budget, ideas per stage, service states ...). The scheduler adds its own. */
  metricSources: MetricSource[];
}

/** The probes beyond the standard ones (database, host, offline providers): scheduler, budget, real providers. */
export async function extraHealthProbes(app: App): Promise<ServiceProbe[]> {
  const { createSchedulerProbe } = await import('../ops/health/probes/scheduler.js');
  const { createBudgetProbe } = await import('../ops/health/probes/budget.js');
  const probes = [createSchedulerProbe(app.db, { clock: app.clock, residentExpected: app.config.scheduler.residentExpected }), createBudgetProbe(app.budget)];
  const openai = app.config.openai;
  if (openai.apiKey) {
    const { createOpenAiProbe } = await import('../providers/openai/probe.js');
    probes.push(createOpenAiProbe({ apiKey: openai.apiKey, baseURL: openai.baseUrl, model: openai.model, timeoutMs: Math.min(openai.timeoutMs, 10_000) }));
  }
  const posthog = app.config.posthog;
  if (posthog.projectKey) {
    const { createPostHogProbe } = await import('../providers/posthog/probe.js');
    probes.push(createPostHogProbe({ projectKey: posthog.projectKey, host: posthog.host, personalKey: posthog.personalKey, projectId: posthog.projectId }));
  }
  const ads = app.config.googleAds;
  if (ads.developerToken && ads.clientId && ads.clientSecret && ads.refreshToken && ads.customerId) {
    const { createGoogleAdsProbe } = await import('../providers/google-ads/probe.js');
    const { developerToken, clientId, clientSecret, refreshToken, customerId, loginCustomerId } = ads;
    probes.push(createGoogleAdsProbe({ developerToken, clientId, clientSecret, refreshToken, customerId, loginCustomerId, timeoutMs: Math.min(app.config.health.probeTimeoutMs, 10_000) }));
  }
  const search = app.config.search;
  if (search.url) {
    const { createWebSearchProbe } = await import('../providers/web-search/probe.js');
    probes.push(createWebSearchProbe({ url: search.url, apiKey: search.apiKey, apiKeyHeader: search.apiKeyHeader, timeoutMs: Math.min(search.timeoutMs, 10_000) }));
  }
  return probes;
}

export async function jobWiring(app: App): Promise<JobWiring> {
  const { createJobCatalog } = await import('../jobs/catalog.js');
  const { createBudgetJobs, budgetMetricSource } = await import('../pipeline/budget/review.js');
  const { createBackupJobs } = await import('../ops/backup/jobs.js');
  const { createHealthJobs } = await import('../ops/health/jobs.js');
  const { createNotifiers } = await import('../providers/notify/index.js');
  const { writePerformanceReport } = await import('../ops/reports/performance.js');
  const { createPipelineJobs } = await import('../pipeline/jobs.js');
  const probes = await extraHealthProbes(app);
  const jobs = createJobCatalog({
    db: app.db,
    config: app.config,
    clock: systemClock,
    reopenLog: app.reopenLog,
    performanceReport: async () => {
      const html = await writePerformanceReport(app.db, app.config, { days: 30, format: 'html' });
      const md = await writePerformanceReport(app.db, app.config, { days: 30, format: 'md' });
      return { html: html.path, md: md.path };
    },
    extra: [
      ...createBudgetJobs({ sentinel: app.budget, config: app.config }),
      ...createBackupJobs({ config: app.config, db: app.db, logger: app.logger, clock: app.clock }),
      ...createHealthJobs({ db: app.db, config: app.config, logger: app.logger, clock: app.clock, probes, notifiers: createNotifiers(app.config) }),
      ...createPipelineJobs({ db: app.db, budget: app.budget, providers: app.providers, config: app.config, clock: app.clock, logger: app.logger }),
    ],
  });
  const { pipelineMetricSource } = await import('../pipeline/metrics.js');
  const { serviceStateMetricSource } = await import('../ops/health/metrics.js');
  // budget spent and levels, ideas per stage, service states
  const metricSources: MetricSource[] = [budgetMetricSource(app.budget), pipelineMetricSource(app.db, () => app.clock.date()), serviceStateMetricSource(app.db)];
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
