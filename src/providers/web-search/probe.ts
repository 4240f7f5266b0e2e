/**
 * Health probe for the web evidence search API: one cheap query (`count=1`) with its own timeout.
 * HEALTHY when it answers with a result list, WARNING when rate limited or slow, CRITICAL when the key
 * is refused, the service cannot be reached or answers something else.
 */
import { ProviderError } from '../../core/errors.js';
import type { ServiceProbe, ServiceState } from '../../core/health.js';
import { searchCall, type WebSearchOptions } from './index.js';

export interface WebSearchProbeOptions extends Pick<WebSearchOptions, 'url' | 'apiKey' | 'apiKeyHeader'> {
  /** @default 5000 */
  timeoutMs?: number;
  /** Latency above this is a WARNING. @default 5000 */
  slowMs?: number;
}

export function createWebSearchProbe(options: WebSearchProbeOptions): ServiceProbe {
  const timeoutMs = options.timeoutMs ?? 5000;
  const host = new URL(options.url).host;
  return {
    name: 'web_search',
    timeoutMs: timeoutMs + 1000,
    async probe(signal): Promise<ServiceState> {
      const started = performance.now();
      try {
        const results = await searchCall(options, 'market research', 1, timeoutMs, signal);
        const latencyMs = Math.round(performance.now() - started);
        const slow = latencyMs > (options.slowMs ?? 5000);
        return { name: 'web_search', level: slow ? 'WARNING' : 'HEALTHY', reason: slow ? `answered in ${latencyMs} ms (slow)` : 'ok', latencyMs, details: { host, results: results.length } };
      } catch (error) {
        const latencyMs = Math.round(performance.now() - started);
        const status = error instanceof ProviderError ? error.status : undefined;
        const reason = error instanceof ProviderError ? error.message : `web_search: the health probe failed (${String(error)})`;
        return { name: 'web_search', level: status === 429 ? 'WARNING' : 'CRITICAL', reason, latencyMs, details: { host, status: status ?? null } };
      }
    },
  };
}
