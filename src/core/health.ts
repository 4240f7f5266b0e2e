/**
 * Health is composed of pluggable probes. A probe checks one service (the database, the host, OpenAI,
 * the budget, the scheduler ...) and answers a `ServiceState`: its level and the reason in words. The
 * health runner (`src/ops/health/run-probes.ts`) runs every probe in parallel, each under a timeout, and
 * the system state is the worst of them.
 *
 * To add a probe: implement `ServiceProbe` (a factory that closes over what it needs) and pass it in the
 * `probes` list of `checkHealth` / `createHealthJobs` / `buildHealthProbes({ extra })`.
 */
import type { Level } from './types.js';

/** What one probe found. */
export interface ServiceState {
  /** Service name: database, host, openai, google_ads, posthog, budget, scheduler ... */
  name: string;
  level: Level;
  /** Why, in words an operator understands ("p95 query 640 ms > 500 ms"); "ok" when HEALTHY. */
  reason: string;
  /** How long the service took to answer the probe's own request, in ms (provider and DB latency KPIs). */
  latencyMs?: number;
  /** The service runs on its offline stand-in (no key configured). */
  offline?: boolean;
  /** Figures behind the verdict, JSON-able (shown by `studio health --json`). */
  details?: Record<string, unknown>;
}

/** One health check. `probe` must honour `signal` where it can; the runner times it out regardless. */
export interface ServiceProbe {
  name: string;
  /** Override the runner's timeout for this probe, in ms. */
  timeoutMs?: number;
  probe(signal: AbortSignal): Promise<ServiceState>;
}

/** The whole picture: every service and the worst level. */
export interface HealthReport {
  level: Level;
  checkedAt: Date;
  /** Wall time of the whole check, ms. */
  durationMs: number;
  services: ServiceState[];
}

/** Exit code for a level, as `studio health` and cron scripts use it: 0 HEALTHY, 1 WARNING, 2 CRITICAL or EMERGENCY. */
export function exitCodeForLevel(level: Level): number {
  return level === 'HEALTHY' ? 0 : level === 'WARNING' ? 1 : 2;
}

/** Level for a value against a target/warning/critical table where larger is worse (KPIs). */
export function levelForValue(value: number, thresholds: { warning: number; critical: number }): Level {
  if (!Number.isFinite(value)) return 'HEALTHY';
  if (value > thresholds.critical) return 'CRITICAL';
  if (value > thresholds.warning) return 'WARNING';
  return 'HEALTHY';
}
