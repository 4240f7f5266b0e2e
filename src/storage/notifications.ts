/**
 * The notification outbox: a row per message studio decided to send (queued in the transaction that
 * raised or resolved the incident), claimed and delivered after commit, then marked sent / failed /
 * rate_limited. A row left `sending` by a crashed process is claimed again after a lease.
 */
import type { Queryable } from '../core/ports.js';

export type Channel = 'slack' | 'email' | 'pagerduty';
export type NotificationAction = 'trigger' | 'acknowledge' | 'resolve';
export type NotificationStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'rate_limited' | 'skipped';

export interface NotificationRow {
  id: number;
  createdAt: Date;
  incidentId: number | null;
  dedupKey: string;
  channel: Channel;
  action: NotificationAction;
  severity: string;
  summary: string;
  status: NotificationStatus;
  attempts: number;
  target: string | null;
  error: string | null;
  sentAt: Date | null;
}

type Row = {
  id: number;
  created_at: Date;
  incident_id: number | null;
  dedup_key: string;
  channel: Channel;
  action: NotificationAction;
  severity: string;
  summary: string;
  status: NotificationStatus;
  attempts: number;
  target: string | null;
  error: string | null;
  sent_at: Date | null;
};
const COLUMNS = 'id, created_at, incident_id, dedup_key, channel, action, severity, summary, status, attempts, target, error, sent_at';
const toRow = (r: Row): NotificationRow => ({
  id: Number(r.id),
  createdAt: r.created_at,
  incidentId: r.incident_id === null ? null : Number(r.incident_id),
  dedupKey: r.dedup_key,
  channel: r.channel,
  action: r.action,
  severity: r.severity,
  summary: r.summary,
  status: r.status,
  attempts: r.attempts,
  target: r.target,
  error: r.error,
  sentAt: r.sent_at,
});

export async function queueNotification(
  tx: Queryable,
  n: { incidentId: number; dedupKey: string; channel: Channel; action: NotificationAction; severity: string; summary: string; at: Date; status?: NotificationStatus; error?: string },
): Promise<void> {
  await tx.query(
    `insert into notifications (created_at, incident_id, dedup_key, channel, action, severity, summary, status, error)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [n.at, n.incidentId, n.dedupKey, n.channel, n.action, n.severity, n.summary, n.status ?? 'pending', n.error ?? null],
  );
}

/** Take pending rows (and `sending` rows whose claim is older than the lease) for delivery, oldest first. */
export async function claimPendingNotifications(db: Queryable, at: Date, leaseMs: number, limit = 50): Promise<NotificationRow[]> {
  const result = await db.query<Row>(
    `update notifications set status = 'sending', claimed_at = $1
      where id in (
        select id from notifications
         where status = 'pending' or (status = 'sending' and claimed_at < $2)
         order by id limit $3 for update skip locked)
      returning ${COLUMNS}`,
    [at, new Date(at.getTime() - leaseMs), limit],
  );
  return result.rows.map(toRow).sort((a, b) => a.id - b.id);
}

export async function finishNotification(
  db: Queryable,
  id: number,
  result: { status: NotificationStatus; attempts: number; target?: string; error?: string; at: Date },
): Promise<void> {
  await db.query(
    `update notifications set status = $2, attempts = $3, target = $4, error = $5, sent_at = case when $2 = 'sent' then $6::timestamptz else sent_at end where id = $1`,
    [id, result.status, result.attempts, result.target ?? null, result.error ?? null, result.at],
  );
}

/** Messages sent on a channel since a time (the rate limit). */
export async function countSent(db: Queryable, channel: Channel, since: Date): Promise<number> {
  const result = await db.query<{ n: number }>(`select count(*)::int as n from notifications where channel = $1 and status = 'sent' and sent_at >= $2`, [channel, since]);
  return result.rows[0]?.n ?? 0;
}

export async function listNotifications(db: Queryable, options: { incidentId?: number; limit?: number } = {}): Promise<NotificationRow[]> {
  const result = await db.query<Row>(
    `select ${COLUMNS} from notifications where ($1::bigint is null or incident_id = $1) order by id desc limit $2`,
    [options.incidentId ?? null, options.limit ?? 100],
  );
  return result.rows.map(toRow);
}
