/**
 * Budget cycles: the open cycle (created from the configuration when there is none), the audited reset
 * and resume, and the weekly/monthly roll-over.
 */
import { ConfirmationRequiredError, ConflictError, InvalidInputError, NotFoundError } from '../../core/errors.js';
import type { Operator } from '../../core/operator.js';
import type { BudgetCategory } from '../../core/types.js';
import { recordAudit } from '../../storage/audit.js';
import * as store from '../../storage/budget.js';
import { emitEvent } from '../../storage/events.js';
import type { SentinelContext } from './context.js';

/** The open cycle, created from the configuration if there is none. */
export async function ensureCycle(ctx: SentinelContext): Promise<store.CycleRow> {
  const { db, config, clock, logger } = ctx;
  const open = await store.openCycle(db);
  if (open) return open;
  await db.withTransaction(async (tx) => {
    const created = await store.insertCycle(tx, {
      totalCents: config.budget.totalCents,
      allocations: config.budget.categories,
      ...ctx.thresholds,
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

/** Close the cycle and open a new one (audited). */
export async function resetCycle(ctx: SentinelContext, opts: { operator: Operator; reason: string; confirm: boolean }): Promise<{ closed: string | null; opened: string }> {
  const { db, config, clock, logger } = ctx;
  requireConfirmation(opts, 'budget reset closes the current cycle and starts a new one with a fresh $ allocation');
  const now = clock.date();
  return db.withTransaction(async (tx) => {
    const open = await store.openCycle(tx);
    if (open) await store.closeCycle(tx, open.id, opts.operator.user, opts.reason, now);
    const created = await store.insertCycle(tx, {
      totalCents: config.budget.totalCents,
      allocations: config.budget.categories,
      ...ctx.thresholds,
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

/** Clear an emergency shutdown (audited). */
export async function resumeCycle(ctx: SentinelContext, opts: { operator: Operator; reason: string; confirm: boolean }): Promise<{ cycleId: string; stillOverCap: BudgetCategory[] }> {
  const { db, logger } = ctx;
  requireConfirmation(opts, 'budget resume lets paid calls through again after an emergency shutdown');
  const cycle = await ensureCycle(ctx);
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

/** Open a new cycle when BUDGET_CYCLE is weekly/monthly and the period turned; returns the new id. */
export async function rolloverIfDue(ctx: SentinelContext): Promise<string | null> {
  const { config, clock } = ctx;
  if (config.budget.cycle === 'manual') return null;
  const cycle = await ensureCycle(ctx);
  const now = clock.date();
  const periodStart = config.budget.cycle === 'weekly' ? startOfIsoWeek(now) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  if (cycle.startedAt >= periodStart) return null;
  const result = await resetCycle(ctx, { operator: { user: 'scheduler' }, reason: `${config.budget.cycle} roll-over`, confirm: true });
  return result.opened;
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
