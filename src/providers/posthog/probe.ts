/**
 * Health probe for PostHog. With a personal key and a project id: a cheap authenticated
 * `GET /api/projects/{id}/` with its own timeout. With only the project key: a `health_check` event
 * captured and flushed to the host (what the manual does), judged by whether the flush was accepted.
 * HEALTHY when it answers, WARNING when slow or rate limited (429), CRITICAL when refused or unreachable.
 */
import type { ServiceProbe, ServiceState } from '../../core/health.js';
import type { Level } from '../../core/types.js';
import { redactText } from '../../core/redact.js';
import { apiHostFor, createSender, DEFAULT_HOST } from './client.js';

export interface PostHogProbeOptions {
  projectKey: string;
  host?: string;
  personalKey?: string;
  projectId?: string;
  /** @default 5000 */
  timeoutMs?: number;
  /** Latency above this is a WARNING. @default 3000 */
  slowMs?: number;
}

export function createPostHogProbe(options: PostHogProbeOptions): ServiceProbe {
  const timeoutMs = options.timeoutMs ?? 5000;
  const slowMs = options.slowMs ?? 3000;
  const host = (options.host ?? DEFAULT_HOST).replace(/\/+$/, '');
  const secrets = [options.projectKey, ...(options.personalKey ? [options.personalKey] : [])];
  const state = (level: Level, reason: string, latencyMs: number, details: Record<string, unknown>): ServiceState => ({
    name: 'posthog',
    level,
    reason: redactText(reason, secrets),
    latencyMs,
    details: { host, ...details },
  });
  const judge = (latencyMs: number, details: Record<string, unknown>): ServiceState =>
    latencyMs > slowMs ? state('WARNING', `answered in ${latencyMs} ms (slow, > ${slowMs} ms)`, latencyMs, details) : state('HEALTHY', 'ok', latencyMs, details);

  async function viaApi(signal: AbortSignal): Promise<ServiceState> {
    const apiHost = apiHostFor(host);
    const details = { check: 'project', projectId: options.projectId };
    const started = performance.now();
    try {
      const response = await fetch(`${apiHost}/api/projects/${encodeURIComponent(options.projectId!)}/`, {
        headers: { authorization: `Bearer ${options.personalKey}` },
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      await response.body?.cancel().catch(() => undefined);
      const latencyMs = Math.round(performance.now() - started);
      if (response.ok) return judge(latencyMs, { ...details, status: response.status });
      const status = response.status;
      const reason =
        status === 429 ? 'rate limited (HTTP 429)'
        : status === 401 || status === 403 ? `the personal key was refused (HTTP ${status}); check POSTHOG_PERSONAL_KEY`
        : status === 404 ? 'no such project (HTTP 404); check POSTHOG_PROJECT_ID'
        : `answered HTTP ${status}`;
      return state(status === 429 ? 'WARNING' : 'CRITICAL', `posthog: ${reason}`, latencyMs, { ...details, status });
    } catch (error) {
      const latencyMs = Math.round(performance.now() - started);
      const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      const why = e?.name === 'TimeoutError' || e?.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : (e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error));
      return state('CRITICAL', `posthog: could not reach ${apiHost} (${why}); check POSTHOG_HOST and the network`, latencyMs, { ...details, status: null });
    }
  }

  async function viaCapture(): Promise<ServiceState> {
    const details = { check: 'capture' };
    const sender = createSender({ projectKey: options.projectKey, host, retries: 0, requestTimeoutMs: timeoutMs, flushIntervalMs: 0 });
    const started = performance.now();
    sender.send('health_check', 'studio', { source: 'studio health', $process_person_profile: false });
    const result = await sender.flush(timeoutMs);
    const latencyMs = Math.round(performance.now() - started);
    await sender.close(0);
    if (result.ok && result.sent > 0) return judge(latencyMs, { ...details, status: 200 });
    if (result.status === 429) return state('WARNING', 'posthog: rate limited (HTTP 429)', latencyMs, { ...details, status: 429 });
    if (result.status === 401 || result.status === 403) {
      return state('CRITICAL', `posthog: the project key was refused (HTTP ${result.status}); check POSTHOG_PROJECT_KEY`, latencyMs, { ...details, status: result.status });
    }
    return state('CRITICAL', `posthog: a health_check event was not accepted (${result.error ?? 'nothing sent'}); check POSTHOG_HOST and the network`, latencyMs, { ...details, status: result.status ?? null });
  }

  return {
    name: 'posthog',
    timeoutMs: timeoutMs + 1000,
    probe: (signal) => (options.personalKey && options.projectId ? viaApi(signal) : viaCapture()),
  };
}
