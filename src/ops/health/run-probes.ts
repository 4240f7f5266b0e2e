/**
 * Runs health probes in parallel, each under its own timeout: a hung probe yields CRITICAL "timed out
 * after N ms" and never stalls the call, so the whole check takes about the slowest timeout, not the sum.
 * A probe that throws is CRITICAL with the error's message (redacted).
 */
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { toError } from '../../core/errors.js';
import type { HealthReport, ServiceProbe, ServiceState } from '../../core/health.js';
import { redactText } from '../../core/redact.js';
import { worstLevel } from '../../core/types.js';

export interface RunProbesOptions {
  /** Per-probe timeout unless the probe sets its own, in ms. @default 5000 */
  timeoutMs?: number;
  clock?: Clock;
  /** Aborts every probe (e.g. the job's signal). */
  signal?: AbortSignal;
}

/** Run every probe; the report lists services in the order of `probes`. */
export async function runProbes(probes: readonly ServiceProbe[], options: RunProbesOptions = {}): Promise<HealthReport> {
  const clock = options.clock ?? systemClock;
  const started = performance.now();
  const checkedAt = clock.date();
  const services = await Promise.all(probes.map((probe) => runOne(probe, options.timeoutMs ?? 5_000, options.signal)));
  return {
    level: worstLevel(...services.map((s) => s.level)),
    checkedAt,
    durationMs: Math.round(performance.now() - started),
    services,
  };
}

async function runOne(probe: ServiceProbe, defaultTimeoutMs: number, outer?: AbortSignal): Promise<ServiceState> {
  const timeoutMs = probe.timeoutMs ?? defaultTimeoutMs;
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<ServiceState>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
      resolve({ name: probe.name, level: 'CRITICAL', reason: `timed out after ${timeoutMs} ms`, details: { timeoutMs } });
    }, timeoutMs);
    timer.unref?.();
  });
  const started = performance.now();
  const attempt = (async (): Promise<ServiceState> => {
    try {
      const state = await probe.probe(controller.signal);
      return { ...state, name: state.name || probe.name };
    } catch (error) {
      return {
        name: probe.name,
        level: 'CRITICAL',
        reason: redactText(toError(error).message.split('\n')[0] ?? 'failed'),
        latencyMs: Math.round(performance.now() - started),
      };
    }
  })();
  try {
    return await Promise.race([attempt, timedOut]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}
