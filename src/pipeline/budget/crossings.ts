/**
 * Level crossings: each level a scope (a category, or `total`) reaches is recorded once per cycle and
 * fires one `budget.level` ops event (the incidents module turns it into an incident); EMERGENCY sets the
 * persisted shutdown. When money goes back and usage falls below a crossed level, the crossing is
 * forgotten and an event at the level now resolves the incident.
 */
import type { BudgetCategory, Level } from '../../core/types.js';
import * as store from '../../storage/budget.js';
import { emitEvent } from '../../storage/events.js';
import type { SentinelContext } from './context.js';
import { levelFor, levelsUpTo, usagePct, type Thresholds } from './levels.js';

export interface LevelCrossing {
  cycleId: string;
  /** A budget category, or `total`. */
  scope: string;
  level: Level;
  usagePct: number;
}

/** One incident key per cycle and scope: a level incident escalates instead of opening another. */
const levelKey = (cycleId: string, scope: string) => `budget.level:${cycleId}:${scope}`;

/** Fire the crossings this usage reached, once per cycle; shut down at EMERGENCY. */
export async function checkLevels(ctx: SentinelContext, cycleId: string, category: BudgetCategory, used: number, allocated: number): Promise<void> {
  const { db, logger } = ctx;
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
    if (ctx.onLevelCrossed) {
      for (const crossed of recorded) {
        try {
          ctx.onLevelCrossed({ cycleId, scope, level: crossed, usagePct: pct });
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
export async function checkFallback(ctx: SentinelContext, cycleId: string, category: BudgetCategory): Promise<void> {
  const { db, logger } = ctx;
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
