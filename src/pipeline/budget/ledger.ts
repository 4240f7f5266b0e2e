/**
 * The ledger calls: every paid call reserves its maximum cost first, then settles to the actual cost or
 * releases; `record` books a cost known up front; `guard` wraps a call in reserve + settle/release; a
 * running campaign holds a reservation (extendLease) and draws from it. An idempotency key never charges
 * twice, and one replayed with other data is refused.
 */
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import type { ChargeRequest, GuardOptions, Queryable, Reservation } from '../../core/ports.js';
import { BUDGET_CATEGORIES } from '../../core/types.js';
import * as store from '../../storage/budget.js';
import { emitEvent } from '../../storage/events.js';
import type { SentinelContext } from './context.js';
import { checkFallback, checkLevels } from './crossings.js';
import { ensureCycle } from './cycles.js';
import { levelFor } from './levels.js';
import type { Reaper } from './reaper.js';
import { assertSameRequest, refuse } from './refusals.js';

export interface Ledger {
  reserve(request: ChargeRequest): Promise<Reservation>;
  settle(reservationId: string, actualCents: number, metadata?: Record<string, unknown>): Promise<void>;
  release(reservationId: string, reason?: string): Promise<void>;
  record(request: Omit<ChargeRequest, 'estimateCents'> & { amountCents: number; strictAmount?: boolean }): Promise<Reservation>;
  guard<T>(request: ChargeRequest, call: (reservation: Reservation) => Promise<{ result: T; actualCents: number }>, options?: GuardOptions): Promise<T>;
  extendLease(reservationId: string, leaseMs: number): Promise<boolean>;
  draw(reservationId: string, cents: number, options: { key: string; operation: string; metadata?: Record<string, unknown> }): Promise<number>;
  drawnFrom(reservationId: string): Promise<number>;
}

