/**
 * SQL of the budget sentinel: cycles, buckets, the emergency flag, level crossings. The spend ledger
 * (reserve, settle, draw, release and its reads) is budget-ledger.ts, re-exported here so the budget
 * module reads its store as one `store`; the response cache is response-cache.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../core/ports.js';
import type { BudgetCategory, Level } from '../core/types.js';

export interface CycleRow {
  id: string;
  startedAt: Date;
  endedAt: Date | null;
  totalCents: number;
  warningPct: number;
  criticalPct: number;
  emergencyPct: number;
  emergencyShutdown: boolean;
  circuitBreaker: boolean;
  shutdownAt: Date | null;
  shutdownReason: string | null;
  openedBy: string;
  closedBy: string | null;
  closeReason: string | null;
}

export interface BucketRow {
  category: BudgetCategory;
  allocatedCents: number;
  spentCents: number;
  reservedCents: number;
}

export interface NewCycle {
  totalCents: number;
  /** Bucket rows per category (escrow shards). @default 8 */
  shards?: number;
  allocations: Record<BudgetCategory, number>;
  warningPct: number;
  criticalPct: number;
  emergencyPct: number;
  openedBy: string;
  startedAt?: Date;
}

export type RawCycle = {
  id: string;
  started_at: Date;
  ended_at: Date | null;
  total_cents: number;
  warning_pct: string;
  critical_pct: string;
  emergency_pct: string;
  emergency_shutdown: boolean;
  circuit_breaker: boolean;
  shutdown_at: Date | null;
  shutdown_reason: string | null;
  opened_by: string;
  closed_by: string | null;
  close_reason: string | null;
};

export const toCycle = (r: RawCycle): CycleRow => ({
  id: r.id,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  totalCents: Number(r.total_cents),
  warningPct: Number(r.warning_pct),
  criticalPct: Number(r.critical_pct),
  emergencyPct: Number(r.emergency_pct),
  emergencyShutdown: r.emergency_shutdown,
  circuitBreaker: r.circuit_breaker,
  shutdownAt: r.shutdown_at,
  shutdownReason: r.shutdown_reason,
  openedBy: r.opened_by,
  closedBy: r.closed_by,
  closeReason: r.close_reason,
});

/** The open cycle's row (at most one: a partial unique index). */
export const OPEN_CYCLE_SQL = 'select * from budget_cycles where ended_at is null';

export async function openCycle(db: Queryable): Promise<CycleRow | undefined> {
  const result = await db.query<RawCycle>(OPEN_CYCLE_SQL);
  return result.rows[0] ? toCycle(result.rows[0]) : undefined;
}

export async function getCycle(db: Queryable, id: string): Promise<CycleRow | undefined> {
  const result = await db.query<RawCycle>('select * from budget_cycles where id = $1', [id]);
  return result.rows[0] ? toCycle(result.rows[0]) : undefined;
}

export async function listCycles(db: Queryable, limit = 20): Promise<CycleRow[]> {
  const result = await db.query<RawCycle>('select * from budget_cycles order by started_at desc limit $1', [limit]);
  return result.rows.map(toCycle);
}

/** Insert a cycle with its buckets unless one is open (several processes may race: one wins). */
export async function insertCycle(tx: Queryable, cycle: NewCycle): Promise<CycleRow | undefined> {
  const started = cycle.startedAt ?? new Date();
  const shards = cycle.shards ?? 8;
  const id = `c${started.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomUUID().slice(0, 4)}`;
  const inserted = await tx.query<RawCycle>(
    `insert into budget_cycles (id, started_at, total_cents, warning_pct, critical_pct, emergency_pct, opened_by, shards)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict do nothing returning *`,
    [id, started, cycle.totalCents, cycle.warningPct, cycle.criticalPct, cycle.emergencyPct, cycle.openedBy, shards],
  );
  if (!inserted.rows[0]) return undefined;
  // each category's allocation split evenly over its shards, the remainder on shard 0
  const categories: string[] = [];
  const shardNumbers: number[] = [];
  const amounts: number[] = [];
  for (const [category, cents] of Object.entries(cycle.allocations)) {
    for (let shard = 0; shard < shards; shard++) {
      categories.push(category);
      shardNumbers.push(shard);
      amounts.push(Math.floor(cents / shards) + (shard === 0 ? cents % shards : 0));
    }
  }
  await tx.query(
    'insert into budget_buckets (cycle_id, category, shard, allocated_cents) select $1, * from unnest($2::text[], $3::smallint[], $4::bigint[])',
    [id, categories, shardNumbers, amounts],
  );
  return toCycle(inserted.rows[0]);
}

export async function closeCycle(tx: Queryable, id: string, closedBy: string, reason: string, at: Date): Promise<boolean> {
  const result = await tx.query('update budget_cycles set ended_at = $2, closed_by = $3, close_reason = $4 where id = $1 and ended_at is null', [
    id,
    at,
    closedBy,
    reason,
  ]);
  return result.rowCount > 0;
}

/** The statement buckets reads with (`cycleId`: a SQL expression): the console's refresh composes it. */
export function bucketsSql(cycleId: string): string {
  return `select category, sum(allocated_cents)::bigint as allocated_cents, sum(spent_cents)::bigint as spent_cents,
            sum(reserved_cents)::bigint as reserved_cents
       from budget_buckets where cycle_id = ${cycleId} group by category order by category`;
}

export type RawBucket = { category: BudgetCategory; allocated_cents: number; spent_cents: number; reserved_cents: number };

export const toBucket = (r: RawBucket): BucketRow => ({ category: r.category, allocatedCents: r.allocated_cents, spentCents: r.spent_cents, reservedCents: r.reserved_cents });

export async function buckets(db: Queryable, cycleId: string): Promise<BucketRow[]> {
  const result = await db.query<RawBucket>(bucketsSql('$1'), [cycleId]);
  return result.rows.map(toBucket);
}

export async function setShutdown(tx: Queryable, cycleId: string, on: boolean, reason: string | null): Promise<boolean> {
  const result = await tx.query(
    `update budget_cycles set emergency_shutdown = $2, circuit_breaker = $2,
            shutdown_at = case when $2 then coalesce(shutdown_at, now()) else null end,
            shutdown_reason = case when $2 then $3 else null end
      where id = $1 and emergency_shutdown <> $2`,
    [cycleId, on, reason],
  );
  return result.rowCount > 0;
}

export async function recordCrossing(tx: Queryable, cycleId: string, scope: string, level: Level, usagePct: number): Promise<boolean> {
  const result = await tx.query(
    'insert into budget_level_crossings (cycle_id, scope, level, usage_pct) values ($1, $2, $3, $4) on conflict do nothing',
    [cycleId, scope, level, usagePct],
  );
  return result.rowCount > 0;
}

/**
 * Forget crossings of `scope` at these levels (the usage fell back below them), so a later crossing
 * fires again. Returns the levels that were recorded and are now gone.
 */
export async function dropCrossings(tx: Queryable, cycleId: string, scope: string, levels: Level[]): Promise<Level[]> {
  if (levels.length === 0) return [];
  const result = await tx.query<{ level: Level }>(
    'delete from budget_level_crossings where cycle_id = $1 and scope = $2 and level = any($3::text[]) returning level',
    [cycleId, scope, levels],
  );
  return result.rows.map((r) => r.level);
}

export * from './budget-ledger.js';
