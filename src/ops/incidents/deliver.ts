/**
 * Delivers the notification outbox: claims pending rows, sends each through its channel's notifier with
 * retries (capped exponential backoff on retryable failures), applies a per-channel rate limit (P1 pages
 * always go out), and records the outcome and the target (never the secret URL or key).
 */
import type { Clock } from '../../core/clock.js';
import { sleep, systemClock } from '../../core/clock.js';
import { ProviderError, toError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { IncidentNotice, Notifier } from '../../core/notify.js';
import type { Queryable } from '../../core/ports.js';
import { redactText } from '../../core/redact.js';
import { getIncident } from '../../storage/incidents.js';
import { claimPendingNotifications, countSent, finishNotification, type NotificationRow } from '../../storage/notifications.js';

export interface DeliverOptions {
  clock?: Clock;
  logger?: Logger;
  /** Attempts per message (1 = no retry). @default 3 */
  attempts?: number;
  /** First backoff, doubled each retry, capped at 30 s, in ms. @default 500 */
  backoffMs?: number;
  /** Messages per channel per hour beyond which P2-P4 messages are dropped as rate_limited. @default 30 */
  maxPerHour?: number;
  /** A row claimed by a process that died is taken again after this long, in ms. @default 120000 */
  leaseMs?: number;
  signal?: AbortSignal;
}

export interface DeliverResult {
  sent: number;
  failed: number;
  rateLimited: number;
  skipped: number;
}

export async function deliverNotifications(db: Queryable, notifiers: readonly Notifier[], options: DeliverOptions = {}): Promise<DeliverResult> {
  const clock = options.clock ?? systemClock;
  const result: DeliverResult = { sent: 0, failed: 0, rateLimited: 0, skipped: 0 };
  const rows = await claimPendingNotifications(db, clock.date(), options.leaseMs ?? 120_000);
  for (const row of rows) {
    const notifier = notifiers.find((n) => n.channel === row.channel);
    if (!notifier) {
      await finishNotification(db, row.id, { status: 'skipped', attempts: 0, error: `${row.channel} is no longer configured`, at: clock.date() });
      result.skipped++;
      continue;
    }
    const limit = options.maxPerHour ?? 30;
    if (row.severity !== 'P1' && (await countSent(db, row.channel, new Date(clock.now() - 3_600_000))) >= limit) {
      await finishNotification(db, row.id, { status: 'rate_limited', attempts: 0, target: notifier.target, error: `more than ${limit} ${row.channel} messages in the last hour`, at: clock.date() });
      options.logger?.warn({ channel: row.channel, incident: row.incidentId }, `notify: ${row.channel} rate limit reached; message not sent`);
      result.rateLimited++;
      continue;
    }
    const notice = await noticeFor(db, row);
    const outcome = await sendWithRetries(notifier, notice, options);
    await finishNotification(db, row.id, {
      status: outcome.ok ? 'sent' : 'failed',
      attempts: outcome.attempts,
      target: notifier.target,
      error: outcome.error,
      at: clock.date(),
    });
    if (outcome.ok) result.sent++;
    else {
      result.failed++;
      options.logger?.error({ channel: row.channel, incident: row.incidentId, attempts: outcome.attempts }, `notify: ${outcome.error}`);
    }
  }
  return result;
}

async function noticeFor(db: Queryable, row: NotificationRow): Promise<IncidentNotice> {
  const incident = row.incidentId === null ? null : await getIncident(db, row.incidentId);
  const body = incident
    ? `${incident.level} · seen ${incident.count} time${incident.count === 1 ? '' : 's'} since ${incident.openedAt.toISOString()} · status ${incident.status}`
    : undefined;
  return {
    action: row.action,
    incidentId: row.incidentId ?? 0,
    dedupKey: row.dedupKey,
    severity: row.severity as IncidentNotice['severity'],
    summary: row.summary,
    source: incident?.source ?? 'studio',
    body,
  };
}

async function sendWithRetries(notifier: Notifier, notice: IncidentNotice, options: DeliverOptions): Promise<{ ok: boolean; attempts: number; error?: string }> {
  const attempts = Math.max(1, options.attempts ?? 3);
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await notifier.send(notice, options.signal);
      return { ok: true, attempts: attempt };
    } catch (error) {
      const err = toError(error);
      lastError = redactText(err.message);
      const retryable = !(error instanceof ProviderError) || error.retryable;
      if (!retryable || attempt === attempts || options.signal?.aborted) return { ok: false, attempts: attempt, error: lastError };
      await sleep(Math.min(30_000, (options.backoffMs ?? 500) * 2 ** (attempt - 1)), options.signal);
    }
  }
  return { ok: false, attempts, error: lastError };
}
