/**
 * Provider probes. The real ones (OpenAI, Google Ads, PostHog) come with the providers and are passed in
 * as extra probes; here are the offline stand-ins for services without a key, and a generic HTTP probe
 * (a GET that must answer 2xx in time) for anything reachable by URL.
 */
import type { Config } from '../../../core/config.js';
import type { ServiceProbe, ServiceState } from '../../../core/health.js';
import { levelForValue } from '../../../core/health.js';
import { toError } from '../../../core/errors.js';
import { redactText } from '../../../core/redact.js';
import { KPI_THRESHOLDS } from '../thresholds.js';

/** The providers studio uses, and whether each has a key. */
export function providerKeys(config: Config): Record<'openai' | 'google_ads' | 'posthog', boolean> {
  return {
    openai: Boolean(config.openai.apiKey),
    google_ads: Boolean(config.googleAds.developerToken && config.googleAds.customerId),
    posthog: Boolean(config.posthog.projectKey),
  };
}

/** A HEALTHY, offline state for a provider that runs on its offline stand-in. */
export function createOfflineProbe(name: string): ServiceProbe {
  return {
    name,
    probe: async (): Promise<ServiceState> => ({ name, level: 'HEALTHY', reason: 'offline provider', offline: true }),
  };
}

/** Offline probes for each provider without a key (those with a key need their real probe, passed in). */
export function createOfflineProviderProbes(config: Config): ServiceProbe[] {
  return Object.entries(providerKeys(config))
    .filter(([, configured]) => !configured)
    .map(([name]) => createOfflineProbe(name));
}

export interface HttpProbeOptions {
  name: string;
  url: string;
  headers?: Record<string, string>;
  /** @default 10000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * GET a URL: 2xx within the API response KPI is HEALTHY, slower WARNING/CRITICAL by the KPI table, an
 * error status or a network failure CRITICAL. The latency feeds the API response-time KPI.
 */
export function createHttpProbe(options: HttpProbeOptions): ServiceProbe {
  const doFetch = options.fetch ?? fetch;
  return {
    name: options.name,
    timeoutMs: options.timeoutMs,
    async probe(signal): Promise<ServiceState> {
      const started = performance.now();
      let response: Response;
      try {
        response = await doFetch(options.url, { headers: options.headers, signal });
      } catch (error) {
        const latencyMs = Math.round(performance.now() - started);
        return { name: options.name, level: 'CRITICAL', reason: `unreachable: ${redactText(toError(error).message)}`, latencyMs };
      }
      await response.arrayBuffer().catch(() => undefined);
      const latencyMs = Math.round(performance.now() - started);
      if (!response.ok) {
        const level = response.status === 429 ? 'WARNING' : 'CRITICAL';
        return { name: options.name, level, reason: `answered HTTP ${response.status}${response.status === 429 ? ' (rate limited)' : ''}`, latencyMs, details: { status: response.status } };
      }
      const level = levelForValue(latencyMs, KPI_THRESHOLDS.api_response_ms);
      return { name: options.name, level, reason: level === 'HEALTHY' ? 'ok' : `answered in ${latencyMs} ms`, latencyMs, details: { status: response.status } };
    },
  };
}
