/**
 * The budget sentinel: every paid call reserves its maximum cost first, then settles to the actual cost
 * or releases. The ledger lives in the database, so the caps hold across any number of workers and
 * processes, a crash loses nothing, and an idempotency key never charges twice.
 *
 * Levels (WARNING / CRITICAL / EMERGENCY) are computed from settled + reserved spend; each crossing fires
 * once per cycle and scope as an ops event (the incidents module turns it into an incident). EMERGENCY
 * sets the emergency shutdown and circuit breaker, persisted, and every paid call is refused until an
 * operator resumes.
 */
import { hostname } from 'node:os';
import { AppError, BudgetExceededError, ConfirmationRequiredError, ConflictError, InvalidInputError, NotFoundError } from '../../core/errors.js';
import { formatDollars } from '../../core/money.js';
import type { Clock } from '../../core/clock.js';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { BudgetSentinel, BudgetSnapshot, CategoryStatus, ChargeRequest, Database, GuardOptions, Queryable, Reservation } from '../../core/ports.js';
import { BUDGET_CATEGORIES, type BudgetCategory, type Level, worstLevel } from '../../core/types.js';
import { recordAudit } from '../../storage/audit.js';
import * as store from '../../storage/budget.js';
import { emitEvent } from '../../storage/events.js';
import { readBurnRate } from './burn-rate.js';
import { levelFor, levelsUpTo, usagePct, type Thresholds } from './levels.js';

/** Refused because non-critical work waits while the budget is CRITICAL (the caller may downgrade). */
export class BudgetThrottledError extends BudgetExceededError {}

/** Refused because the emergency shutdown is active. */
export class BudgetShutdownError extends BudgetExceededError {}

export interface DetailedSnapshot extends BudgetSnapshot {
  reservedCents: number;
  /** Settled spend per hour over the last 24 h (or since the cycle began, if later). */
  burnRateCentsPerHour: number;
  /** When the total cap would be reached at that rate; null when nothing burns. */
  projectedCapAt: Date | null;
  topOperations: Array<{ service: string; operation: string; category: BudgetCategory; calls: number; cents: number }>;
  cache: { entries: number; hits: number; savedCents: number };
  shutdownAt: Date | null;
  shutdownReason: string | null;
}

import type { Operator } from '../../core/operator.js';

export type { Operator };

export interface SentinelOptions {
  db: Database;
  config: Config;
  clock: Clock;
  logger: Logger;
  /** Identifies this process in the ledger. @default host:pid */
  holder?: string;
  /**
   * Told of each level crossing once it is recorded (once per cycle and scope), after its transaction
   * committed (the app sends the budget_level_changed analytics event from here). It must not throw.
   */
  onLevelCrossed?: (crossing: LevelCrossing) => void;
}

export interface LevelCrossing {
  cycleId: string;
  /** A budget category, or `total`. */
  scope: string;
  level: Level;
  usagePct: number;
}

export interface Sentinel extends BudgetSentinel {
  /** Detailed status: reserved, burn rate, projected time to cap, top operations, cache savings. */
  detailed(): Promise<DetailedSnapshot>;
  /** Release reservations whose lease lapsed; returns how many. */
  reapExpired(): Promise<number>;
  /**
   * Hold a reservation for at least `leaseMs` more (the default lease, BUDGET_RESERVATION_LEASE, is for a
   * call in flight; a running campaign holds its budget for days). False when it is no longer reserved.
   */
  extendLease(reservationId: string, leaseMs: number): Promise<boolean>;
  /**
   * Spend part of a reservation now (a running campaign's reported day), idempotent by `key`; returns the
   * cents drawn (0 on a replay, or when nothing is held any more).
   */
  draw(reservationId: string, cents: number, options: { key: string; operation: string; metadata?: Record<string, unknown> }): Promise<number>;
  /** Cents drawn from a reservation so far. */
  drawnFrom(reservationId: string): Promise<number>;
  /** Close the cycle and open a new one (audited). */
  reset(options: { operator: Operator; reason: string; confirm: boolean }): Promise<{ closed: string | null; opened: string }>;
  /** Clear an emergency shutdown (audited). */
  resume(options: { operator: Operator; reason: string; confirm: boolean }): Promise<{ cycleId: string; stillOverCap: BudgetCategory[] }>;
  /** Open a new cycle when BUDGET_CYCLE is weekly/monthly and the period turned; returns the new id. */
  rolloverIfDue(): Promise<string | null>;
  /** The open cycle, created from the configuration if there is none. */
  ensureCycle(): Promise<store.CycleRow>;
}

