/**
 * The shared part of the PostHog provider: a sender of events through `posthog-node` (imported lazily:
 * it costs ~50 ms to load and offline runs never need it), the address of the private API, and the
 * mapping of failures into `ProviderError`.
 *
 * How posthog-node 5.70 writes to the console, and how we keep it off the screen (an Ink console):
 * - `logFlushError` (@posthog/core) calls the global `console.error` with the error and its stack. It runs
 *   only from the SDK's *background* flush (`flushBackground`: the `flushAt` count or the `flushInterval`
 *   timer) and from `shutdown()`.
 * - its `_logger` is bound to `console` when the client is built; every level but `critical` is printed
 *   only in debug mode, and `critical` only from `shutdown()` ("Timeout while shutting down PostHog").
 * - `console.error(err)` when preparing an event rejects (a throwing `before_send`, unused here), and
 *   `console.warn` for deprecated options (unused here).
 * So the sender never lets the SDK flush on its own (`flushInterval: 0`, a `flushAt` the queue never
 * reaches) and never calls `shutdown()`: it flushes itself, on its own count and timer, with `flush()`,
 * whose failures reject to us and go to our pino logger, redacted. No global console is touched.
 */
import type { PostHog } from 'posthog-node';
import { ProviderError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { redactText, redactValue } from '../../core/redact.js';

export const DEFAULT_HOST = 'https://us.i.posthog.com';

/**
 * The host of PostHog's private API (query, projects) for an ingestion host: the cloud ingestion hosts
 * `us.i.posthog.com` / `eu.i.posthog.com` serve only capture; their app hosts are `us.posthog.com` /
 * `eu.posthog.com`. Any other host (self-hosted, a proxy, a fake) serves both.
 */
export function apiHostFor(host: string): string {
  const trimmed = host.replace(/\/+$/, '');
  return trimmed.replace(/^https:\/\/(us|eu)\.i\.posthog\.com$/i, 'https://$1.posthog.com');
}

export interface SenderOptions {
  projectKey: string;
  host?: string;
  logger?: Logger;
  /** Send when this many events wait. @default 20 */
  flushAt?: number;
  /** ...and at the latest this long after the first waiting event, ms. @default 10000 */
  flushIntervalMs?: number;
  /** Per-request timeout, ms. @default 10000 */
  requestTimeoutMs?: number;
  /** SDK retries of a failed batch (network errors, 408/429/5xx). @default 2 */
  retries?: number;
  /** Delay between those retries, ms. @default 1000 */
  retryDelayMs?: number;
  /** Events waiting for delivery (the host down) beyond which new ones are dropped. @default 10000 */
  maxPending?: number;
  /** Extra secrets to scrub from what is logged (the personal key). */
  secrets?: string[];
}

export interface FlushResult {
  ok: boolean;
  /** Events the host accepted in this flush. */
  sent: number;
  /** Why it failed (redacted), when it did. */
  error?: string;
  status?: number;
  timedOut?: boolean;
}

export interface Sender {
  /** Queue an event (never throws, never waits on the network). */
  send(event: string, distinctId: string, properties: Record<string, unknown>): void;
  /** Send what is queued now. Never rejects; the outcome says how it went. */
  flush(timeoutMs?: number): Promise<FlushResult>;
  /**
   * Flush what is queued, waiting at most `timeoutMs`; then abort what is still in flight and drop the
   * rest. Later `send`s are dropped. Never rejects.
   */
  close(timeoutMs?: number): Promise<FlushResult>;
  stats(): { queued: number; sent: number; failedFlushes: number; dropped: number };
}

const sleep = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

export function createSender(options: SenderOptions): Sender {
  const secrets = [options.projectKey, ...(options.secrets ?? [])];
  const logger = options.logger;
  const flushAt = Math.max(1, options.flushAt ?? 20);
  const intervalMs = options.flushIntervalMs ?? 10_000;
  const maxPending = options.maxPending ?? 10_000;
  // aborts every request in flight once close() gave up waiting; later requests fail at once
  const closing = new AbortController();
  let client: PostHog | undefined;
  let loading: Promise<PostHog | undefined> | undefined;
  let closed = false;
  let waiting = 0;
  let queued = 0;
  let sent = 0;
  let failedFlushes = 0;
  /** Queued events that will not be delivered (a refused batch, the SDK failed to load). */
  let lost = 0;
  /** Events refused before queueing (after close, or over maxPending). */
  let refused = 0;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let hostDown: ((error: unknown) => void) | undefined;
  let full = false;

  const load = (): Promise<PostHog | undefined> => {
    loading ??= import('posthog-node')
      .then(({ PostHog: Client }) => {
        client = new Client(options.projectKey, {
          host: options.host ?? DEFAULT_HOST,
          // never let the SDK flush by itself: its background flush prints failures with console.error
          flushAt: 1_000_000,
          flushInterval: 0,
          maxQueueSize: maxPending,
          requestTimeout: options.requestTimeoutMs ?? 10_000,
          fetchRetryCount: options.retries ?? 2,
          fetchRetryDelay: options.retryDelayMs ?? 1_000,
          disableGeoip: true,
          enableExceptionAutocapture: false,
          fetch: (url, init) => {
            if (closing.signal.aborted) return Promise.reject(new Error('posthog: the sender is closed'));
            const signal = init.signal ? AbortSignal.any([init.signal as AbortSignal, closing.signal]) : closing.signal;
            return fetch(url, { ...(init as RequestInit), signal }).catch((error: unknown) => {
              // shutting down and the host refuses or does not resolve: waiting for the SDK's retries is pointless
              if (closed && !signal.aborted) hostDown?.(error);
              throw error;
            }) as never;
          },
        });
        client.on('flush', (messages: unknown) => {
          sent += Array.isArray(messages) ? messages.length : 0;
        });
        return client;
      })
      .catch((error: unknown) => {
        logger?.error({ err: error, provider: 'posthog' }, 'posthog: could not load or start posthog-node; analytics events are dropped');
        return undefined;
      });
    return loading;
  };

  const describe = (error: unknown): { message: string; status?: number; network: boolean } => {
    const e = error as { name?: string; status?: number; message?: string; error?: unknown; cause?: unknown };
    if (e?.name === 'PostHogFetchHttpError' && typeof e.status === 'number') return { message: `HTTP ${e.status}`, status: e.status, network: false };
    if (e?.name === 'PostHogFetchNetworkError') {
      const cause = (e.error ?? e.cause) as { message?: string; cause?: { code?: string; message?: string } } | undefined;
      const why = cause?.cause?.code ?? cause?.cause?.message ?? cause?.message ?? 'network error';
      return { message: redactText(`could not reach ${options.host ?? DEFAULT_HOST} (${why})`, secrets), network: true };
    }
    const code = (e?.cause as { code?: string } | undefined)?.code;
    if (code) return { message: redactText(`could not reach ${options.host ?? DEFAULT_HOST} (${code})`, secrets), network: true };
    return { message: redactText(error instanceof Error ? error.message : String(error), secrets).slice(0, 300), network: false };
  };

  async function flushNow(): Promise<FlushResult> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const c = client ?? (await load());
    if (!c) return { ok: false, sent: 0, error: 'posthog-node could not be loaded' };
    const before = sent;
    const queuedBefore = queued;
    waiting = 0;
    try {
      await c.flush();
      if (failing) logger?.info({ provider: 'posthog' }, 'posthog: events are delivered again');
      failing = false;
      return { ok: true, sent: sent - before };
    } catch (error) {
      failedFlushes++;
      const d = describe(error);
      // an HTTP refusal drops what was queued (the SDK does, one batch); a network error keeps it for the next flush
      const undelivered = Math.max(0, queuedBefore - sent - lost);
      if (!d.network) lost += undelivered;
      const fields = { provider: 'posthog', status: d.status ?? null, events: undelivered, kept: d.network };
      const message = `posthog: could not deliver analytics events: ${d.message}; ${d.network ? 'they stay queued and are sent with the next flush' : 'the batch was dropped'} (check POSTHOG_HOST and POSTHOG_PROJECT_KEY)`;
      if (!failing) logger?.warn(fields, message);
      else logger?.debug(fields, message);
      failing = true;
      return { ok: false, sent: sent - before, error: d.message, status: d.status };
    }
  }

  function schedule(): void {
    if (waiting >= flushAt) {
      void flushNow();
      return;
    }
    if (!timer && intervalMs > 0) {
      timer = setTimeout(() => void flushNow(), intervalMs);
      timer.unref();
    }
  }

  return {
    send(event, distinctId, properties) {
      if (closed) {
        refused++;
        logger?.debug({ provider: 'posthog', event }, 'posthog: event after close dropped');
        return;
      }
      if (queued - sent - lost >= maxPending) {
        // the host has been unreachable for long: keep memory bounded, drop the newest
        refused++;
        if (!full) logger?.warn({ provider: 'posthog', pending: maxPending }, `posthog: ${maxPending} events wait for delivery; new ones are dropped until the host takes them`);
        full = true;
        return;
      }
      full = false;
      queued++;
      const clean = redactValue(properties) as Record<string, unknown>;
      const enqueue = (c: PostHog | undefined) => {
        if (!c) {
          lost++;
          return;
        }
        c.capture({ distinctId, event, properties: clean });
        waiting++;
        schedule();
      };
      if (client) enqueue(client);
      else void load().then(enqueue);
    },
    async flush(timeoutMs) {
      const run = flushNow();
      if (!timeoutMs) return run;
      const raced = await Promise.race([run, sleep(timeoutMs)]);
      return raced === 'timeout' ? { ok: false, sent: 0, error: `no answer within ${timeoutMs} ms`, timedOut: true } : raced;
    },
    async close(timeoutMs = 2_000) {
      if (closed) return { ok: true, sent: 0 };
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (!loading) return { ok: true, sent: 0 };
      const started = performance.now();
      const down = new Promise<{ down: unknown }>((resolve) => {
        hostDown = (error) => resolve({ down: error });
      });
      const raced = await Promise.race([
        (async () => {
          await loading;
          return flushNow();
        })(),
        sleep(timeoutMs),
        down,
      ]);
      if (raced !== 'timeout' && !('down' in raced)) return raced;
      closing.abort(new Error('posthog: closed'));
      const undelivered = Math.max(0, queued - sent - lost);
      const waitedMs = Math.round(performance.now() - started);
      if (raced === 'timeout') {
        logger?.warn({ provider: 'posthog', waitedMs, undelivered }, `posthog: the flush on shutdown did not finish within ${timeoutMs} ms; ${undelivered} queued events are dropped`);
        return { ok: false, sent: 0, error: `no answer within ${timeoutMs} ms`, timedOut: true };
      }
      const d = describe(raced.down);
      logger?.warn({ provider: 'posthog', waitedMs, undelivered }, `posthog: the flush on shutdown failed (${d.message}); ${undelivered} queued events are dropped (check POSTHOG_HOST)`);
      return { ok: false, sent: 0, error: d.message };
    },
    stats: () => ({ queued, sent, failedFlushes, dropped: lost + refused }),
  };
}

