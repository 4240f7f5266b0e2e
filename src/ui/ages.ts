/**
 * Ages and run times as the list panels show them (#17 item 13, "cheap when idle"), and when such a
 * text changes next.
 *
 * Lists show ages the way k9s does: to the second only under two minutes (`45s`, `119s`), then whole
 * minutes (`2m`, `59m`), then hours and minutes (`1h 5m`), then days and hours (`3d 4h`). Ages are
 * truncated, never rounded up: a thing 59.9 s old is `59s`. Detail views keep seconds (`formatDuration`).
 * A job's next run is the time it is due (`next 07:14`), not a countdown: `due 07:14` in its first minute
 * past due, `late 07:14` after that; more than a day away (or late) the date comes first (`next 12-13 02:00`).
 * All times UTC, as everywhere on the console.
 *
 * So an age under two minutes changes every second, one under a day every minute, an older one every hour,
 * and a run time only when it becomes due, late or within a day. `nextAgeChangeAt` finds the earliest of
 * those for a whole snapshot: the console draws ages again then, not on a fixed period.
 */
import type { ConsoleSnapshot } from '../core/console-api.js';
import { shortDateTime } from './format.js';

const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Ages below this show seconds. */
export const SECONDS_BELOW_MS = 2 * MINUTE;
/** A job this long past due is `late`; before that `due`. */
export const LATE_AFTER_MS = MINUTE;

/** `45s`, `119s`, `2m`, `59m`, `1h 5m`, `3d 4h`; `0s` for a time ahead of ours (clock skew). */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return '∞';
  const s = Math.max(0, Math.floor(ms / SECOND));
  if (s * SECOND < SECONDS_BELOW_MS) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** "12m ago", "-" for null. */
export function agoText(at: Date | null | undefined, now: number): string {
  return at ? `${formatAge(now - at.getTime())} ago` : '-';
}

/** When (ms epoch, after `now`) the age of something that happened at `at` shows a different text. */
export function ageChangesAt(at: number, now: number): number {
  if (now < at) return at + SECOND; // shown as 0s until a second has passed
  const age = now - at;
  const step = age < SECONDS_BELOW_MS ? SECOND : age < DAY ? MINUTE : HOUR;
  return at + (Math.floor(age / step) + 1) * step;
}

/** "07:14" within a day of `now`, else "12-13 02:00". */
const runTime = (at: number, now: number) => (Math.abs(at - now) < DAY ? new Date(at).toISOString().slice(11, 16) : shortDateTime(new Date(at)));

/** `next 07:14`, `due 07:14` (up to a minute past), `late 07:14`, `next 12-13 02:00`; `next -` when none. */
export function nextRunText(at: Date | null | undefined, now: number): string {
  if (!at) return 'next -';
  const t = at.getTime();
  const word = t >= now ? 'next' : now - t < LATE_AFTER_MS ? 'due' : 'late';
  return `${word} ${runTime(t, now)}`;
}

/** When (after `now`) `nextRunText` for a run due at `at` changes: it comes within a day, falls due, turns late, is a day late. */
export function nextRunChangesAt(at: number, now: number): number {
  return Math.min(...[at - DAY, at + 1, at + LATE_AFTER_MS, at + DAY].filter((t) => t > now), Infinity);
}

/**
 * The earliest time (ms epoch) after the snapshot's `takenAt` at which an age or run time its panels show
 * would read differently; Infinity when none would. Counts every age the panels can show (services'
 * checks, incidents, stuck / parked / waiting ideas, jobs' last and next runs): a superset of what one
 * layout has on screen, so never late.
 */
export function nextAgeChangeAt(s: ConsoleSnapshot): number {
  const now = s.takenAt.getTime();
  let next = Infinity;
  const age = (at: number) => (next = Math.min(next, ageChangesAt(at, now)));
  for (const service of s.services) if (!service.live && service.checkedAt) age(service.checkedAt.getTime());
  for (const incident of s.incidents) age(incident.openedAt.getTime());
  for (const idea of s.pipeline.stuck) age(now - idea.heldForMs);
  for (const job of s.jobs) {
    if (job.lastRunAt) age(job.lastRunAt.getTime());
    if (job.nextRunAt && !job.paused) next = Math.min(next, nextRunChangesAt(job.nextRunAt.getTime(), now));
  }
  return next;
}
