/** SQL of smoke-test campaigns: one row per idea attempt, metrics rolled up per reported day. */
import type { Queryable } from '../core/ports.js';
import type { DailyMetrics } from '../core/providers.js';

export interface CampaignRow {
  id: string;
  ideaId: string;
  attempt: number;
  externalId: string;
  account: string;
  status: 'ENABLED' | 'PAUSED' | 'ENDED';
  pausedReason: string | null;
  budgetMicros: number;
  dailyBudgetMicros: number;
  days: number;
  spec: Record<string, unknown>;
  reservationId: string | null;
  daysReported: number;
  impressions: number;
  clicks: number;
  conversions: number;
  costMicros: number;
  daily: DailyMetrics[];
  result: Record<string, unknown> | null;
  createdAt: Date;
}

type Raw = {
  id: string;
  idea_id: string;
  attempt: number;
  external_id: string;
  account: string;
  status: CampaignRow['status'];
  paused_reason: string | null;
  budget_micros: number;
  daily_budget_micros: number;
  days: number;
  spec: Record<string, unknown>;
  reservation_id: string | null;
  days_reported: number;
  impressions: number;
  clicks: number;
  conversions: number;
  cost_micros: number;
  daily: DailyMetrics[];
  result: Record<string, unknown> | null;
  created_at: Date;
};

const toRow = (r: Raw): CampaignRow => ({
  id: r.id,
  ideaId: r.idea_id,
  attempt: r.attempt,
  externalId: r.external_id,
  account: r.account,
  status: r.status,
  pausedReason: r.paused_reason,
  budgetMicros: Number(r.budget_micros),
  dailyBudgetMicros: Number(r.daily_budget_micros),
  days: r.days,
  spec: r.spec,
  reservationId: r.reservation_id,
  daysReported: r.days_reported,
  impressions: Number(r.impressions),
  clicks: Number(r.clicks),
  conversions: Number(r.conversions),
  costMicros: Number(r.cost_micros),
  daily: r.daily ?? [],
  result: r.result,
  createdAt: r.created_at,
});

export async function campaignFor(db: Queryable, ideaId: string, attempt: number): Promise<CampaignRow | undefined> {
  const result = await db.query<Raw>('select * from campaigns where idea_id = $1 and attempt = $2', [ideaId, attempt]);
  return result.rows[0] ? toRow(result.rows[0]) : undefined;
}

export async function latestCampaign(db: Queryable, ideaId: string): Promise<CampaignRow | undefined> {
  const result = await db.query<Raw>('select * from campaigns where idea_id = $1 order by attempt desc limit 1', [ideaId]);
  return result.rows[0] ? toRow(result.rows[0]) : undefined;
}

export async function insertCampaign(
  db: Queryable,
  c: { id: string; ideaId: string; attempt: number; externalId: string; account: string; budgetMicros: number; dailyBudgetMicros: number; days: number; spec: Record<string, unknown>; reservationId: string },
): Promise<CampaignRow> {
  await db.query(
    `insert into campaigns (id, idea_id, attempt, external_id, account, status, budget_micros, daily_budget_micros, days, spec, reservation_id)
     values ($1, $2, $3, $4, $5, 'ENABLED', $6, $7, $8, $9, $10) on conflict (idea_id, attempt) do nothing`,
    [c.id, c.ideaId, c.attempt, c.externalId, c.account, c.budgetMicros, c.dailyBudgetMicros, c.days, JSON.stringify(c.spec), c.reservationId],
  );
  return (await campaignFor(db, c.ideaId, c.attempt))!;
}

/** Record one more reported day (only the next day in order; a repeat is ignored). */
export async function recordDay(db: Queryable, id: string, m: DailyMetrics): Promise<boolean> {
  const result = await db.query(
    `update campaigns set days_reported = $2, impressions = impressions + $3, clicks = clicks + $4, conversions = conversions + $5,
            cost_micros = cost_micros + $6, daily = daily || $7::jsonb, updated_at = now()
      where id = $1 and days_reported = $2 - 1`,
    [id, m.day, m.impressions, m.clicks, m.conversions, m.costMicros, JSON.stringify([m])],
  );
  return result.rowCount > 0;
}

export async function setCampaignStatus(db: Queryable, id: string, status: CampaignRow['status'], reason: string | null, result?: Record<string, unknown>): Promise<void> {
  await db.query(
    `update campaigns set status = $2, paused_reason = coalesce($3, paused_reason), result = coalesce($4::jsonb, result), updated_at = now() where id = $1`,
    [id, status, reason, result ? JSON.stringify(result) : null],
  );
}

/** Campaigns still able to spend: enabled, with days left to run. */
export async function activeCampaigns(db: Queryable, limit = 500): Promise<CampaignRow[]> {
  const result = await db.query<Raw>(`select * from campaigns where status = 'ENABLED' and days_reported < days order by created_at limit $1`, [limit]);
  return result.rows.map(toRow);
}

/** Campaigns newest first, optionally only those in one status. */
export async function listCampaigns(db: Queryable, options: { status?: CampaignRow['status']; limit?: number } = {}): Promise<CampaignRow[]> {
  const result = await db.query<Raw>(`select * from campaigns where ($1::text is null or status = $1) order by created_at desc limit $2`, [
    options.status ?? null,
    options.limit ?? 100,
  ]);
  return result.rows.map(toRow);
}

/** Campaigns whose id, ads-account id or idea id is `ref` or starts with it (a prefix of 8+ characters). */
export async function findCampaigns(db: Queryable, ref: string): Promise<CampaignRow[]> {
  const prefix = ref.length >= 8 ? `${ref.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : ref;
  const result = await db.query<Raw>(
    `select * from campaigns where id::text = $1 or external_id = $1 or idea_id::text = $1
         or ($2::boolean and (id::text like $3 or idea_id::text like $3))
      order by created_at desc limit 20`,
    [ref, ref.length >= 8, prefix],
  );
  return result.rows.map(toRow);
}

/** Campaigns paused with days left to run (what a resume can start again). */
export async function pausedCampaigns(db: Queryable, limit = 500): Promise<CampaignRow[]> {
  const result = await db.query<Raw>(`select * from campaigns where status = 'PAUSED' and days_reported < days order by created_at limit $1`, [limit]);
  return result.rows.map(toRow);
}