/** A failed HTTP call to PostHog's private API as a ProviderError, with a hint per status. */
export function apiError(what: string, status: number, body: string, secrets: string[]): ProviderError {
  const detail = redactText(body, secrets).replace(/\s+/g, ' ').slice(0, 200);
  const hint =
    status === 401 ? 'check POSTHOG_PERSONAL_KEY'
    : status === 403 ? 'the personal key lacks the query:read / project:read scope for this project'
    : status === 404 ? 'check POSTHOG_PROJECT_ID (and POSTHOG_HOST)'
    : status === 429 ? 'rate limited; it will be retried later'
    : status >= 500 ? 'the service failed; it will be retried later'
    : 'the request was refused';
  return new ProviderError(`posthog: ${what} failed with HTTP ${status}${detail ? `: ${detail}` : ''}; ${hint}`, {
    provider: 'posthog',
    status,
    retryable: status === 408 || status === 429 || status >= 500,
  });
}

/** A failed fetch (timeout, refused, DNS) as a ProviderError. */
export function networkError(what: string, error: unknown, host: string, timeoutMs: number, secrets: string[]): ProviderError {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return new ProviderError(`posthog: ${what} got no answer within ${timeoutMs} ms from ${host}; it will be retried — check the service status`, { provider: 'posthog', retryable: true });
  }
  const why = redactText(e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error), secrets);
  return new ProviderError(`posthog: ${what} could not reach ${host} (${why}); check POSTHOG_HOST and the network`, { provider: 'posthog', retryable: true });
}
