/** The notifiers the configuration sets up: each of Slack, e-mail and PagerDuty is there only when configured. */
import type { Config } from '../../core/config.js';
import type { Notifier } from '../../core/notify.js';
import { createEmailNotifier } from './email.js';
import { createPagerDutyNotifier } from './pagerduty.js';
import { createSlackNotifier } from './slack.js';

export function createNotifiers(config: Config, options: { timeoutMs?: number } = {}): Notifier[] {
  const notifiers: Notifier[] = [];
  const n = config.notify;
  if (n.slackWebhookUrl) notifiers.push(createSlackNotifier({ webhookUrl: n.slackWebhookUrl, timeoutMs: options.timeoutMs }));
  if (n.smtpUrl && n.emailTo) notifiers.push(createEmailNotifier({ smtpUrl: n.smtpUrl, to: n.emailTo, from: n.emailFrom, timeoutMs: options.timeoutMs }));
  if (n.pagerdutyRoutingKey) notifiers.push(createPagerDutyNotifier({ routingKey: n.pagerdutyRoutingKey, eventsUrl: n.pagerdutyEventsUrl, timeoutMs: options.timeoutMs }));
  return notifiers;
}

export { createEmailNotifier, createPagerDutyNotifier, createSlackNotifier };