export function createSentinel(options: SentinelOptions): Sentinel {
  const { db, config, clock, logger } = options;
  const holder = options.holder ?? `${hostname()}:${process.pid}`;
  const thresholds: Thresholds = {
    warningPct: config.budget.warningPct,
    criticalPct: config.budget.criticalPct,
    emergencyPct: config.budget.emergencyPct,
  };
  let lastReap = 0;
  // escrow shards: consecutive reservations of this process go to consecutive shards, from a random start
  let nextShard = Math.floor(Math.random() * 64);

  async function ensureCycle(): Promise<store.CycleRow> {
    const open = await store.openCycle(db);
    if (open) return open;
    await db.withTransaction(async (tx) => {
      const created = await store.insertCycle(tx, {
        totalCents: config.budget.totalCents,
        allocations: config.budget.categories,
        ...thresholds,
        shards: config.budget.shards,
        openedBy: 'system',
        startedAt: clock.date(),
      });
      if (created) logger.info({ cycle: created.id }, 'budget: cycle opened');
    });
    const cycle = await store.openCycle(db);
    if (!cycle) throw new NotFoundError('budget: no open cycle and none could be created');
    return cycle;
  }

  /** Fire the crossings this usage reached, once per cycle; shut down at EMERGENCY. */
  async function checkLevels(cycleId: string, category: BudgetCategory, used: number, allocated: number): Promise<void> {
    const cycle = await store.getCycle(db, cycleId);
    if (!cycle) return;
    const t: Thresholds = { warningPct: cycle.warningPct, criticalPct: cycle.criticalPct, emergencyPct: cycle.emergencyPct };
    const scopes: Array<{ scope: string; level: Level; pct: number }> = [
      { scope: category, level: levelFor(used, allocated, t), pct: usagePct(used, allocated) },
    ];
    if (scopes[0]!.level !== 'HEALTHY') {
      // the total can only be at a level some category has reached, so look at it only then
      const all = await store.buckets(db, cycleId);
      const totalUsed = all.reduce((sum, b) => sum + b.spentCents + b.reservedCents, 0);
      scopes.push({ scope: 'total', level: levelFor(totalUsed, cycle.totalCents, t), pct: usagePct(totalUsed, cycle.totalCents) });
    }
    for (const { scope, level, pct } of scopes) {
      // Every level reached is recorded (once per cycle and scope); one event carries the highest new one,
      // under one key per cycle and scope, so 80 -> 95 -> 100 is one incident that escalates.
      const recorded = await db.withTransaction(async (tx) => {
        const fresh: Level[] = [];
        for (const crossed of levelsUpTo(level)) if (await store.recordCrossing(tx, cycleId, scope, crossed, pct)) fresh.push(crossed);
        const top = fresh.at(-1);
        if (!top) return [];
        const message = `budget ${scope} reached ${top} at ${pct}% of its allocation`;
        await emitEvent(tx, {
          kind: 'budget.level',
          source: 'budget',
          level: top,
          dedupKey: levelKey(cycleId, scope),
          message,
          details: { cycleId, scope, level: top, usagePct: pct },
        });
        logger.warn({ cycle: cycleId, scope, budgetLevel: top, usagePct: pct }, `budget: ${message}`);
        if (top === 'EMERGENCY' && (await store.setShutdown(tx, cycleId, true, message))) {
          // the shutdown is its own incident (P1): every paid call is refused until an operator resumes
          await emitEvent(tx, {
            kind: 'budget.shutdown',
            source: 'budget',
            level: 'EMERGENCY',
            dedupKey: `budget.shutdown:${cycleId}`,
            message: `emergency shutdown: ${message}; every paid call is refused until studio budget resume`,
            details: { cycleId, scope },
          });
          logger.fatal({ cycle: cycleId, scope }, 'budget: EMERGENCY shutdown activated');
        }
        return fresh;
      });
      if (options.onLevelCrossed) {
        for (const crossed of recorded) {
          try {
            options.onLevelCrossed({ cycleId, scope, level: crossed, usagePct: pct });
          } catch (error) {
            logger.warn({ err: error, scope, budgetLevel: crossed }, 'budget: the level-crossing listener failed');
          }
        }
      }
    }
  }

  /**
   * After money is handed back (release, settle below the estimate, a lapsed lease): a scope whose usage
   * fell below a level it had crossed forgets that crossing and says so in a `budget.level` event at its
   * level now, which resolves the incident when that is HEALTHY (a momentary crossing leaves none open).
   */
  async function checkFallback(cycleId: string, category: BudgetCategory): Promise<void> {
    const cycle = await store.getCycle(db, cycleId);
    if (!cycle) return;
    const t: Thresholds = { warningPct: cycle.warningPct, criticalPct: cycle.criticalPct, emergencyPct: cycle.emergencyPct };
    const all = await store.buckets(db, cycleId);
    const used = (bs: typeof all) => bs.reduce((sum, b) => sum + b.spentCents + b.reservedCents, 0);
    const mine = all.filter((b) => b.category === category);
    const allocated = mine.reduce((sum, b) => sum + b.allocatedCents, 0);
    const scopes = [
      { scope: category as string, used: used(mine), allocated },
      { scope: 'total', used: used(all), allocated: cycle.totalCents },
    ];
    for (const scope of scopes) {
      const level = levelFor(scope.used, scope.allocated, t);
      const above = (['WARNING', 'CRITICAL', 'EMERGENCY'] as Level[]).filter((l) => !levelsUpTo(level).includes(l));
      const pct = usagePct(scope.used, scope.allocated);
      await db.withTransaction(async (tx) => {
        const dropped = await store.dropCrossings(tx, cycleId, scope.scope, above);
        if (dropped.length === 0) return;
        const message = `budget ${scope.scope} back to ${pct}% of its allocation (${level})`;
        await emitEvent(tx, { kind: 'budget.level', source: 'budget', level, dedupKey: levelKey(cycleId, scope.scope), message, details: { cycleId, scope: scope.scope, level, usagePct: pct } });
        logger.info({ cycle: cycleId, scope: scope.scope, budgetLevel: level, usagePct: pct }, `budget: ${message}`);
      });
    }
  }

  async function maybeReap(): Promise<void> {
    if (clock.now() - lastReap < 30_000) return;
    lastReap = clock.now();
    await reapExpired();
  }

  async function reapExpired(): Promise<number> {
    const expired = await store.expiredReservations(db);
    let released = 0;
    for (const row of expired) {
      const result = await store.release(db, row.id, `lease expired (holder ${row.holder} stopped answering)`);
      if (result.outcome === 'released') {
        released++;
        if (result.cycleId && result.category) await checkFallback(result.cycleId, result.category);
        logger.warn({ reservation: row.id, holder: row.holder }, 'budget: released a reservation whose lease lapsed');
      }
    }
    return released;
  }

  async function reserve(request: ChargeRequest): Promise<Reservation> {
    if (!Number.isSafeInteger(request.estimateCents) || request.estimateCents < 0) {
      throw new InvalidInputError(`budget: estimate must be whole cents >= 0 (got ${request.estimateCents})`);
    }
    if (!BUDGET_CATEGORIES.includes(request.category)) {
      throw new InvalidInputError(`budget: unknown category "${request.category}"; use one of ${BUDGET_CATEGORIES.join(', ')}`);
    }
    await maybeReap();
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
      shard: nextShard++,
    };
    let outcome = await store.retryOnDeadlock(() => store.reserve(db, call));
    if (outcome.outcome === 'no_cycle') {
      await ensureCycle();
      outcome = await store.retryOnDeadlock(() => store.reserve(db, call));
    }
    switch (outcome.outcome) {
      case 'reserved': {
        const used = outcome.spentCents! + outcome.reservedCents!;
        const level = levelFor(used, outcome.allocatedCents!, thresholds);
        if (level !== 'HEALTHY') await checkLevels(outcome.cycleId!, request.category, used, outcome.allocatedCents!);
        return {
          id: outcome.ledgerId!,
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
          id: outcome.ledgerId!,
          idempotencyKey: request.idempotencyKey,
          category: request.category,
          amountCents: outcome.amountCents,
          state: outcome.ledgerState!,
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
      if (levelFor(used, bucket.allocatedCents, thresholds) !== 'HEALTHY') await checkLevels(result.cycleId!, bucket.category, used, bucket.allocatedCents);
    }
    // settled below its estimate: the difference went back, and a level may have fallen
    if (result.category) await checkFallback(result.cycleId!, result.category);
  }

  async function release(reservationId: string, reason = 'released'): Promise<void> {
    const result = await store.retryOnDeadlock(() => store.release(db, reservationId, reason));
    if (result.outcome === 'missing') throw new NotFoundError(`budget: no reservation ${reservationId}`);
    if (result.outcome === 'released' && result.cycleId && result.category) await checkFallback(result.cycleId, result.category);
  }

  async function record(request: Omit<ChargeRequest, 'estimateCents'> & { amountCents: number }): Promise<Reservation> {
    // reserve and settle in one transaction: a refused or failed record leaves nothing behind
    const attempt = () =>
      db.withTransaction(async (tx) => {
        // a key names one cost: replayed with other data it is refused, as payment APIs do
        const before = await store.ledgerEntryByKey(tx, request.idempotencyKey);
        if (before) assertSameRequest(request.idempotencyKey, before, { ...request, amountCents: request.amountCents }, true);
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
          shard: nextShard++,
        });
        if (outcome.outcome === 'reserved' || (outcome.outcome === 'replayed' && outcome.ledgerState === 'reserved')) {
          await store.settle(tx, outcome.ledgerId!, request.amountCents, {});
        }
        return outcome;
      });
    let outcome = await store.retryOnDeadlock(attempt);
    if (outcome.outcome === 'no_cycle') {
      await ensureCycle();
      outcome = await store.retryOnDeadlock(attempt);
    }
    if (outcome.outcome !== 'reserved' && outcome.outcome !== 'replayed') {
      refuse(outcome, { ...request, estimateCents: request.amountCents }, config.budget.criticalPct);
    }
    const all = await store.buckets(db, outcome.cycleId!);
    const bucket = all.find((b) => b.category === request.category);
    if (bucket) {
      const used = bucket.spentCents + bucket.reservedCents;
      if (levelFor(used, bucket.allocatedCents, thresholds) !== 'HEALTHY') await checkLevels(outcome.cycleId!, bucket.category, used, bucket.allocatedCents);
    }
    return {
      id: outcome.ledgerId!,
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

  function categoryStatus(allocated: number, spent: number, reserved: number, t: Thresholds): CategoryStatus {
    const used = spent + reserved;
    return {
      allocatedCents: allocated,
      spentCents: spent,
      reservedCents: reserved,
      remainingCents: Math.max(0, allocated - used),
      usagePercentage: usagePct(used, allocated),
      level: levelFor(used, allocated, t),
    };
  }

  async function snapshot(): Promise<BudgetSnapshot> {
    await maybeReap();
    const cycle = await ensureCycle();
    const t: Thresholds = { warningPct: cycle.warningPct, criticalPct: cycle.criticalPct, emergencyPct: cycle.emergencyPct };
    const rows = await store.buckets(db, cycle.id);
    const categories = {} as Record<BudgetCategory, CategoryStatus>;
    for (const name of BUDGET_CATEGORIES) {
      const row = rows.find((r) => r.category === name);
      categories[name] = categoryStatus(row?.allocatedCents ?? 0, row?.spentCents ?? 0, row?.reservedCents ?? 0, t);
    }
    const spent = rows.reduce((sum, r) => sum + r.spentCents, 0);
    const reserved = rows.reduce((sum, r) => sum + r.reservedCents, 0);
    const total = categoryStatus(cycle.totalCents, spent, reserved, t);
    const level = worstLevel(total.level, ...Object.values(categories).map((c) => c.level), cycle.emergencyShutdown ? 'EMERGENCY' : 'HEALTHY');
    return {
      cycleId: cycle.id,
      cycleStart: cycle.startedAt,
      total,
      categories,
      level,
      emergencyShutdown: cycle.emergencyShutdown,
      circuitBreakerActive: cycle.circuitBreaker,
    };
  }

  async function detailed(): Promise<DetailedSnapshot> {
    const base = await snapshot();
    const cycle = (await store.getCycle(db, base.cycleId))!;
    // the one burn-rate definition (burn-rate.ts): the last 24 h, as the console shows it too
    const burn = await readBurnRate(db, { cycleId: base.cycleId, cycleStart: cycle.startedAt, remainingCents: base.total.remainingCents }, clock.now());
    return {
      ...base,
      reservedCents: base.total.reservedCents,
      burnRateCentsPerHour: burn.burnRateCentsPerHour,
      projectedCapAt: burn.projectedCapAt,
      topOperations: await store.topOperations(db, base.cycleId),
      cache: await store.cacheStats(db),
      shutdownAt: cycle.shutdownAt,
      shutdownReason: cycle.shutdownReason,
    };
  }

  async function reset(opts: { operator: Operator; reason: string; confirm: boolean }): Promise<{ closed: string | null; opened: string }> {
    requireConfirmation(opts, 'budget reset closes the current cycle and starts a new one with a fresh $ allocation');
    const now = clock.date();
    return db.withTransaction(async (tx) => {
      const open = await store.openCycle(tx);
      if (open) await store.closeCycle(tx, open.id, opts.operator.user, opts.reason, now);
      const created = await store.insertCycle(tx, {
        totalCents: config.budget.totalCents,
        allocations: config.budget.categories,
        ...thresholds,
        shards: config.budget.shards,
        openedBy: opts.operator.user,
        startedAt: now,
      });
      if (!created) throw new ConflictError('budget: another process opened a cycle at the same moment; run the reset again');
      await recordAudit(tx, opts.operator, {
        action: 'budget.reset',
        target: created.id,
        reason: opts.reason,
        details: { closed: open?.id ?? null, totalCents: config.budget.totalCents, allocations: config.budget.categories },
      });
      await emitEvent(tx, {
        kind: 'budget.reset',
        source: 'budget',
        level: 'HEALTHY',
        dedupKey: `budget.cycle:${open?.id ?? 'none'}`,
        message: `budget cycle ${created.id} opened by ${opts.operator.user}: ${opts.reason}`,
        details: { closed: open?.id ?? null, opened: created.id },
      });
      logger.warn({ closed: open?.id, opened: created.id, operator: opts.operator.user, reason: opts.reason }, 'budget: cycle reset');
      return { closed: open?.id ?? null, opened: created.id };
    });
  }

  async function resume(opts: { operator: Operator; reason: string; confirm: boolean }): Promise<{ cycleId: string; stillOverCap: BudgetCategory[] }> {
    requireConfirmation(opts, 'budget resume lets paid calls through again after an emergency shutdown');
    const cycle = await ensureCycle();
    if (!cycle.emergencyShutdown && !cycle.circuitBreaker) {
      throw new InvalidInputError('budget: no emergency shutdown is active; nothing to resume');
    }
    return db.withTransaction(async (tx) => {
      await store.setShutdown(tx, cycle.id, false, null);
      await recordAudit(tx, opts.operator, {
        action: 'budget.resume',
        target: cycle.id,
        reason: opts.reason,
        details: { shutdownReason: cycle.shutdownReason, shutdownAt: cycle.shutdownAt },
      });
      await emitEvent(tx, {
        kind: 'budget.shutdown',
        source: 'budget',
        level: 'HEALTHY',
        dedupKey: `budget.shutdown:${cycle.id}`,
        message: `emergency shutdown cleared by ${opts.operator.user}: ${opts.reason}`,
      });
      logger.warn({ cycle: cycle.id, operator: opts.operator.user, reason: opts.reason }, 'budget: emergency shutdown cleared');
      const rows = await store.buckets(tx, cycle.id);
      const stillOverCap = rows.filter((r) => r.allocatedCents > 0 && r.spentCents + r.reservedCents >= r.allocatedCents).map((r) => r.category);
      return { cycleId: cycle.id, stillOverCap };
    });
  }

  async function rolloverIfDue(): Promise<string | null> {
    if (config.budget.cycle === 'manual') return null;
    const cycle = await ensureCycle();
    const now = clock.date();
    const periodStart = config.budget.cycle === 'weekly' ? startOfIsoWeek(now) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    if (cycle.startedAt >= periodStart) return null;
    const result = await reset({ operator: { user: 'scheduler' }, reason: `${config.budget.cycle} roll-over`, confirm: true });
    return result.opened;
  }

  const extendLease = (reservationId: string, leaseMs: number) => store.extendLease(db, reservationId, leaseMs);
  async function draw(reservationId: string, cents: number, options: { key: string; operation: string; metadata?: Record<string, unknown> }): Promise<number> {
    if (!Number.isSafeInteger(cents) || cents < 0) throw new InvalidInputError(`budget: a draw must be whole cents >= 0 (got ${cents})`);
    if (cents === 0) return 0;
    const outcome = await store.retryOnDeadlock(() => db.withTransaction((tx) => store.draw(tx, { reservationId, cents, key: options.key, operation: options.operation, holder, metadata: options.metadata })));
    return outcome.cents;
  }
  const drawnFrom = (reservationId: string) => store.drawnFrom(db, reservationId);

  return { reserve, settle, release, record, guard, snapshot, detailed, reapExpired, extendLease, draw, drawnFrom, reset, resume, rolloverIfDue, ensureCycle };
}

/** One incident key per cycle and scope: a level incident escalates instead of opening another. */
const levelKey = (cycleId: string, scope: string) => `budget.level:${cycleId}:${scope}`;

/** The error for a refused reservation, with what was asked and what is left. */
function refuse(outcome: store.ReserveOutcome, request: ChargeRequest, criticalPct: number): never {
  switch (outcome.outcome) {
    case 'shutdown':
      throw new BudgetShutdownError(
        'budget: emergency shutdown is active; every paid call is refused until an operator runs studio budget resume',
        request.category,
      );
    case 'throttled': {
      // say the real reason: the category may be far from CRITICAL and only this hold would take it there
      const used = (outcome.spentCents ?? 0) + (outcome.reservedCents ?? 0);
      const allocated = outcome.allocatedCents ?? 0;
      const pct = (cents: number) => (allocated > 0 ? Math.round((cents * 1000) / allocated) / 10 : 0);
      const money = (cents: number) => `$${(cents / 100).toFixed(2)}`;
      const now = pct(used);
      const why =
        now >= criticalPct
          ? `${request.category} is CRITICAL at ${now}% (${money(used)} of ${money(allocated)})`
          : `${request.category} is at ${now}% (${money(used)} of ${money(allocated)}) and this ${money(request.estimateCents)} hold would take it to ${pct(used + request.estimateCents)}%, past CRITICAL (${criticalPct}%)`;
      throw new BudgetThrottledError(`budget: ${why}; non-critical ${request.service} ${request.operation} waits (or use a cheaper path)`, request.category);
    }
    case 'no_cycle':
      throw new NotFoundError('budget: no open budget cycle');
    default: {
      const used = (outcome.spentCents ?? 0) + (outcome.reservedCents ?? 0);
      throw new BudgetExceededError(
        `budget: ${request.category} would pass its cap: $${(used / 100).toFixed(2)} used + $${(request.estimateCents / 100).toFixed(2)} > $${((outcome.allocatedCents ?? 0) / 100).toFixed(2)}; nothing was charged`,
        request.category,
      );
    }
  }
}

/** The checks of reset and resume, for callers that must refuse before writing anything of their own. */
export function requireConfirmation(opts: { reason: string; confirm: boolean }, what: string): void {
  if (!opts.confirm) throw new ConfirmationRequiredError(`budget: ${what}; run again with --confirm --reason "..."`);
  if (!opts.reason || opts.reason.trim().length < 3) throw new InvalidInputError('budget: give a --reason (what was addressed), it goes to the audit log');
}

function startOfIsoWeek(date: Date): Date {
  const day = (date.getUTCDay() + 6) % 7; // Monday = 0
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - day));
}

