/**
 * Time is passed in, never read from the global clock inside the domain, so tests can move it.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  date(): Date;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  date: () => new Date(),
};

/** A clock tests drive by hand. */
export function createManualClock(start: number | Date = Date.UTC(2026, 0, 1)): Clock & {
  advance(ms: number): void;
  set(ms: number | Date): void;
} {
  let current = typeof start === 'number' ? start : start.getTime();
  return {
    now: () => current,
    date: () => new Date(current),
    advance(ms) {
      current += ms;
    },
    set(ms) {
      current = typeof ms === 'number' ? ms : ms.getTime();
    },
  };
}

/**
 * Wait `ms`, or less when `signal` aborts: it resolves either way (never rejects), so a loop simply looks
 * at the signal afterwards. The timer is cleared and the listener removed on both paths, so neither a
 * long wait nor a long-lived signal leaks.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A duration such as "500ms", "2s", "5m", "1h", "7d" (or a bare number of ms) in milliseconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(text);
  if (!match) throw new RangeError(`"${text}" is not a duration (like 500ms, 2s, 5m, 1h, 7d)`);
  const value = Number(match[1]);
  const unit = (match[2] ?? 'ms').toLowerCase();
  const factor: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
  return Math.round(value * (factor[unit] ?? 1));
}

/** "3h 12m", "45s", "2d 4h": a short human duration. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '∞';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms / 1000));
  if (rest < 60) return `${sign}${rest}s`;
  const d = Math.floor(rest / 86_400);
  rest -= d * 86_400;
  const h = Math.floor(rest / 3_600);
  rest -= h * 3_600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  if (d > 0) return `${sign}${d}d ${h}h`;
  if (h > 0) return `${sign}${h}h ${m}m`;
  return `${sign}${m}m ${s}s`;
}

/** Capped exponential backoff: base, 2x base, 4x base ... never more than max. */
export function retryDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
