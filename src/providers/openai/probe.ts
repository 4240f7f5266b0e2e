/**
 * Health probe for OpenAI: retrieve the configured chat model (a cheap authenticated GET that costs no
 * tokens) with its own timeout and no retries. HEALTHY when it answers, WARNING when rate limited or
 * slow, CRITICAL when the key is refused or the service cannot be reached.
 */
import type { ServiceProbe, ServiceState } from '../../core/health.js';
import { lazyClient, mapOpenAiError } from './client.js';

export interface OpenAiProbeOptions {
  apiKey: string;
  baseURL?: string;
  model: string;
  /** @default 5000 */
  timeoutMs?: number;
  /** Latency above this is a WARNING (the API response KPI). @default 5000 */
  slowMs?: number;
}

export function createOpenAiProbe(options: OpenAiProbeOptions): ServiceProbe {
  const timeoutMs = options.timeoutMs ?? 5000;
  const load = lazyClient({ apiKey: options.apiKey, baseURL: options.baseURL, timeoutMs, maxRetries: 0 });
  return {
    name: 'openai',
    timeoutMs: timeoutMs + 1000,
    async probe(signal): Promise<ServiceState> {
      const started = performance.now();
      const { client, sdk } = await load();
      try {
        await client.models.retrieve(options.model, { signal });
        const latencyMs = Math.round(performance.now() - started);
        const slow = latencyMs > (options.slowMs ?? 5000);
        return { name: 'openai', level: slow ? 'WARNING' : 'HEALTHY', reason: slow ? `answered in ${latencyMs} ms (slow)` : 'ok', latencyMs, details: { model: options.model } };
      } catch (error) {
        const latencyMs = Math.round(performance.now() - started);
        const mapped = mapOpenAiError(error, `the health probe (model ${options.model})`, options.apiKey, sdk);
        const level = mapped.status === 429 ? 'WARNING' : 'CRITICAL';
        return { name: 'openai', level, reason: mapped.message, latencyMs, details: { model: options.model, status: mapped.status ?? null, requestId: mapped.requestId ?? null } };
      }
    },
  };
}
