/** This process's job counters and run durations, as Prometheus families. */
import type { MetricFamily, MetricSource } from '../core/metrics.js';

/** Upper bounds (seconds) of the run-duration histogram. */
const BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

export interface JobMetrics {
  record(job: string, status: string, durationMs: number): void;
  families(): MetricFamily[];
}

export function createJobMetrics(): JobMetrics {
  const counts = new Map<string, number>();
  const durations = new Map<string, { buckets: number[]; sum: number; count: number }>();
  return {
    record(job, status, durationMs) {
      const key = `${job}\u0000${status}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (status === 'skipped' || status === 'missed' || status === 'retrying') return;
      const seconds = durationMs / 1000;
      const d = durations.get(job) ?? { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
      BUCKETS.forEach((bound, i) => {
        if (seconds <= bound) d.buckets[i]!++;
      });
      d.sum += seconds;
      d.count++;
      durations.set(job, d);
    },
    families() {
      const runs: MetricFamily = {
        name: 'studio_job_runs_total',
        help: 'Job attempts ended in this process, by job and status (retrying = failed attempt with retries left)',
        type: 'counter',
        samples: [...counts].map(([key, value]) => {
          const [job, status] = key.split('\u0000') as [string, string];
          return { labels: { job, status }, value };
        }),
      };
      const hist: MetricFamily = { name: 'studio_job_duration_seconds', help: 'Run duration of job attempts in this process', type: 'histogram', samples: [] };
      for (const [job, d] of durations) {
        BUCKETS.forEach((bound, i) => hist.samples.push({ suffix: '_bucket', labels: { job, le: String(bound) }, value: d.buckets[i]! }));
        hist.samples.push({ suffix: '_bucket', labels: { job, le: '+Inf' }, value: d.count });
        hist.samples.push({ suffix: '_sum', labels: { job }, value: d.sum });
        hist.samples.push({ suffix: '_count', labels: { job }, value: d.count });
      }
      return [runs, hist];
    },
  };
}

export function jobMetricsSource(metrics: JobMetrics): MetricSource {
  return { name: 'jobs', collect: () => metrics.families() };
}
