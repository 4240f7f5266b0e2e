/**
 * PostHog analytics: pipeline events go out through `posthog-node` (batched, gzip-compressed, to
 * `POST {host}/batch/`); a landing page's signups are counted with PostHog's query API over HTTP
 * (`POST {api host}/api/projects/{id}/query/`, a HogQL count with the idea id passed as a `{idea_id}`
 * placeholder value, never spliced into the query text).
 *
 * Events carry no person: the distinct id is the idea id when the event has one, else `studio`, and
 * `$process_person_profile: false` keeps PostHog from making person profiles of them.
 *
 * Counting signups needs POSTHOG_PERSONAL_KEY and POSTHOG_PROJECT_ID. Without them `signups()` throws a
 * non-retryable ProviderError that says so (the smoke test then fails with that reason, before the
 * campaign is marked ended, and succeeds on the retry once the settings are there); a made-up zero would
 * be recorded as a real result.
 */
import type { Analytics } from '../../core/providers.js';
import type { Logger } from '../../core/logger.js';
import { ProviderError } from '../../core/errors.js';
import { apiError, apiHostFor, createSender, DEFAULT_HOST, networkError, type Sender, type SenderOptions } from './client.js';

export interface PostHogAnalyticsOptions extends Omit<SenderOptions, 'secrets'> {
  /** For the query API (signup counts). */
  personalKey?: string;
  projectId?: string;
  /** Timeout of a query API call, ms. @default 10000 */
  queryTimeoutMs?: number;
  logger?: Logger;
}

/** The HogQL that counts an idea's signups; `{idea_id}` is bound from `values`. */
export const SIGNUPS_HOGQL = "SELECT count() FROM events WHERE event = 'early_signup' AND properties.idea_id = {idea_id}";

export interface PostHogAnalytics extends Analytics {
  /** What the sender did so far (events queued, sent, dropped; failed flushes). */
  stats(): ReturnType<Sender['stats']>;
  /** Send what is queued now (tests, the health probe). */
  flush(timeoutMs?: number): ReturnType<Sender['flush']>;
}

export function createPostHogAnalytics(options: PostHogAnalyticsOptions): PostHogAnalytics {
  const host = (options.host ?? DEFAULT_HOST).replace(/\/+$/, '');
  const apiHost = apiHostFor(host);
  const secrets = [options.projectKey, ...(options.personalKey ? [options.personalKey] : [])];
  const sender = createSender({ ...options, host, secrets: options.personalKey ? [options.personalKey] : [] });
  const queryTimeoutMs = options.queryTimeoutMs ?? 10_000;

  return {
    info: { name: 'posthog', offline: false },
    host,
    publicKey: options.projectKey,
    async capture(event, properties) {
      const ideaId = typeof properties.idea_id === 'string' && properties.idea_id ? properties.idea_id : undefined;
      sender.send(event, ideaId ?? 'studio', { ...properties, $process_person_profile: false });
    },
    async signups(ideaId) {
      if (!options.personalKey || !options.projectId) {
        throw new ProviderError(
          'posthog: counting landing-page signups needs POSTHOG_PERSONAL_KEY and POSTHOG_PROJECT_ID (PostHog query API); set both, or unset POSTHOG_PROJECT_KEY to use offline analytics',
          { provider: 'posthog', retryable: false },
        );
      }
      const what = `counting signups of idea ${ideaId}`;
      const url = `${apiHost}/api/projects/${encodeURIComponent(options.projectId)}/query/`;
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${options.personalKey}` },
          body: JSON.stringify({ query: { kind: 'HogQLQuery', query: SIGNUPS_HOGQL, values: { idea_id: ideaId } }, name: 'studio signups', refresh: 'blocking' }),
          signal: AbortSignal.timeout(queryTimeoutMs),
        });
      } catch (error) {
        throw networkError(what, error, apiHost, queryTimeoutMs, secrets);
      }
      const text = await response.text().catch(() => '');
      if (!response.ok) throw apiError(what, response.status, text, secrets);
      let count: unknown;
      try {
        count = (JSON.parse(text) as { results?: unknown[][] }).results?.[0]?.[0];
      } catch {
        count = undefined;
      }
      if (typeof count === 'string' && /^\d+$/.test(count)) count = Number(count);
      if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
        throw new ProviderError(`posthog: ${what}: the query API answered without a count (expected results [[n]]); check POSTHOG_HOST points at PostHog`, { provider: 'posthog', retryable: false });
      }
      return count;
    },
    async close(timeoutMs = 2_000) {
      await sender.close(timeoutMs);
    },
    stats: () => sender.stats(),
    flush: (timeoutMs) => sender.flush(timeoutMs),
  };
}
