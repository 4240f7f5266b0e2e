/**
 * `true` for `ms` after `value` changed (never on first render): panels use it to flash a value that
 * just moved. Compared by `String(value)`, so dates and numbers work alike.
 */
import { useEffect, useRef, useState } from 'react';

/** How long a changed value stays highlighted. @default 1500 ms */
export const FLASH_MS = 1500;

export function useFlash(value: unknown, ms = FLASH_MS): boolean {
  const key = value instanceof Date ? String(value.getTime()) : String(value);
  const previous = useRef(key);
  const [flashing, setFlashing] = useState(false);
  useEffect(() => {
    if (previous.current === key) return;
    previous.current = key;
    setFlashing(true);
    const timer = setTimeout(() => setFlashing(false), ms);
    return () => clearTimeout(timer);
  }, [key, ms]);
  return flashing;
}
