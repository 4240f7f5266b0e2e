/** The clock's time, re-read every `everyMs` (the header clock). Stops when `paused`. */
import { useEffect, useState } from 'react';
import { useConsoleSettings } from '../ConsoleApiContext.js';

export function useNow(everyMs = 1000, paused = false): number {
  const { clock } = useConsoleSettings();
  const [now, setNow] = useState(() => clock.now());
  useEffect(() => {
    if (paused) return;
    setNow(clock.now());
    const timer = setInterval(() => setNow(clock.now()), everyMs);
    return () => clearInterval(timer);
  }, [clock, everyMs, paused]);
  return now;
}
