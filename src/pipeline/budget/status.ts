/** What the budget looks like now: the snapshot every caller reads, and the detailed view of `budget status --detailed`. */
import type { BudgetSnapshot, CategoryStatus } from '../../core/ports.js';
import { BUDGET_CATEGORIES, type BudgetCategory, worstLevel } from '../../core/types.js';
import * as store from '../../storage/budget.js';
import { cacheStats } from '../../storage/response-cache.js';
import { readBurnRate } from './burn-rate.js';
import type { SentinelContext } from './context.js';
import { ensureCycle } from './cycles.js';
import { levelFor, usagePct, type Thresholds } from './levels.js';

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

/** The open cycle's spend per category and in total, with their levels. */
export async function readSnapshot(ctx: SentinelContext): Promise<BudgetSnapshot> {
  const cycle = await ensureCycle(ctx);
  return snapshotOf(cycle, await store.buckets(ctx.db, cycle.id));
}

/** The snapshot of a cycle from its row and its buckets (the console reads both in its one refresh statement). */
export function snapshotOf(cycle: store.CycleRow, rows: store.BucketRow[]): BudgetSnapshot {
  const t: Thresholds = { warningPct: cycle.warningPct, criticalPct: cycle.criticalPct, emergencyPct: cycle.emergencyPct };
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

/** The snapshot with reserved, burn rate, projected time to cap, top operations, cache savings. */
export async function readDetailed(ctx: SentinelContext, base: BudgetSnapshot): Promise<DetailedSnapshot> {
  const { db, clock } = ctx;
  const cycle = (await store.getCycle(db, base.cycleId))!;
  // the one burn-rate definition (burn-rate.ts): the last 24 h, as the console shows it too
  const burn = await readBurnRate(db, { cycleId: base.cycleId, cycleStart: cycle.startedAt, remainingCents: base.total.remainingCents }, clock.now());
  return {
    ...base,
    reservedCents: base.total.reservedCents,
    burnRateCentsPerHour: burn.burnRateCentsPerHour,
    projectedCapAt: burn.projectedCapAt,
    topOperations: await store.topOperations(db, base.cycleId),
    cache: await cacheStats(db),
    shutdownAt: cycle.shutdownAt,
    shutdownReason: cycle.shutdownReason,
  };
}
