/** Incident e-mail over SMTP (nodemailer). SMTP_URL may carry credentials: it is never printed or stored. */
import nodemailer from 'nodemailer';
import { ProviderError, toError } from '../../core/errors.js';
import type { IncidentNotice, Notifier } from '../../core/notify.js';
import { redactText } from '../../core/redact.js';

export interface EmailOptions {
  smtpUrl: string;
  to: string;
  from: string;
  /** @default 10000 */
  timeoutMs?: number;
}

export function createEmailNotifier(options: EmailOptions): Notifier {
  const timeout = options.timeoutMs ?? 10_000;
  const transport = nodemailer.createTransport(options.smtpUrl, {
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  } as never);
  let host = 'smtp';
  try {
    const u = new URL(options.smtpUrl);
    host = `${u.hostname}:${u.port || (u.protocol === 'smtps:' ? 465 : 587)}`;
  } catch {
    // validated by config; keep the generic name
  }
  return {
    channel: 'email',
    target: `smtp ${host} to ${options.to}`,
    async send(notice: IncidentNotice) {
      const verb = notice.action === 'trigger' ? '' : notice.action === 'resolve' ? 'Resolved: ' : 'Acknowledged: ';
      try {
        await transport.sendMail({
          from: options.from,
          to: options.to,
          subject: `${verb}${notice.summary}`.slice(0, 200),
          text: [`${verb}${notice.summary}`, '', notice.body ?? '', '', `Incident #${notice.incidentId} (${notice.source}), dedup key ${notice.dedupKey}.`, `Acknowledge: studio incidents ack ${notice.incidentId}`].join('\n'),
        });
      } catch (error) {
        const err = toError(error) as Error & { responseCode?: number; code?: string };
        const permanent = typeof err.responseCode === 'number' && err.responseCode >= 500 && err.responseCode < 600;
        throw new ProviderError(`notify: email: ${redactText(err.message)}`, { provider: 'email', status: err.responseCode, retryable: !permanent, cause: err });
      }
    },
    async close() {
      transport.close();
    },
  };
}
