/**
 * Maintenance windows: while one is open, incidents from its sources are still recorded (with a
 * "silenced" timeline entry) but nobody is notified. If the problem outlasts the window, the next
 * observation after it notifies as usual.
 *
 * Scheduled maintenance wraps its work:
 *
 * ```ts
 * await withMaintenanceWindow(db, { reason: 'weekly VACUUM ANALYZE', sources: ['service:database'], durationMs: 30 * 60_000 }, () => vacuum());
 * ```
 *
 * Source patterns match an incident's source, kind or dedup key; `*` matches anything
 * (`service:*`, `job.*`, `*`).
 */
import type { Clock } from '../../core/clock.js';
import { formatDuration, systemClock } from '../../core/clock.js';
import { InvalidInputError } from '../../core/errors.js';
import type { Queryable } from '../../core/ports.js';
import {
  activeMaintenanceWindows,
  closeMaintenanceWindow as closeWindowRow,
  insertMaintenanceWindow,
  type MaintenanceWindow,
} from '../../storage/incidents.js';

export type { MaintenanceWindow };

export interface MaintenanceWindowRequest {
  /** What the maintenance is, shown on the silenced incidents. */
  reason: string;
  /** Source patterns to silence: 'service:database', 'job.*', '*'. */
  sources: string[];
  /** Upper bound: the window ends by itself after this long even if never closed, in ms. */
  durationMs: number;
  /** Who opened it. @default 'scheduler' */
  openedBy?: string;
  /** Longest window allowed, ms. @default MAINTENANCE_WINDOW_MAX_MS (7 days) */
  maxDurationMs?: number;
  clock?: Clock;
}

/** "7d", "12h", else "3h 12m". */
const spoken = (ms: number) => (ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : formatDuration(ms));

/** Longest window when the caller gives no limit (config: MAINTENANCE_WINDOW_MAX). @default 7 days */
export const MAINTENANCE_WINDOW_MAX_MS = 7 * 86_400_000;

export async function openMaintenanceWindow(db: Queryable, request: MaintenanceWindowRequest): Promise<MaintenanceWindow> {
  if (request.reason.trim().length < 3) throw new InvalidInputError('incidents: a maintenance window needs a --reason saying what the maintenance is (3 characters or more)');
  if (request.sources.length === 0) throw new InvalidInputError('incidents: a maintenance window needs at least one source pattern (use "*" for all)');
  if (!(request.durationMs > 0)) throw new InvalidInputError('incidents: a maintenance window needs a positive duration');
  // a window silences alerts: an unbounded one would silence them for good
  const maxMs = request.maxDurationMs ?? MAINTENANCE_WINDOW_MAX_MS;
  if (request.durationMs > maxMs) {
    throw new InvalidInputError(`incidents: a maintenance window may last at most ${spoken(maxMs)} (MAINTENANCE_WINDOW_MAX); ${spoken(request.durationMs)} asked. Open a shorter one and extend it when needed`);
  }
  const now = (request.clock ?? systemClock).date();
  return insertMaintenanceWindow(db, {
    reason: request.reason,
    sources: request.sources,
    startsAt: now,
    endsAt: new Date(now.getTime() + request.durationMs),
    openedBy: request.openedBy ?? 'scheduler',
  });
}

export async function closeMaintenanceWindow(db: Queryable, id: number, clock: Clock = systemClock): Promise<void> {
  await closeWindowRow(db, id, clock.date());
}

/** Open a window, run fn, close the window (also when fn throws). Returns what fn returns. */
export async function withMaintenanceWindow<T>(db: Queryable, request: MaintenanceWindowRequest, fn: (window: MaintenanceWindow) => Promise<T>): Promise<T> {
  const window = await openMaintenanceWindow(db, request);
  try {
    return await fn(window);
  } finally {
    await closeMaintenanceWindow(db, window.id, request.clock ?? systemClock);
  }
}

/** Whether a pattern ('*', 'service:*', 'job.failed') matches a value. */
export function patternMatches(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(value);
}

/** The open window (if any) silencing something with this source, kind and dedup key at `at`. */
export async function silencingWindow(db: Queryable, subject: { source: string; kind: string; dedupKey: string }, at: Date): Promise<MaintenanceWindow | null> {
  const windows = await activeMaintenanceWindows(db, at);
  return windows.find((w) => w.sources.some((p) => patternMatches(p, subject.source) || patternMatches(p, subject.kind) || patternMatches(p, subject.dedupKey))) ?? null;
}

export { activeMaintenanceWindows };
