/**
 * SQL of the spend ledger: reserve, settle, draw and release (single calls of the plpgsql functions in
 * migrations/0002_budget.sql, one round trip each), lapsed reservations, and the ledger's reads (entries,
 * spend since, top operations, totals).
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../core/ports.js';
import type { BudgetCategory } from '../core/types.js';

export interface ReserveCall {
  key: string;
  category: BudgetCategory;
  service: string;
  operation: string;
  amountCents: number;
  critical: boolean;
  ideaId?: string;
  metadata?: Record<string, unknown>;
  holder: string;
  leaseMs: number;
  /** Preferred bucket shard (any integer; taken modulo the cycle's shard count). */
  shard: number;
}

/**
 * What `studio_budget_reserve` answered, by outcome: a reservation (or its replay) has a ledger row; a
 * refusal for the cap or CRITICAL says what the category has used and holds; a shutdown names its cycle.
 */
export type ReserveOutcome =
  | { outcome: 'reserved'; ledgerId: string; amountCents: number; cycleId: string; spentCents: number; reservedCents: number; allocatedCents: number }
  | { outcome: 'replayed'; ledgerId: string; ledgerState: LedgerState; amountCents: number; cycleId: string }
  | RefusedReserve;

/** A reservation refused: nothing was held. */
export type RefusedReserve =
  | { outcome: 'cap' | 'throttled'; amountCents: number; cycleId: string; spentCents: number; reservedCents: number; allocatedCents: number }
  | { outcome: 'shutdown'; amountCents: number; cycleId: string }
  | { outcome: 'no_cycle'; amountCents: number };

type LedgerState = 'reserved' | 'settled' | 'released';

/**
 * A reservation that fails its shard's fast path keeps that shard row locked (PostgreSQL keeps the lock
 * taken to re-check a concurrently updated row), then locks every shard in order to gather: two such
 * calls can deadlock. The loser's transaction is rolled back whole, so it is simply run again. Wrap a
 * whole transaction (or a single autocommit statement), never one statement inside a transaction.
 */
