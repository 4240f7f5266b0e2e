/**
 * KPIs from a health report and the pipeline's own data, with the manual's thresholds: pipeline completion
 * time (stage history), database query time (the timed probe query), API response time (provider probe
 * latencies), memory and disk (host probe). Also the database size, for growth.
 */
import type { Clock } from '../../core/clock.js';
import type { HealthReport } from '../../core/health.js';
import { levelForValue } from '../../core/health.js';
import type { Queryable } from '../../core/ports.js';
import type { KpiSample } from '../../storage/health-store.js';
import { readCompletionFacts } from '../../storage/health-store.js';
import { KPI_THRESHOLDS } from './thresholds.js';

/** Services whose latency counts as an external API response time. */
const NOT_APIS = new Set(['database', 'host', 'budget', 'scheduler']);

export function kpisFromReport(report: HealthReport): KpiSample[] {
  const samples: KpiSample[] = [];
  for (const service of report.services) {
    const details = service.details ?? {};
    if (service.name === 'database' && typeof details.queryMs === 'number') {
      samples.push({ kpi: 'db_query_ms', value: details.queryMs, level: levelForValue(details.queryMs, KPI_THRESHOLDS.db_query_ms) });
      if (typeof details.sizeBytes === 'number') samples.push({ kpi: 'db_size_bytes', value: details.sizeBytes, level: 'HEALTHY' });
    }
    if (service.name === 'host') {
      if (typeof details.memoryPct === 'number') samples.push({ kpi: 'memory_pct', value: details.memoryPct, level: levelForValue(details.memoryPct, KPI_THRESHOLDS.memory_pct) });
      if (typeof details.diskPct === 'number') samples.push({ kpi: 'disk_pct', value: details.diskPct, level: levelForValue(details.diskPct, KPI_THRESHOLDS.disk_pct) });
    }
    if (!NOT_APIS.has(service.name) && !service.offline && typeof service.latencyMs === 'number') {
      samples.push({
        kpi: `api_response_ms:${service.name}`,
        value: service.latencyMs,
        // an error answer counts against the API even when it came back fast
        level: service.level === 'HEALTHY' ? levelForValue(service.latencyMs, KPI_THRESHOLDS.api_response_ms) : service.level,
        details: { ok: service.level === 'HEALTHY', reason: service.reason },
      });
    }
  }
  return samples;
}

/** Pipeline completion time over the last 7 days (mean) and the oldest idea still in flight. */
export async function pipelineKpis(db: Queryable, clock: Clock): Promise<KpiSample[]> {
  const now = clock.date();
  const facts = await readCompletionFacts(db, new Date(now.getTime() - 7 * 86_400_000), now);
  const samples: KpiSample[] = [];
  if (facts.meanHours !== null) {
    samples.push({
      kpi: 'pipeline_completion_hours',
      value: round(facts.meanHours),
      level: levelForValue(facts.meanHours, KPI_THRESHOLDS.pipeline_completion_hours),
      details: { completed: facts.completed, maxHours: facts.maxHours === null ? null : round(facts.maxHours) },
    });
  }
  return samples;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
