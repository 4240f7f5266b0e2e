/** Slack incoming webhook: one message per notice, coloured by severity. The webhook URL is the secret. */
import type { IncidentNotice, Notifier } from '../../core/notify.js';
import { hostOf, postJson } from './http.js';

export interface SlackOptions {
  webhookUrl: string;
  /** @default 10000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const COLOURS = { P1: '#b00020', P2: '#e65100', P3: '#f9a825', P4: '#607d8b' } as const;

export function createSlackNotifier(options: SlackOptions): Notifier {
  return {
    channel: 'slack',
    target: `slack webhook at ${hostOf(options.webhookUrl)}`,
    async send(notice: IncidentNotice, signal?: AbortSignal) {
      const verb = notice.action === 'trigger' ? '' : notice.action === 'resolve' ? 'Resolved: ' : 'Acknowledged: ';
      await postJson(
        'notify: slack',
        options.webhookUrl,
        {
          text: `${verb}${notice.summary}`,
          attachments: [
            {
              color: notice.action === 'resolve' ? '#2e7d32' : COLOURS[notice.severity],
              text: [notice.body, `incident #${notice.incidentId} · ${notice.source} · studio incidents ack ${notice.incidentId}`].filter(Boolean).join('\n'),
            },
          ],
        },
        { timeoutMs: options.timeoutMs ?? 10_000, signal, fetch: options.fetch },
      );
    },
  };
}