export async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const code = (error as { pgCode?: string }).pgCode;
      if ((code !== '40P01' && code !== '40001') || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

export async function reserve(db: Queryable, call: ReserveCall): Promise<ReserveOutcome> {
  const result = await db.query<{
    outcome: ReserveOutcome['outcome'];
    ledger_id: string | null;
    ledger_state: LedgerState | null;
    amount: number;
    cycle: string | null;
    spent: number | null;
    reserved: number | null;
    allocated: number | null;
  }>('select * from studio_budget_reserve($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)', [
    randomUUID(),
    call.key,
    call.category,
    call.service,
    call.operation,
    call.amountCents,
    call.critical,
    call.ideaId ?? null,
    JSON.stringify(call.metadata ?? {}),
    call.holder,
    call.leaseMs,
    call.shard % 32_768,
  ], { prepare: 'studio_budget_reserve' });
  const r = result.rows[0]!;
  const amountCents = Number(r.amount);
  // the function's contract (migrations/0002_budget.sql): which columns each outcome fills
  switch (r.outcome) {
    case 'reserved':
      return { outcome: 'reserved', ledgerId: r.ledger_id!, amountCents, cycleId: r.cycle!, spentCents: r.spent ?? 0, reservedCents: r.reserved ?? 0, allocatedCents: r.allocated ?? 0 };
    case 'replayed':
      return { outcome: 'replayed', ledgerId: r.ledger_id!, ledgerState: r.ledger_state!, amountCents, cycleId: r.cycle! };
    case 'cap':
    case 'throttled':
      return { outcome: r.outcome, amountCents, cycleId: r.cycle!, spentCents: r.spent ?? 0, reservedCents: r.reserved ?? 0, allocatedCents: r.allocated ?? 0 };
    case 'shutdown':
      return { outcome: 'shutdown', amountCents, cycleId: r.cycle! };
    case 'no_cycle':
      return { outcome: 'no_cycle', amountCents };
  }
}

export interface SettleOutcome {
  outcome: 'settled' | 'missing' | 'released' | 'reserved';
  chargedCents: number;
  overrunCents: number;
  category: BudgetCategory | null;
  cycleId: string | null;
}

export async function settle(db: Queryable, id: string, actualCents: number, metadata: Record<string, unknown> = {}): Promise<SettleOutcome> {
  const result = await db.query<{ outcome: SettleOutcome['outcome']; charged: number; overrun: number; category: BudgetCategory | null; cycle: string | null }>(
    'select * from studio_budget_settle($1, $2, $3)',
    [id, actualCents, JSON.stringify(metadata)],
    { prepare: 'studio_budget_settle' },
  );
  const r = result.rows[0]!;
  return { outcome: r.outcome, chargedCents: Number(r.charged), overrunCents: Number(r.overrun), category: r.category, cycleId: r.cycle };
}

/**
 * Keep a reservation held for at least `leaseMs` from now (a campaign holds its budget for its whole run);
 * false when it is no longer reserved.
 */
export async function extendLease(db: Queryable, id: string, leaseMs: number): Promise<boolean> {
  const result = await db.query(
    `update spend_ledger set lease_until = greatest(lease_until, now() + $2 * interval '1 millisecond') where id = $1 and state = 'reserved'`,
    [id, leaseMs],
  );
  return result.rowCount > 0;
}

export type DrawOutcome = { outcome: 'drawn'; cents: number } | { outcome: 'replayed' | 'not_reserved' | 'nothing_left'; cents: 0 };

/**
 * Move `cents` of a reservation to spent now, under its own idempotency key (a running campaign's reported
 * day): the reservation shrinks by what is drawn, the ledger gets a settled row, the shard's spent grows by
 * what its reserved shrinks, so usage (and the cap) is unchanged. At most what is still held is drawn; the
 * rest is left to the final settlement (which handles overruns). Call inside a transaction.
 */
export async function draw(tx: Queryable, input: { reservationId: string; cents: number; key: string; operation: string; holder: string; metadata?: Record<string, unknown> }): Promise<DrawOutcome> {
  const seen = await tx.query('select 1 from spend_ledger where idempotency_key = $1', [input.key]);
  if (seen.rowCount > 0) return { outcome: 'replayed', cents: 0 };
  const held = await tx.query<{ cycle_id: string; category: string; service: string; idea_id: string | null; shard: number; amount_cents: string }>(
    `select cycle_id, category, service, idea_id, shard, amount_cents::text from spend_ledger where id = $1 and state = 'reserved' for update`,
    [input.reservationId],
  );
  const row = held.rows[0];
  if (!row) return { outcome: 'not_reserved', cents: 0 };
  const take = Math.min(input.cents, Number(row.amount_cents));
  if (take <= 0) return { outcome: 'nothing_left', cents: 0 };
  await tx.query('update spend_ledger set amount_cents = amount_cents - $2 where id = $1', [input.reservationId, take]);
  await tx.query(
    'update budget_buckets set reserved_cents = reserved_cents - $4, spent_cents = spent_cents + $4 where cycle_id = $1 and category = $2 and shard = $3',
    [row.cycle_id, row.category, row.shard, take],
  );
  await tx.query(
    `insert into spend_ledger (id, cycle_id, category, service, operation, idea_id, estimate_cents, amount_cents, shard, state, idempotency_key, holder, settled_at, metadata)
     values ($1, $2, $3, $4, $5, $6, $7, $7, $8, 'settled', $9, $10, now(), $11)`,
    [randomUUID(), row.cycle_id, row.category, row.service, input.operation, row.idea_id, take, row.shard, input.key, input.holder, JSON.stringify({ ...input.metadata, drawnFrom: input.reservationId })],
  );
  return { outcome: 'drawn', cents: take };
}

/** Cents drawn so far from a reservation (its `draw` rows). */
export async function drawnFrom(db: Queryable, reservationId: string): Promise<number> {
  const result = await db.query<{ cents: string }>(
    `select coalesce(sum(amount_cents), 0)::text as cents from spend_ledger where metadata->>'drawnFrom' = $1 and state = 'settled'`,
    [reservationId],
  );
  return Number(result.rows[0]?.cents ?? 0);
}

export async function release(db: Queryable, id: string, reason: string): Promise<{ outcome: string; category: BudgetCategory | null; cycleId: string | null }> {
  const result = await db.query<{ outcome: string; category: BudgetCategory | null; cycle: string | null }>('select * from studio_budget_release($1, $2)', [
    id,
    reason,
  ]);
  const r = result.rows[0]!;
  return { outcome: r.outcome, category: r.category, cycleId: r.cycle };
}

/** Reservations whose lease lapsed (their holder died or hung), oldest first. */
export async function expiredReservations(db: Queryable, limit = 100): Promise<Array<{ id: string; holder: string }>> {
  const result = await db.query<{ id: string; holder: string }>(
    `select id, holder from spend_ledger where state = 'reserved' and lease_until < now() order by lease_until limit $1`,
    [limit],
  );
  return result.rows;
}

/** Record a level crossing; true only the first time in the cycle for that scope and level. */
export interface LedgerEntry {
  id: string;
  category: BudgetCategory;
  service: string;
  operation: string;
  ideaId: string | null;
  estimateCents: number;
  amountCents: number;
  state: 'reserved' | 'settled' | 'released';
  idempotencyKey: string;
  createdAt: Date;
  settledAt: Date | null;
  metadata: Record<string, unknown>;
}

export async function ledgerEntries(db: Queryable, options: { cycleId?: string; ideaId?: string; limit?: number } = {}): Promise<LedgerEntry[]> {
  const result = await db.query<{
    id: string;
    category: BudgetCategory;
    service: string;
    operation: string;
    idea_id: string | null;
    estimate_cents: number;
    amount_cents: number;
    state: LedgerEntry['state'];
    idempotency_key: string;
    created_at: Date;
    settled_at: Date | null;
    metadata: Record<string, unknown>;
  }>(
    `select id, category, service, operation, idea_id, estimate_cents, amount_cents, state, idempotency_key, created_at, settled_at, metadata
       from spend_ledger where ($1::text is null or cycle_id = $1) and ($2::uuid is null or idea_id = $2)
      order by created_at desc limit $3`,
    [options.cycleId ?? null, options.ideaId ?? null, options.limit ?? 100],
  );
  return result.rows.map((r) => ({
    id: r.id,
    category: r.category,
    service: r.service,
    operation: r.operation,
    ideaId: r.idea_id,
    estimateCents: r.estimate_cents,
    amountCents: r.amount_cents,
    state: r.state,
    idempotencyKey: r.idempotency_key,
    createdAt: r.created_at,
    settledAt: r.settled_at,
    metadata: r.metadata,
  }));
}

/** What an idempotency key recorded, if anything: to refuse a replay that asks for something else. */
export async function ledgerEntryByKey(db: Queryable, key: string): Promise<Pick<LedgerEntry, 'id' | 'category' | 'service' | 'operation' | 'ideaId' | 'estimateCents' | 'amountCents' | 'state' | 'createdAt'> | undefined> {
  const result = await db.query<{ id: string; category: BudgetCategory; service: string; operation: string; idea_id: string | null; estimate_cents: number; amount_cents: number; state: LedgerEntry['state']; created_at: Date }>(
    'select id, category, service, operation, idea_id, estimate_cents, amount_cents, state, created_at from spend_ledger where idempotency_key = $1 limit 1',
    [key],
  );
  const r = result.rows[0];
  return r
    ? { id: r.id, category: r.category, service: r.service, operation: r.operation, ideaId: r.idea_id, estimateCents: Number(r.estimate_cents), amountCents: Number(r.amount_cents), state: r.state, createdAt: r.created_at }
    : undefined;
}

/** Settled spend since a time (burn rate), and the top operations by cost in a cycle. */
export async function spendSince(db: Queryable, cycleId: string, since: Date): Promise<number> {
  const result = await db.query<{ cents: number | null }>(
    `select sum(amount_cents)::bigint as cents from spend_ledger where cycle_id = $1 and state = 'settled' and settled_at >= $2`,
    [cycleId, since],
  );
  return Number(result.rows[0]?.cents ?? 0);
}

export async function topOperations(db: Queryable, cycleId: string, limit = 10): Promise<Array<{ service: string; operation: string; category: BudgetCategory; calls: number; cents: number }>> {
  const result = await db.query<{ service: string; operation: string; category: BudgetCategory; calls: number; cents: number }>(
    `select service, operation, category, count(*)::bigint as calls, sum(amount_cents)::bigint as cents
       from spend_ledger where cycle_id = $1 and state in ('settled', 'reserved')
      group by service, operation, category order by cents desc, calls desc limit $2`,
    [cycleId, limit],
  );
  return result.rows.map((r) => ({ ...r, calls: Number(r.calls), cents: Number(r.cents) }));
}

/** Ledger totals per category and state: the books must agree with the buckets. */
export async function ledgerTotals(db: Queryable, cycleId: string): Promise<Array<{ category: BudgetCategory; state: string; cents: number; entries: number }>> {
  const result = await db.query<{ category: BudgetCategory; state: string; cents: number; entries: number }>(
    `select category, state, sum(amount_cents)::bigint as cents, count(*)::bigint as entries from spend_ledger where cycle_id = $1 group by category, state`,
    [cycleId],
  );
  return result.rows.map((r) => ({ ...r, cents: Number(r.cents), entries: Number(r.entries) }));
}
