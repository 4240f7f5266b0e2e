/** This process's job counters and run durations, kept in a prom-client registry that /metrics serves. */
import { Counter, Histogram, Registry } from 'prom-client';

/** Upper bounds (seconds) of the run-duration histogram. */
const BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

export interface JobMetrics {
  record(job: string, status: string, durationMs: number): void;
  /** The registry holding `studio_job_runs_total` and `studio_job_duration_seconds`. */
  readonly registry: Registry;
}

export function createJobMetrics(): JobMetrics {
  const registry = new Registry();
  const runs = new Counter({
    name: 'studio_job_runs_total',
    help: 'Job attempts ended in this process, by job and status (retrying = failed attempt with retries left)',
    labelNames: ['job', 'status'],
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'studio_job_duration_seconds',
    help: 'Run duration of job attempts in this process, in seconds',
    labelNames: ['job'],
    buckets: BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    record(job, status, durationMs) {
      runs.inc({ job, status });
      if (status === 'skipped' || status === 'missed' || status === 'retrying') return;
      durations.observe({ job }, durationMs / 1000);
    },
  };
}
