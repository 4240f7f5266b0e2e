/**
 * Plain-text formatting for the console's cells: money, ages, bars, sparklines, padding. Pure functions
 * of their arguments (the current time is passed in), so panels render the same frame for the same data.
 */
import { formatDollars } from '../core/money.js';
import { formatDuration } from '../core/clock.js';
import { visibleControls } from '../core/terminal-text.js';
import { padToWidth, truncateToWidth } from '../core/text-width.js';

export { formatDollars, formatDuration };

/** "$1.23" — dollars from cents. */
export const money = (cents: number): string => formatDollars(cents);

/** "12m ago", "in 3m", "-" for null. */
export function ago(at: Date | null | undefined, now: number): string {
  if (!at) return '-';
  const ms = now - at.getTime();
  return ms >= 0 ? `${formatDuration(ms)} ago` : `in ${formatDuration(-ms)}`;
}

export function until(at: Date | null | undefined, now: number): string {
  if (!at) return '-';
  const ms = at.getTime() - now;
  return ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} late`;
}

/** "18:42:07" in UTC. */
export function clockTime(at: Date): string {
  return at.toISOString().slice(11, 19);
}

/** "11-28 18:42" in UTC. */
export function shortDateTime(at: Date): string {
  return at.toISOString().slice(5, 16).replace('T', ' ');
}

/** A bar of `width` cells filled to `fraction` (0..1, clipped). */
export function bar(fraction: number, width: number): string {
  const w = Math.max(0, Math.floor(width));
  const filled = Math.round(Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0)) * w);
  return '█'.repeat(filled) + '░'.repeat(w - filled);
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** The last `width` values as a sparkline, scaled between their min and max. */
export function sparkline(values: number[], width: number): string {
  const tail = values.filter((v) => Number.isFinite(v)).slice(-Math.max(0, width));
  if (tail.length === 0) return '';
  const min = Math.min(...tail);
  const max = Math.max(...tail);
  const span = max - min;
  return tail.map((v) => SPARKS[span === 0 ? 3 : Math.min(7, Math.floor(((v - min) / span) * 8))]).join('');
}

/**
 * Cut to `width` terminal columns with an ellipsis; control characters shown as `\x1b` (terminal-text.ts),
 * an escape kept or left out whole (never `\u20…`). Columns, not characters: a CJK title or an emoji takes
 * two, a combining mark none (text-width.ts).
 */
export function truncate(raw: string, width: number): string {
  return truncateToWidth(raw, width, visibleControls);
}

/** Pad (or cut) to exactly `width` terminal columns. */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  return padToWidth(truncate(text, width), width, align);
}

/** A number with its unit, e.g. "3.2 h", "87 ms", "64 %". */
export function withUnit(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return '-';
  const rounded = Math.abs(value) >= 100 ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, '');
  return unit === '%' ? `${rounded}%` : `${rounded} ${unit}`;
}

/** Does `text` match the filter (case-insensitive substring; empty filter matches everything)? */
export function matches(text: string, filter: string): boolean {
  return filter === '' || text.toLowerCase().includes(filter.toLowerCase());
}
