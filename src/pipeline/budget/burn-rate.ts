/**
 * The one burn-rate definition, used by `studio budget status --detailed` and the console's budget panel:
 * settled spend per hour over the last 24 hours (or since the cycle began, if that is later), counted over
 * at least one hour so a young cycle's first charge does not read as a huge hourly rate. A recent window
 * rather than the cycle average, because the question it answers is "when will the cap be reached at the
 * pace we are spending now": a campaign started this morning must show, a quiet first week must not hide it.
 */
import type { Queryable } from '../../core/ports.js';
import { spendSince } from '../../storage/budget.js';

/** How far back the burn rate looks, ms. */
export const BURN_WINDOW_MS = 86_400_000;
/** The shortest span a rate is averaged over, ms. */
export const BURN_MIN_SPAN_MS = 3_600_000;

export interface BurnRate {
  burnRateCentsPerHour: number;
  /** When the total cap is reached at this rate; null when nothing burns. */
  projectedCapAt: Date | null;
  /** The start of the window the rate was measured over. */
  since: Date;
}

/** The window's start for a cycle that began at `cycleStart`, at `now`. */
export function burnWindowStart(cycleStart: Date, now: number): Date {
  const dayAgo = now - BURN_WINDOW_MS;
  return cycleStart.getTime() > dayAgo ? cycleStart : new Date(dayAgo);
}

/** The rate from what was spent in the window, and when `remainingCents` runs out at it. */
export function burnRateOf(spentInWindowCents: number, since: Date, now: number, remainingCents: number): BurnRate {
  const hours = Math.max(BURN_MIN_SPAN_MS, now - since.getTime()) / 3_600_000;
  const rate = Math.round(spentInWindowCents / hours);
  return { burnRateCentsPerHour: rate, projectedCapAt: rate > 0 ? new Date(now + (remainingCents / rate) * 3_600_000) : null, since };
}

/** Read the window's settled spend and compute the rate (one indexed sum over the cycle's ledger). */
export async function readBurnRate(db: Queryable, cycle: { cycleId: string; cycleStart: Date; remainingCents: number }, now: number): Promise<BurnRate> {
  const since = burnWindowStart(cycle.cycleStart, now);
  return burnRateOf(await spendSince(db, cycle.cycleId, since), since, now, cycle.remainingCents);
}
