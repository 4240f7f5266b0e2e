/**
 * `true` while `value` changed less than `ms` ago (never on first render): panels use it to flash a
 * value that just moved. It sets no timer and no state: the change time is noted during render and
 * compared with the clock on each later render, so a flash costs no extra frame (every frame costs
 * Ink a full repaint of the buffer). The flash therefore ends on the first render after `ms`, which the
 * refresh loop (or the paused clock) brings within a second or two. Compared by `String(value)`.
 */
import { useRef } from 'react';
import { useConsoleSettings } from '../ConsoleApiContext.js';

/** How long a changed value stays highlighted, at least. @default 1500 ms */
export const FLASH_MS = 1500;

export function useFlash(value: unknown, ms = FLASH_MS): boolean {
  const { clock } = useConsoleSettings();
  const key = value instanceof Date ? String(value.getTime()) : String(value);
  const seen = useRef<{ key: string; changedAt: number } | null>(null);
  const now = clock.now();
  if (seen.current === null) seen.current = { key, changedAt: -Infinity };
  else if (seen.current.key !== key) seen.current = { key, changedAt: now };
  return now - seen.current.changedAt < ms;
}
