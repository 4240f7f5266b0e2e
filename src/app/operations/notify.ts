/**
 * `notify test`: send one test message through each configured channel (Slack, e-mail, PagerDuty) and
 * say what each answered, so an operator learns that paging works before an incident needs it. The
 * PagerDuty test is triggered and resolved at once (same dedup key), so it never stays open there.
 * Audited with the per-channel outcome.
 */
import { InvalidInputError, toError } from '../../core/errors.js';
import type { IncidentNotice, NotifyChannel } from '../../core/notify.js';
import { redactText } from '../../core/redact.js';
import { createNotifiers } from '../../providers/notify/index.js';
import { recordAudit } from '../../storage/audit.js';
import type { Operator, OpsDeps } from './context.js';

export const CHANNELS: readonly NotifyChannel[] = ['slack', 'email', 'pagerduty'];

/** The settings that turn each channel on (named in the message when a channel is not configured). */
export const CHANNEL_SETTINGS: Record<NotifyChannel, string> = {
  slack: 'SLACK_WEBHOOK_URL',
  email: 'SMTP_URL and ALERT_EMAIL_TO',
  pagerduty: 'PAGERDUTY_ROUTING_KEY',
};

export interface ChannelTest {
  channel: NotifyChannel;
  /** Where it went (host, recipients; never a secret). */
  target: string;
  ok: boolean;
  ms: number;
  /** What the channel answered: "accepted", or its error. */
  answer: string;
}

export async function testNotifications(deps: OpsDeps, operator: Operator, args: { channel?: string; timeoutMs?: number } = {}): Promise<ChannelTest[]> {
  const wanted = args.channel?.trim().toLowerCase();
  if (wanted !== undefined && !(CHANNELS as readonly string[]).includes(wanted)) {
    throw new InvalidInputError(`notify: --channel must be one of ${CHANNELS.join(', ')} (got "${args.channel}")`);
  }
  const notifiers = createNotifiers(deps.config, { timeoutMs: args.timeoutMs ?? 10_000 }).filter((n) => !wanted || n.channel === wanted);
  if (notifiers.length === 0) {
    throw new InvalidInputError(
      wanted
        ? `notify: ${wanted} is not configured; set ${CHANNEL_SETTINGS[wanted as NotifyChannel]} (see studio config)`
        : `notify: no channel is configured; set ${CHANNELS.map((c) => CHANNEL_SETTINGS[c]).join(', or ')} (see studio config)`,
    );
  }
  const at = deps.clock.date();
  const notice: IncidentNotice = {
    action: 'trigger',
    incidentId: 0,
    dedupKey: `studio.notify-test:${at.toISOString()}`,
    severity: 'P4',
    summary: `[test] studio notification test by ${operator.user} at ${at.toISOString()}: no action needed`,
    source: 'notify.test',
    body: 'Sent by `studio notify test` to check that this channel reaches the on-call operator.',
  };
  const results: ChannelTest[] = [];
  try {
    for (const notifier of notifiers) {
      const started = performance.now();
      try {
        await notifier.send(notice);
        // a PagerDuty test alert is closed at once, so nobody is paged by a test
        if (notifier.channel === 'pagerduty') await notifier.send({ ...notice, action: 'resolve' });
        results.push({ channel: notifier.channel, target: notifier.target, ok: true, ms: Math.round(performance.now() - started), answer: notifier.channel === 'pagerduty' ? 'accepted (triggered and resolved)' : 'accepted' });
      } catch (error) {
        results.push({ channel: notifier.channel, target: notifier.target, ok: false, ms: Math.round(performance.now() - started), answer: redactText(toError(error).message) });
      }
    }
  } finally {
    await Promise.all(notifiers.map((n) => n.close?.()));
  }
  await recordAudit(deps.db, operator, { action: 'notify.test', target: wanted ?? 'all', details: { results: results.map(({ channel, ok, ms, answer }) => ({ channel, ok, ms, answer })) } });
  deps.logger.info({ results: results.map(({ channel, ok, ms }) => ({ channel, ok, ms })) }, 'notify: test sent');
  return results;
}
