/**
 * Operational events (`ops_events`): the one way any module tells operations that something happened.
 * Emit inside the transaction of the change that caused it; the incidents module consumes them.
 */
import type { Queryable } from '../core/ports.js';
import type { Level } from '../core/types.js';

export interface OpsEvent {
  kind: string;
  source: string;
  level: Level;
  dedupKey: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface OpsEventRow extends OpsEvent {
  details: Record<string, unknown>;
  id: number;
  at: Date;
  processedAt: Date | null;
}

export async function emitEvent(db: Queryable, event: OpsEvent): Promise<number> {
  const result = await db.query<{ id: number }>(
    `insert into ops_events (kind, source, level, dedup_key, message, details) values ($1, $2, $3, $4, $5, $6) returning id`,
    [event.kind, event.source, event.level, event.dedupKey, event.message, JSON.stringify(event.details ?? {})],
  );
  return result.rows[0]!.id;
}

type Row = { id: number; at: Date; kind: string; source: string; level: Level; dedup_key: string; message: string; details: Record<string, unknown>; processed_at: Date | null };
const toEvent = (r: Row): OpsEventRow => ({
  id: r.id,
  at: r.at,
  kind: r.kind,
  source: r.source,
  level: r.level,
  dedupKey: r.dedup_key,
  message: r.message,
  details: r.details,
  processedAt: r.processed_at,
});

/** Events not yet handled, oldest first, locked for this transaction (several consumers never take the same one). */
export async function claimUnprocessedEvents(tx: Queryable, limit = 100): Promise<OpsEventRow[]> {
  const result = await tx.query<Row>(
    `select id, at, kind, source, level, dedup_key, message, details, processed_at from ops_events
      where processed_at is null order by id limit $1 for update skip locked`,
    [limit],
  );
  return result.rows.map(toEvent);
}

export async function markEventsProcessed(tx: Queryable, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.query('update ops_events set processed_at = now() where id = any($1::bigint[])', [ids]);
}

export async function listEvents(db: Queryable, options: { since?: Date; kind?: string; limit?: number } = {}): Promise<OpsEventRow[]> {
  const result = await db.query<Row>(
    `select id, at, kind, source, level, dedup_key, message, details, processed_at from ops_events
      where ($1::timestamptz is null or at >= $1) and ($2::text is null or kind like $2 || '%')
      order by id desc limit $3`,
    [options.since ?? null, options.kind ?? null, options.limit ?? 100],
  );
  return result.rows.map(toEvent);
}

/** Whether an ops event with this dedup key was emitted since a time (stuck ideas are reported once a period). */
export async function eventEmittedSince(db: Queryable, dedupKey: string, since: Date): Promise<boolean> {
  const result = await db.query('select 1 from ops_events where dedup_key = $1 and at >= $2 limit 1', [dedupKey, since]);
  return result.rowCount > 0;
}
