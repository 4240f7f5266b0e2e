/**
 * Time arithmetic of schedules, on croner's pure functions (no timers): which slot a firing belongs to,
 * which slots were missed during downtime, which slot the dead-man check expects. And the one place
 * croner timers are started: `startTimers` fires `onSlot(job, slot)` with `protect` on.
 */
import { Cron } from 'croner';
import type { CatchUpPolicy } from '../core/jobs.js';
import { zoneOptions, type RegisteredJob } from './registry.js';

/** The slot a firing at `now` belongs to: the latest scheduled time at or before now. */
export function slotAt(pattern: Cron, now: Date): Date | undefined {
  // croner includes a run earlier in the same second as the reference but not one exactly at it;
  // one millisecond later makes "at or before now" exact.
  return pattern.previousRuns(1, new Date(now.getTime() + 1))[0];
}

/** The next slot strictly after `ref`. */
export function nextSlot(pattern: Cron, ref: Date): Date | undefined {
  return pattern.nextRun(ref) ?? undefined;
}

export interface CatchUpPlan {
  /** Slots to run now, oldest first. */
  run: Date[];
  /** The latest missed slot when the policy runs none: recorded as skipped. */
  skip?: Date;
}

/**
 * What to do about slots in (after, now] that nobody ran: none = run nothing (record the latest as
 * skipped), latest = run the latest, all = run them all, at most `limit` (the most recent ones).
 */
export function planCatchUp(pattern: Cron, policy: CatchUpPolicy, after: Date, now: Date, limit: number): CatchUpPlan {
  const wanted = policy === 'all' ? limit : 1;
  const missed = pattern
    .previousRuns(wanted, new Date(now.getTime() + 1))
    .filter((slot) => slot.getTime() > after.getTime())
    .reverse();
  if (missed.length === 0) return { run: [] };
  switch (policy) {
    case 'none':
      return { run: [], skip: missed[missed.length - 1] };
    case 'latest':
    case 'all':
      return { run: missed };
  }
}

/** The slot that should have a run row by `now` (its time is at least `graceMs` ago). */
export function expectedSlot(pattern: Cron, now: Date, graceMs: number): Date | undefined {
  return slotAt(pattern, new Date(now.getTime() - graceMs));
}

export interface Timers {
  stop(): void;
}

/**
 * Start one croner timer per job. `onSlot` runs the slot (its promise covers the whole run, so
 * `protect` blocks an overlapping firing in this process); `onBlocked` hears of a firing `protect`
 * refused. Neither may throw (croner's `catch` is on as a last guard).
 */
export function startTimers(
  jobs: RegisteredJob[],
  handlers: { onSlot(job: RegisteredJob, slot: Date): Promise<void>; onBlocked(job: RegisteredJob, slot: Date): void; now(): Date },
): Timers {
  const crons = jobs.map((job) => {
    const cron: Cron = new Cron(
      job.schedule,
      {
        ...zoneOptions(job.timezone),
        catch: true,
        protect: () => {
          const slot = slotAt(job.pattern, handlers.now());
          if (slot) handlers.onBlocked(job, slot);
        },
      },
      async () => {
        const slot = slotAt(job.pattern, handlers.now());
        if (slot) await handlers.onSlot(job, slot);
      },
    );
    return cron;
  });
  return {
    stop() {
      for (const cron of crons) cron.stop();
    },
  };
}
