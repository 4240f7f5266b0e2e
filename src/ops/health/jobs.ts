/**
 * Scheduled work of the health module: the 5-minute health check (probes, KPI samples, incidents from
 * states and ops_events, notifications).
 */
import type { JobDefinition } from '../../core/jobs.js';
import { runHealthCheck, type HealthCheckDeps } from './check.js';

export function createHealthJobs(deps: HealthCheckDeps): JobDefinition[] {
  return [
    {
      name: 'health.check',
      description: 'probe every service, record KPIs, raise and resolve incidents, send notifications',
      schedule: '*/5 * * * *',
      timeoutMs: 120_000,
      catchUp: 'latest',
      critical: true,
      async run(context) {
        const result = await runHealthCheck({ ...deps, logger: deps.logger ?? context.logger }, context.signal);
        const bad = result.report.services.filter((s) => s.level !== 'HEALTHY').map((s) => `${s.name} ${s.level}`);
        return {
          level: result.report.level,
          summary: bad.length ? bad.join(', ') : 'all healthy',
          durationMs: result.report.durationMs,
          changed: result.changed,
          events: result.events,
          escalations: result.escalations.length,
          notifications: { ...result.notifications },
        };
      },
    },
  ];
}
