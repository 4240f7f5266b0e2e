/**
 * The budget sentinel: every paid call reserves its maximum cost first, then settles to the actual cost
 * or releases. The ledger lives in the database, so the caps hold across any number of workers and
 * processes, a crash loses nothing, and an idempotency key never charges twice.
 *
 * Levels (WARNING / CRITICAL / EMERGENCY) are computed from settled + reserved spend; each crossing fires
 * once per cycle and scope as an ops event (the incidents module turns it into an incident). EMERGENCY
 * sets the emergency shutdown and circuit breaker, persisted, and every paid call is refused until an
 * operator resumes.
 *
 * This file assembles the parts, one concern each: ledger.ts (reserve, settle, release, record, guard,
 * draws), crossings.ts (levels and their incidents), reaper.ts (lapsed leases), cycles.ts (open, reset,
 * resume, roll-over), status.ts (snapshot and detailed view), refusals.ts (the errors of a refusal).
 */
import { hostname } from 'node:os';
import type { Clock } from '../../core/clock.js';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { Operator } from '../../core/operator.js';
import type { BudgetSentinel, Database } from '../../core/ports.js';
import type { BudgetCategory } from '../../core/types.js';
import type * as store from '../../storage/budget.js';
import type { SentinelContext } from './context.js';
import type { LevelCrossing } from './crossings.js';
import { ensureCycle, resetCycle, resumeCycle, rolloverIfDue } from './cycles.js';
import { createLedger } from './ledger.js';
import { createReaper } from './reaper.js';
import { readDetailed, readSnapshot, type DetailedSnapshot } from './status.js';

export type { Operator };
export type { LevelCrossing } from './crossings.js';
export type { DetailedSnapshot } from './status.js';
export { requireConfirmation } from './cycles.js';
export { ideaSpend } from './ledger.js';
export { BudgetShutdownError, BudgetThrottledError, IdempotencyConflictError } from './refusals.js';

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

export interface Sentinel extends BudgetSentinel {
  /** Detailed status: reserved, burn rate, projected time to cap, top operations, cache savings. */
  detailed(): Promise<DetailedSnapshot>;
  /** Release reservations whose lease lapsed; returns how many. */
  reapExpired(): Promise<number>;
  /**
   * What snapshot() does before it reads: release lapsed reservations, at most every 30 s (the console
   * calls it before its own one-statement read of the budget).
   */
  maybeReap(): Promise<void>;
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
  // escrow shards: consecutive reservations of this process go to consecutive shards, from a random start
  let nextShard = Math.floor(Math.random() * 64);
  const ctx: SentinelContext = {
    db,
    config,
    clock,
    logger,
    holder: options.holder ?? `${hostname()}:${process.pid}`,
    thresholds: { warningPct: config.budget.warningPct, criticalPct: config.budget.criticalPct, emergencyPct: config.budget.emergencyPct },
    onLevelCrossed: options.onLevelCrossed,
    nextShard: () => nextShard++,
  };
  const reaper = createReaper(ctx);
  const ledger = createLedger(ctx, reaper);

  async function snapshot() {
    await reaper.maybeReap();
    return readSnapshot(ctx);
  }

  return {
    ...ledger,
    snapshot,
    detailed: async () => readDetailed(ctx, await snapshot()),
    reapExpired: reaper.reapExpired,
    maybeReap: reaper.maybeReap,
    reset: (opts) => resetCycle(ctx, opts),
    resume: (opts) => resumeCycle(ctx, opts),
    rolloverIfDue: () => rolloverIfDue(ctx),
    ensureCycle: () => ensureCycle(ctx),
  };
}
