/** What happened since a moment, in counts: the console's "while you were away" line. */
import type { Queryable } from '../core/ports.js';

export interface ActivitySince {
  incidentsOpened: number;
  ideasCompleted: number;
  jobRunsFailed: number;
  /** Settled spend, cents. */
  spentCents: number;
}

export async function activitySince(db: Queryable, since: Date): Promise<ActivitySince> {
  // four indexed counts as one statement: one round trip
  const result = await db.query<{ incidents: number; completed: number; failed: number; spent: number | string | null }>(
    `select (select count(*)::int from incidents where opened_at > $1) as incidents,
            (select count(*)::int from ideas where completed_at > $1) as completed,
            (select count(*)::int from job_runs where claimed_at > $1 and status in ('failed', 'timed_out', 'missed')) as failed,
            (select sum(amount_cents)::bigint from spend_ledger where state = 'settled' and settled_at > $1) as spent`,
    [since],
  );
  const row = result.rows[0]!;
  return { incidentsOpened: row.incidents, ideasCompleted: row.completed, jobRunsFailed: row.failed, spentCents: Number(row.spent ?? 0) };
}
