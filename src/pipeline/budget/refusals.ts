/**
 * The budget's refusals: the errors a paid call meets when the ledger says no (shutdown, throttled, cap),
 * and the check that an idempotency key replayed with other data is refused.
 */
import { AppError, BudgetExceededError, NotFoundError } from '../../core/errors.js';
import { formatDollars } from '../../core/money.js';
import type { ChargeRequest } from '../../core/ports.js';
import type * as store from '../../storage/budget.js';

/** Refused because non-critical work waits while the budget is CRITICAL (the caller may downgrade). */
export class BudgetThrottledError extends BudgetExceededError {}

/** Refused because the emergency shutdown is active. */
export class BudgetShutdownError extends BudgetExceededError {}

/** A key replayed with other data: what the key recorded and how this request differs. Exit 1. */
export class IdempotencyConflictError extends AppError {
  constructor(message: string) {
    super('IDEMPOTENCY_CONFLICT', message);
  }
}

/** The error for a refused reservation, with what was asked and what is left. */
export function refuse(outcome: store.RefusedReserve, request: ChargeRequest, criticalPct: number): never {
  switch (outcome.outcome) {
    case 'shutdown':
      throw new BudgetShutdownError(
        'budget: emergency shutdown is active; every paid call is refused until an operator runs studio budget resume',
        request.category,
      );
    case 'throttled': {
      // say the real reason: the category may be far from CRITICAL and only this hold would take it there
      const used = outcome.spentCents + outcome.reservedCents;
      const allocated = outcome.allocatedCents;
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
    case 'cap': {
      const used = outcome.spentCents + outcome.reservedCents;
      throw new BudgetExceededError(
        `budget: ${request.category} would pass its cap: $${(used / 100).toFixed(2)} used + $${(request.estimateCents / 100).toFixed(2)} > $${(outcome.allocatedCents / 100).toFixed(2)}; nothing was charged`,
        request.category,
      );
    }
  }
}

/**
 * Refuse a replay of `key` that asks for something else than what the key recorded (category, service,
 * operation, idea; and the amount for a recorded cost, whose amount is the cost itself; a reservation's
 * estimate may be recomputed on a retry, so it is not compared).
 */
export function assertSameRequest(
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
