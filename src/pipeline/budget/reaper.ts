/**
 * Lease reaping: a reservation whose holder stopped answering (its lease lapsed) is released, so a crashed
 * process never holds budget for ever. Reservations and snapshots reap at most every 30 s on the way.
 */
import * as store from '../../storage/budget.js';
import type { SentinelContext } from './context.js';
import { checkFallback } from './crossings.js';

export interface Reaper {
  /** Reap when the last reap is 30 s old or more. */
  maybeReap(): Promise<void>;
  /** Release reservations whose lease lapsed; returns how many. */
  reapExpired(): Promise<number>;
}

export function createReaper(ctx: SentinelContext): Reaper {
  const { db, clock, logger } = ctx;
  let lastReap = 0;

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
        if (result.cycleId && result.category) await checkFallback(ctx, result.cycleId, result.category);
        logger.warn({ reservation: row.id, holder: row.holder }, 'budget: released a reservation whose lease lapsed');
      }
    }
    return released;
  }

  return { maybeReap, reapExpired };
}
