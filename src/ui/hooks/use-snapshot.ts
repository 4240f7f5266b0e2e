/**
 * The refresh loop: reads one snapshot, waits `refreshMs` from the start of that read, reads the next.
 * Reads never overlap: a refresh asked for while one is in flight runs right after it. Pausing stops the
 * loop (the last snapshot stays on screen); a failed read keeps the last snapshot and reports the error.
 *
 * A watchdog: a read still waiting after twice the interval (at least 4 s) marks the data as hung — a
 * database that stopped answering sends no error, so without it the screen would look current forever.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConsoleSnapshot } from '../../core/console-api.js';
import { toError } from '../../core/errors.js';
import { useConsoleApi } from '../ConsoleApiContext.js';

export interface SnapshotState {
  snapshot: ConsoleSnapshot | null;
  /** The last read's error message, cleared by the next good read. */
  error: string | null;
  paused: boolean;
  /** When the read in flight started, once it has waited past the watchdog limit; null otherwise. */
  hungSince: number | null;
  /** When the read in flight started (ms epoch), null when none is. */
  readingSince(): number | null;
  refresh(): void;
  setPaused(paused: boolean): void;
  togglePaused(): void;
}

export function useSnapshot(refreshMs: number): SnapshotState {
  const api = useConsoleApi();
  const [snapshot, setSnapshot] = useState<ConsoleSnapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [paused, setPausedState] = useState(false);
  const [hungSince, setHungSince] = useState<number | null>(null);
  const watchdog = useRef<NodeJS.Timeout | null>(null);
  const startedAt = useRef<number | null>(null);

  const inFlight = useRef(false);
  const again = useRef(false);
  const timer = useRef<NodeJS.Timeout | null>(null);
  const alive = useRef(true);
  const pausedRef = useRef(false);

  const read = useCallback(async (): Promise<void> => {
    if (inFlight.current) {
      again.current = true;
      return;
    }
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    // No "loading" state: every state change is a frame, and each frame costs Ink a full repaint.
    inFlight.current = true;
    const started = Date.now();
    startedAt.current = started;
    // no state change (no frame) unless the read really hangs
    watchdog.current = setTimeout(() => alive.current && setHungSince(started), Math.max(2 * refreshMs, 4_000));
    try {
      const next = await api.snapshot();
      if (!alive.current) return;
      setSnapshot(next);
      setError(null); // no re-render when it was null already
    } catch (err) {
      if (!alive.current) return;
      setError(toError(err).message);
    } finally {
      inFlight.current = false;
      startedAt.current = null;
      if (watchdog.current) clearTimeout(watchdog.current);
      watchdog.current = null;
      if (alive.current) setHungSince(null);
      if (alive.current) {
        if (again.current) {
          again.current = false;
          void read();
        } else if (!pausedRef.current) {
          const wait = Math.max(0, refreshMs - (Date.now() - started));
          timer.current = setTimeout(() => void read(), wait);
        }
      }
    }
  }, [api, refreshMs]);

  useEffect(() => {
    alive.current = true;
    void read();
    return () => {
      alive.current = false;
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
      if (watchdog.current) clearTimeout(watchdog.current);
      watchdog.current = null;
    };
  }, [read]);

  const setPaused = useCallback(
    (value: boolean) => {
      pausedRef.current = value;
      setPausedState(value);
      if (value) {
        if (timer.current) clearTimeout(timer.current);
        timer.current = null;
      } else if (!inFlight.current && !timer.current) {
        void read();
      }
    },
    [read],
  );

  const togglePaused = useCallback(() => setPaused(!pausedRef.current), [setPaused]);
  const refresh = useCallback(() => void read(), [read]);

  const readingSince = useCallback(() => startedAt.current, []);
  return { snapshot, error, paused, hungSince, readingSince, refresh, setPaused, togglePaused };
}