/** Read-only helper for other modules: the ledger rows of one idea (what it has cost so far). */
export async function ideaSpend(db: Queryable, ideaId: string): Promise<{ cents: number; entries: store.LedgerEntry[] }> {
  const entries = await store.ledgerEntries(db, { ideaId, limit: 500 });
  return { cents: entries.filter((e) => e.state !== 'released').reduce((sum, e) => sum + e.amountCents, 0), entries };
}

/** A key replayed with other data: what the key recorded and how this request differs. Exit 1. */
export class IdempotencyConflictError extends AppError {
  constructor(message: string) {
    super('IDEMPOTENCY_CONFLICT', message);
  }
}

/**
 * Refuse a replay of `key` that asks for something else than what the key recorded (category, service,
 * operation, idea; and the amount for a recorded cost, whose amount is the cost itself; a reservation's
 * estimate may be recomputed on a retry, so it is not compared).
 */
function assertSameRequest(
  key: string,
  before: { category: string; service: string; operation: string; ideaId: string | null; amountCents: number; createdAt: Date },
  request: { category: string; service: string; operation: string; ideaId?: string; amountCents?: number },
  compareAmount: boolean,
): void {
  const differences: string[] = [];
  if (compareAmount && request.amountCents !== undefined && request.amountCents !== before.amountCents) differences.push(`amount ${formatDollars(request.amountCents)} instead of ${formatDollars(before.amountCents)}`);
  if (request.category !== before.category) differences.push(`category ${request.category} instead of ${before.category}`);
  if (request.service !== before.service) differences.push(`service "${request.service}" instead of "${before.service}"`);
  if (request.operation !== before.operation) differences.push(`operation "${request.operation}" instead of "${before.operation}"`);
  if ((request.ideaId ?? null) !== before.ideaId) differences.push(`idea ${request.ideaId ?? 'none'} instead of ${before.ideaId ?? 'none'}`);
  if (differences.length === 0) return;
  throw new IdempotencyConflictError(
    `budget: the idempotency key "${key}" already recorded ${formatDollars(before.amountCents)} to ${before.category} (${before.service} ${before.operation}) at ${before.createdAt.toISOString().slice(0, 19)}Z; this request differs (${differences.join('; ')}); nothing was charged. Use a new key for a different cost`,
  );
}
