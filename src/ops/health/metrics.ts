/** /metrics families of health: each service's state as the last health check recorded it. */
import type { MetricSource } from '../../core/metrics.js';
import type { Queryable } from '../../core/ports.js';
import { listServiceStates } from '../../storage/health-store.js';

const LEVEL_VALUE = { HEALTHY: 0, WARNING: 1, CRITICAL: 2, EMERGENCY: 3 } as const;

export function serviceStateMetricSource(db: Queryable): MetricSource {
  return {
    name: 'health',
    async collect() {
      const states = await listServiceStates(db);
      return [
        {
          name: 'studio_service_state',
          help: 'State of each service at the last health check: 0 HEALTHY, 1 WARNING, 2 CRITICAL, 3 EMERGENCY',
          type: 'gauge',
          samples: states.map((s) => ({ labels: { service: s.name }, value: LEVEL_VALUE[s.level] })),
        },
        {
          name: 'studio_service_checked_timestamp_seconds',
          help: 'When each service was last checked (Unix seconds)',
          type: 'gauge',
          samples: states.map((s) => ({ labels: { service: s.name }, value: s.checkedAt.getTime() / 1000 })),
        },
        {
          name: 'studio_service_latency_seconds',
          help: 'How long each service took to answer its last probe, in seconds (services that were timed)',
          type: 'gauge',
          samples: states.filter((s) => s.latencyMs !== null).map((s) => ({ labels: { service: s.name }, value: s.latencyMs! / 1000 })),
        },
      ];
    },
  };
}
