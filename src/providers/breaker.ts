/**
 * Circuit breakers for the external services. After `failures` failed calls in a row a service's breaker
 * opens: every call fails at once (a retryable ProviderError saying when calls resume) instead of waiting
 * on a service that is down, piling up timeouts and retries. After `cooldownMs` one trial call goes
 * through (half-open); its success closes the breaker, its failure opens it for another cooldown.
 *
 * One breaker per service, shared by every port that calls it (OpenAI text and embeddings trip together).
 * A cancelled call says nothing about the service and is not counted. The offline stand-ins are never
 * wrapped: they cannot fail the way a network service does.
 */
import { ProviderError, ServiceUnavailableError } from '../core/errors.js';
import type { Providers } from '../core/providers.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerChange {
  service: string;
  from: BreakerState;
  to: BreakerState;
  /** Failed calls in a row when it opened. */
  failures: number;
  /** What the last failure said (already free of secrets: ProviderError messages are redacted). */
  lastError: string | null;
  /** When an open breaker lets the next trial call through. */
  retryAt: Date | null;
}

export interface BreakerOptions {
  service: string;
  /** Failed calls in a row that open the breaker; 0 disables it. @default 5 */
  failures?: number;
  /** How long an open breaker refuses calls before one trial call, ms. @default 30000 */
  cooldownMs?: number;
  /** @default Date.now */
  now?: () => number;
  onChange?: (change: BreakerChange) => void;
}

export interface Breaker {
  readonly service: string;
  run<T>(call: () => Promise<T>): Promise<T>;
  state(): { state: BreakerState; failures: number; retryAt: Date | null; opened: number };
}

function cancelled(error: unknown): boolean {
  if (error instanceof Error && error.name === 'AbortError') return true;
  return error instanceof ProviderError && /was cancelled/.test(error.message);
}

export function createBreaker(options: BreakerOptions): Breaker {
  const threshold = options.failures ?? 5;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const now = options.now ?? Date.now;
  let state: BreakerState = 'closed';
  let failures = 0;
  let openedAt = 0;
  let opened = 0;
  let lastError: string | null = null;
  let trialInFlight = false;

  const change = (from: BreakerState, to: BreakerState) =>
    options.onChange?.({ service: options.service, from, to, failures, lastError, retryAt: to === 'open' ? new Date(openedAt + cooldownMs) : null });
  const move = (to: BreakerState) => {
    const from = state;
    if (to === 'open') {
      // opening, or re-opening after a failed trial: a fresh cooldown either way
      openedAt = now();
      opened++;
    } else if (to === from) return;
    state = to;
    change(from, to);
  };

  return {
    service: options.service,
    async run(call) {
      if (threshold <= 0) return call();
      if (state === 'open') {
        if (now() - openedAt < cooldownMs) {
          const at = new Date(openedAt + cooldownMs).toISOString().slice(11, 19);
          throw new ServiceUnavailableError(
            `${options.service}: circuit breaker open after ${failures} failed calls in a row (last: ${lastError ?? 'unknown'}); calls resume with one trial at ${at} UTC (PROVIDER_BREAKER_COOLDOWN)`,
            { provider: options.service, retryAt: new Date(openedAt + cooldownMs) },
          );
        }
        move('half_open');
      }
      const trial = state === 'half_open';
      if (trial) {
        if (trialInFlight) {
          throw new ServiceUnavailableError(`${options.service}: circuit breaker half-open, a trial call is in flight; try again shortly`, {
            provider: options.service,
            retryAt: new Date(now() + Math.min(cooldownMs, 1_000)),
          });
        }
        trialInFlight = true;
      }
      try {
        const result = await call();
        failures = 0;
        move('closed');
        return result;
      } catch (error) {
        if (!cancelled(error)) {
          failures++;
          lastError = (error instanceof Error ? error.message : String(error)).slice(0, 200);
          // a call that was already in flight when the breaker opened does not open it again
          if (trial || (state === 'closed' && failures >= threshold)) move('open');
        }
        throw error;
      } finally {
        if (trial) trialInFlight = false;
      }
    },
    state: () => ({ state, failures, retryAt: state === 'open' ? new Date(openedAt + cooldownMs) : null, opened }),
  };
}

/** Calls of `target`'s named methods go through `breaker`; everything else (info, dimensions ...) reads through. */
function through<T extends object>(target: T, methods: Array<keyof T>, breaker: Breaker): T {
  const wrapped = Object.create(target) as T;
  for (const name of methods) {
    const method = target[name] as unknown as (...args: unknown[]) => Promise<unknown>;
    (wrapped as Record<keyof T, unknown>)[name] = (...args: unknown[]) => breaker.run(() => method.apply(target, args));
  }
  return wrapped;
}

export interface GuardedProviders {
  providers: Providers;
  /** The breakers by service, for health and the console. */
  breakers: Map<string, Breaker>;
}

/**
 * The providers with every call to a real service behind that service's breaker. Analytics capture is
 * fire-and-forget and left alone; its signup query is guarded. Pausing a campaign is never refused: it is
 * how spending stops, and an outage of metrics must not keep a campaign running.
 */
export function guardProviders(providers: Providers, options: Omit<BreakerOptions, 'service'>): GuardedProviders {
  const breakers = new Map<string, Breaker>();
  const breakerFor = (service: string) => {
    let breaker = breakers.get(service);
    if (!breaker) breakers.set(service, (breaker = createBreaker({ ...options, service })));
    return breaker;
  };
  const out: Providers = { ...providers };
  if (!providers.text.info.offline) out.text = through(providers.text, ['summarizeResearch', 'writeDeck', 'scoreInvestors', 'writeLanding', 'writeAdCopy'], breakerFor(providers.text.info.name));
  if (!providers.embedder.info.offline) out.embedder = through(providers.embedder, ['embed'], breakerFor(providers.embedder.info.name));
  // pausing is how spending stops (budget CRITICAL/EMERGENCY, an operator's hotkey): always attempted
  if (!providers.ads.info.offline) out.ads = through(providers.ads, ['createCampaign', 'enable', 'metrics'], breakerFor(providers.ads.info.name));
  if (!providers.analytics.info.offline) out.analytics = through(providers.analytics, ['signups'], breakerFor(providers.analytics.info.name));
  if (providers.search && !providers.search.info.offline) out.search = through(providers.search, ['search'], breakerFor(providers.search.info.name));
  return { providers: out, breakers };
}