export function createLedger(ctx: SentinelContext, reaper: Reaper): Ledger {
  const { db, config, logger, holder, thresholds } = ctx;

  async function reserve(request: ChargeRequest): Promise<Reservation> {
    if (!Number.isSafeInteger(request.estimateCents) || request.estimateCents < 0) {
      throw new InvalidInputError(`budget: estimate must be whole cents >= 0 (got ${request.estimateCents})`);
    }
    if (!BUDGET_CATEGORIES.includes(request.category)) {
      throw new InvalidInputError(`budget: unknown category "${request.category}"; use one of ${BUDGET_CATEGORIES.join(', ')}`);
    }
    await reaper.maybeReap();
    const call: store.ReserveCall = {
      key: request.idempotencyKey,
      category: request.category,
      service: request.service,
      operation: request.operation,
      amountCents: request.estimateCents,
      critical: request.critical ?? true,
      ideaId: request.ideaId,
      metadata: request.metadata,
      holder,
      leaseMs: config.budget.reservationLeaseMs,
      shard: ctx.nextShard(),
    };
    let outcome = await store.retryOnDeadlock(() => store.reserve(db, call));
    if (outcome.outcome === 'no_cycle') {
      await ensureCycle(ctx);
      outcome = await store.retryOnDeadlock(() => store.reserve(db, call));
    }
    switch (outcome.outcome) {
      case 'reserved': {
        const used = outcome.spentCents + outcome.reservedCents;
        const level = levelFor(used, outcome.allocatedCents, thresholds);
        if (level !== 'HEALTHY') await checkLevels(ctx, outcome.cycleId, request.category, used, outcome.allocatedCents);
        return {
          id: outcome.ledgerId,
          idempotencyKey: request.idempotencyKey,
          category: request.category,
          amountCents: outcome.amountCents,
          state: 'reserved',
          replayed: false,
          level,
        };
      }
      case 'replayed': {
        const before = await store.ledgerEntryByKey(db, request.idempotencyKey);
        if (before) assertSameRequest(request.idempotencyKey, before, request, false);
        return {
          id: outcome.ledgerId,
          idempotencyKey: request.idempotencyKey,
          category: request.category,
          amountCents: outcome.amountCents,
          state: outcome.ledgerState,
          replayed: true,
          level: 'HEALTHY',
        };
      }
      case 'shutdown':
      case 'throttled':
      case 'cap':
      case 'no_cycle':
        return refuse(outcome, request, config.budget.criticalPct);
    }
  }

  async function settle(reservationId: string, actualCents: number, metadata: Record<string, unknown> = {}): Promise<void> {
    if (!Number.isSafeInteger(actualCents) || actualCents < 0) throw new InvalidInputError(`budget: actual cost must be whole cents >= 0 (got ${actualCents})`);
    const result = await store.retryOnDeadlock(() => store.settle(db, reservationId, actualCents, metadata));
    if (result.outcome === 'missing') throw new NotFoundError(`budget: no reservation ${reservationId}`);
    if (result.outcome !== 'settled') return; // already settled or released: never charge twice
    if (result.overrunCents > 0) {
      await emitEvent(db, {
        kind: 'budget.overrun',
        source: 'budget',
        level: 'WARNING',
        dedupKey: `budget.overrun:${result.cycleId}:${result.category}`,
        message: `a ${result.category} call cost $${(result.overrunCents / 100).toFixed(2)} more than the cap allowed; its estimate was too low`,
        details: { reservationId, overrunCents: result.overrunCents },
      });
      logger.error({ reservation: reservationId, overrunCents: result.overrunCents }, 'budget: settle above the cap; the excess was not charged');
    }
    const all = await store.buckets(db, result.cycleId!);
    const bucket = all.find((b) => b.category === result.category);
    if (bucket) {
      const used = bucket.spentCents + bucket.reservedCents;
      if (levelFor(used, bucket.allocatedCents, thresholds) !== 'HEALTHY') await checkLevels(ctx, result.cycleId!, bucket.category, used, bucket.allocatedCents);
    }
    // settled below its estimate: the difference went back, and a level may have fallen
    if (result.category) await checkFallback(ctx, result.cycleId!, result.category);
  }

  async function release(reservationId: string, reason = 'released'): Promise<void> {
    const result = await store.retryOnDeadlock(() => store.release(db, reservationId, reason));
    if (result.outcome === 'missing') throw new NotFoundError(`budget: no reservation ${reservationId}`);
    if (result.outcome === 'released' && result.cycleId && result.category) await checkFallback(ctx, result.cycleId, result.category);
  }
  async function record(request: Omit<ChargeRequest, 'estimateCents'> & { amountCents: number; strictAmount?: boolean }): Promise<Reservation> {
    // reserve and settle in one transaction: a refused or failed record leaves nothing behind
    const attempt = () =>
      db.withTransaction(async (tx) => {
        // a key names one cost: replayed with other data it is refused, as payment APIs do
        const before = await store.ledgerEntryByKey(tx, request.idempotencyKey);
        // the amount is compared for an operator's `budget record` only: a stage replaying its own key after a
        // crash may carry a recomputed amount, and its ledger row is the truth
        if (before) assertSameRequest(request.idempotencyKey, before, { ...request, amountCents: request.amountCents }, request.strictAmount === true);
        const outcome = await store.reserve(tx, {
          key: request.idempotencyKey,
          category: request.category,
          service: request.service,
          operation: request.operation,
          amountCents: request.amountCents,
          critical: request.critical ?? true,
          ideaId: request.ideaId,
          metadata: { ...request.metadata, recorded: true },
          holder,
          leaseMs: config.budget.reservationLeaseMs,
          shard: ctx.nextShard(),
        });
        if (outcome.outcome === 'reserved' || (outcome.outcome === 'replayed' && outcome.ledgerState === 'reserved')) {
          await store.settle(tx, outcome.ledgerId, request.amountCents, {});
        }
        return outcome;
      });
    let outcome = await store.retryOnDeadlock(attempt);
    if (outcome.outcome === 'no_cycle') {
      await ensureCycle(ctx);
      outcome = await store.retryOnDeadlock(attempt);
    }
    if (outcome.outcome !== 'reserved' && outcome.outcome !== 'replayed') {
      refuse(outcome, { ...request, estimateCents: request.amountCents }, config.budget.criticalPct);
    }
    const all = await store.buckets(db, outcome.cycleId);
    const bucket = all.find((b) => b.category === request.category);
    if (bucket) {
      const used = bucket.spentCents + bucket.reservedCents;
      if (levelFor(used, bucket.allocatedCents, thresholds) !== 'HEALTHY') await checkLevels(ctx, outcome.cycleId, bucket.category, used, bucket.allocatedCents);
    }
    return {
      id: outcome.ledgerId,
      idempotencyKey: request.idempotencyKey,
      category: request.category,
      amountCents: request.amountCents,
      state: 'settled',
      replayed: outcome.outcome === 'replayed',
      level: bucket ? levelFor(bucket.spentCents + bucket.reservedCents, bucket.allocatedCents, thresholds) : 'HEALTHY',
    };
  }

  async function guard<T>(request: ChargeRequest, call: (reservation: Reservation) => Promise<{ result: T; actualCents: number }>, options: GuardOptions = {}): Promise<T> {
    const reservation = await reserve(request);
    let outcome: { result: T; actualCents: number };
    try {
      outcome = await call(reservation);
    } catch (error) {
      if (reservation.state === 'reserved') {
        const billed = options.chargeOnError?.(error, reservation) ?? 0;
        const why = `call failed: ${(error as Error).message?.slice(0, 200)}`;
        // the call's own error is what the caller must see; a failed settle or release is logged (the
        // reservation's lease then lapses and the reaper releases it), never silently dropped
        await (billed > 0 ? settle(reservation.id, billed, { failed: why }) : release(reservation.id, why)).catch((cleanup: unknown) =>
          logger.error({ err: cleanup, reservation: reservation.id, billedCents: billed }, `budget: could not ${billed > 0 ? 'settle' : 'release'} reservation ${reservation.id} after a failed call; its lease will lapse and release it`),
        );
      }
      throw error;
    }
    if (reservation.state === 'reserved') await settle(reservation.id, outcome.actualCents);
    return outcome.result;
  }

  const extendLease = (reservationId: string, leaseMs: number) => store.extendLease(db, reservationId, leaseMs);
  async function draw(reservationId: string, cents: number, options: { key: string; operation: string; metadata?: Record<string, unknown> }): Promise<number> {
    if (!Number.isSafeInteger(cents) || cents < 0) throw new InvalidInputError(`budget: a draw must be whole cents >= 0 (got ${cents})`);
    if (cents === 0) return 0;
    const outcome = await store.retryOnDeadlock(() => db.withTransaction((tx) => store.draw(tx, { reservationId, cents, key: options.key, operation: options.operation, holder, metadata: options.metadata })));
    return outcome.cents;
  }
  const drawnFrom = (reservationId: string) => store.drawnFrom(db, reservationId);

  return { reserve, settle, release, record, guard, extendLease, draw, drawnFrom };
}

/** Read-only helper for other modules: the ledger rows of one idea (what it has cost so far). */
export async function ideaSpend(db: Queryable, ideaId: string): Promise<{ cents: number; entries: store.LedgerEntry[] }> {
  const entries = await store.ledgerEntries(db, { ideaId, limit: 500 });
  return { cents: entries.filter((e) => e.state !== 'released').reduce((sum, e) => sum + e.amountCents, 0), entries };
}
