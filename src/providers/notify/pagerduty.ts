/**
 * PagerDuty Events API v2: trigger, acknowledge and resolve with the incident's dedup key, so PagerDuty
 * groups a flapping problem into one alert as studio does. The routing key is the secret.
 */
import type { IncidentNotice, Notifier } from '../../core/notify.js';
import { hostOf, postJson } from './http.js';

export interface PagerDutyOptions {
  routingKey: string;
  /** @default https://events.pagerduty.com/v2/enqueue */
  eventsUrl?: string;
  /** @default 10000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const SEVERITY = { P1: 'critical', P2: 'error', P3: 'warning', P4: 'info' } as const;

export function createPagerDutyNotifier(options: PagerDutyOptions): Notifier {
  const url = options.eventsUrl ?? 'https://events.pagerduty.com/v2/enqueue';
  return {
    channel: 'pagerduty',
    target: `pagerduty events at ${hostOf(url)}`,
    async send(notice: IncidentNotice, signal?: AbortSignal) {
      const event: Record<string, unknown> = { routing_key: options.routingKey, event_action: notice.action, dedup_key: notice.dedupKey };
      if (notice.action === 'trigger') {
        event.payload = {
          summary: notice.summary.slice(0, 1024),
          source: `studio:${notice.source}`,
          severity: SEVERITY[notice.severity],
          custom_details: { incident_id: notice.incidentId, severity: notice.severity, body: notice.body },
        };
      }
      await postJson('notify: pagerduty', url, event, { timeoutMs: options.timeoutMs ?? 10_000, signal, fetch: options.fetch });
    },
  };
}
