/**
 * The budget by hand: status (one burn-rate definition, src/pipeline/budget/burn-rate.ts), record a cost
 * known from outside, close the cycle (with its archive), resume after an emergency shutdown, history.
 */
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from '../app.js';
import type { BudgetSnapshot, Reservation } from '../../core/ports.js';
import type { BudgetCategory } from '../../core/types.js';
import { requireConfirmation, type DetailedSnapshot } from '../../pipeline/budget/sentinel.js';
import { readBurnRate, type BurnRate } from '../../pipeline/budget/burn-rate.js';
import { recordAudit } from '../../storage/audit.js';
import { buckets, getCycle, listCycles, topOperations, type CycleRow } from '../../storage/budget.js';
import type { Operator } from './context.js';

type BudgetDeps = Pick<App, 'db' | 'config' | 'clock' | 'logger' | 'budget'>;

export type { BudgetSnapshot, BurnRate, DetailedSnapshot };

/** The budget now; `detailed` adds reserved money, burn rate, projection, top operations, cache savings. */
export async function budgetStatus(deps: BudgetDeps, options: { detailed?: boolean } = {}): Promise<BudgetSnapshot | DetailedSnapshot> {
  return options.detailed ? deps.budget.detailed() : deps.budget.snapshot();
}

/** The burn rate of a snapshot's cycle (the console's budget panel; the same number `--detailed` prints). */
export function budgetBurnRate(deps: Pick<App, 'db' | 'clock'>, s: BudgetSnapshot): Promise<BurnRate> {
  return readBurnRate(deps.db, { cycleId: s.cycleId, cycleStart: s.cycleStart, remainingCents: s.total.remainingCents }, deps.clock.now());
}

/** Why paid calls are stopped, when they are. */
export async function shutdownReason(deps: Pick<App, 'db'>, s: BudgetSnapshot): Promise<string | null> {
  if (!s.emergencyShutdown) return null;
  return (await getCycle(deps.db, s.cycleId))?.shutdownReason ?? null;
}

/** The most expensive operations of the current cycle. */
export async function budgetByOperation(deps: BudgetDeps, limit = 20) {
  const s = await deps.budget.snapshot();
  return topOperations(deps.db, s.cycleId, limit);
}

export interface RecordCostArgs {
  category: BudgetCategory;
  amountCents: number;
  service: string;
  operation: string;
  idempotencyKey?: string;
}

/** A cost known from outside (an invoice): refused with nothing written past a cap; the same key charges once. Audited. */
export async function recordCost(deps: BudgetDeps, operator: Operator, args: RecordCostArgs): Promise<Reservation> {
  const reservation = await deps.budget.record({
    category: args.category,
    amountCents: args.amountCents,
    strictAmount: true,
    service: args.service,
    operation: args.operation,
    idempotencyKey: args.idempotencyKey ?? `record:${args.service}:${args.operation}`,
    metadata: { operator: operator.user, source: 'budget record' },
  });
  if (!reservation.replayed) {
    await recordAudit(deps.db, operator, { action: 'budget.record', target: reservation.id, details: { ...args } });
  }
  deps.logger.info({ category: args.category, cents: args.amountCents, service: args.service, operation: args.operation, replayed: reservation.replayed }, 'budget: cost recorded');
  return reservation;
}

export interface ResetResult {
  closed: string | null;
  opened: string;
  /** Where the closed cycle's logs and final budget were copied. */
  archive: string;
  /** Usage of the closed cycle when it closed, percent. */
  closedUsagePct: number;
}

/**
 * Close the cycle and open a new one (needs confirm and a reason; audited by the sentinel in the reset's
 * transaction). The cycle's logs and final budget are archived first: a copy is harmless if the reset
 * then fails, a reset without its archive is not.
 */
export async function resetBudget(deps: BudgetDeps, operator: Operator, args: { confirm: boolean; reason: string; statusJson: (s: DetailedSnapshot) => unknown }): Promise<ResetResult> {
  // a refusal writes nothing: the reset's own checks run before the archive is written
  requireConfirmation(args, 'budget reset closes the cycle');
  const current = await deps.budget.snapshot();
  // archive first, under a .partial name renamed once the reset is done: a reset without its archive is
  // not acceptable, and a failed reset leaves no archive behind
  const stamp = deps.clock.date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '_');
  const archive = join(deps.config.paths.archives, `budget_cycle_${stamp}`);
  const partial = `${archive}.partial`;
  let result: Awaited<ReturnType<typeof deps.budget.reset>>;
  try {
    mkdirSync(partial, { recursive: true });
    if (existsSync(deps.config.paths.logs)) cpSync(deps.config.paths.logs, join(partial, 'logs'), { recursive: true });
    writeFileSync(join(partial, 'budget.json'), `${JSON.stringify(args.statusJson(await deps.budget.detailed()), null, 2)}\n`);
    result = await deps.budget.reset({ operator, reason: args.reason, confirm: args.confirm });
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
  renameSync(partial, archive);
  return { ...result, archive, closedUsagePct: current.total.usagePercentage };
}

/** Clear an emergency shutdown (needs confirm and a reason; audited by the sentinel in its transaction). */
export function resumeBudget(deps: BudgetDeps, operator: Operator, args: { confirm: boolean; reason: string }) {
  return deps.budget.resume({ operator, reason: args.reason, confirm: args.confirm });
}

export interface CycleSummary {
  cycle: CycleRow;
  spentCents: number;
}

/** Cycles newest first, with what each spent. */
export async function budgetHistory(deps: BudgetDeps, args: { limit: number }): Promise<CycleSummary[]> {
  await deps.budget.ensureCycle();
  const cycles = await listCycles(deps.db, Math.max(1, args.limit));
  const out: CycleSummary[] = [];
  for (const cycle of cycles) out.push({ cycle, spentCents: (await buckets(deps.db, cycle.id)).reduce((sum, x) => sum + x.spentCents, 0) });
  return out;
}
