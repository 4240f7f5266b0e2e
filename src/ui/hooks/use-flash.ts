/**
 * `true` while `value` changed less than `ms` ago (never on first render): panels use it to flash a
 * value that just moved. The change time is noted during render and compared with the clock; a value
 * that flashes sets one timer to render its own component again when the flash is over, so the flash
 * ends on time and costs one small render, not a frame of every panel (the refresh loop renders only
 * when the content changed, so nothing else would end it). Compared by `String(value)`.
 */
import { useEffect, useReducer, useRef } from 'react';
import { useConsoleSettings } from '../ConsoleApiContext.js';

/** How long a changed value stays highlighted. @default 1500 ms */
export const FLASH_MS = 1500;

export function useFlash(value: unknown, ms = FLASH_MS): boolean {
  const { clock } = useConsoleSettings();
  const key = value instanceof Date ? String(value.getTime()) : String(value);
  const seen = useRef<{ key: string; changedAt: number } | null>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const now = clock.now();
  if (seen.current === null) seen.current = { key, changedAt: -Infinity };
  else if (seen.current.key !== key) seen.current = { key, changedAt: now };
  const left = seen.current.changedAt + ms - now;
  useEffect(() => {
    if (left <= 0) return;
    const timer = setTimeout(rerender, left);
    return () => clearTimeout(timer);
  }, [left]);
  return left > 0;
}
