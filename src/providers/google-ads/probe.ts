/**
 * Health probe for Google Ads: one cheap authenticated GAQL query (`SELECT customer.id FROM customer
 * LIMIT 1`, no cost, one row) under its own timeout. HEALTHY when it answers, WARNING when slow or rate
 * limited, CRITICAL when the credentials are refused, the account is wrong or the service cannot be reached.
 */
import type { ServiceProbe, ServiceState } from '../../core/health.js';
import { lazyCustomer, mapGoogleAdsError, secretsOf, type GoogleAdsCredentials, type GoogleAdsHooks } from './client.js';

export interface GoogleAdsProbeOptions extends GoogleAdsCredentials {
  /** @default 5000 */
  timeoutMs?: number;
  /** Latency above this is a WARNING (the API response KPI). @default 5000 */
  slowMs?: number;
  /** The library's customer hooks (tests); production passes none. */
  hooks?: GoogleAdsHooks;
}

export const PROBE_GAQL = 'SELECT customer.id FROM customer LIMIT 1';

export function createGoogleAdsProbe(options: GoogleAdsProbeOptions): ServiceProbe {
  const timeoutMs = options.timeoutMs ?? 5000;
  const customerId = options.customerId.replace(/-/g, '');
  const loginCustomerId = options.loginCustomerId?.replace(/-/g, '');
  const load = lazyCustomer({ ...options, customerId, loginCustomerId }, options.hooks);
  const secrets = secretsOf(options);
  const details = { customerId, loginCustomerId: loginCustomerId ?? null };
  return {
    name: 'google_ads',
    // loading the library takes a second or more on the first probe
    timeoutMs: timeoutMs + 3000,
    async probe(signal): Promise<ServiceState> {
      const { customer, sdk } = await load();
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        // the library takes no signal or timeout for queries: race them
        const stop = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 4 })), timeoutMs);
          signal.addEventListener('abort', () => reject(Object.assign(new Error('cancelled'), { name: 'AbortError' })), { once: true });
        });
        const rows = await Promise.race([customer.query(PROBE_GAQL), stop]);
        const latencyMs = Math.round(performance.now() - started);
        if (!Array.isArray(rows) || rows.length === 0) {
          return { name: 'google_ads', level: 'CRITICAL', reason: `customer ${customerId} returned no row; check GOOGLE_ADS_CUSTOMER_ID`, latencyMs, details };
        }
        const slow = latencyMs > (options.slowMs ?? 5000);
        return { name: 'google_ads', level: slow ? 'WARNING' : 'HEALTHY', reason: slow ? `answered in ${latencyMs} ms (slow)` : 'ok', latencyMs, details };
      } catch (error) {
        const latencyMs = Math.round(performance.now() - started);
        const mapped = mapGoogleAdsError(error, 'the health probe', secrets, sdk);
        const level = mapped.status === 429 && mapped.retryable ? 'WARNING' : 'CRITICAL';
        return { name: 'google_ads', level, reason: mapped.message, latencyMs, details: { ...details, status: mapped.status ?? null, requestId: mapped.requestId ?? null, retryable: mapped.retryable } };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
