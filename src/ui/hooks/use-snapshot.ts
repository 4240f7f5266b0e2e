/**
 * The refresh loop: reads one snapshot, waits `refreshMs` from the start of that read, reads the next.
 * Reads never overlap: a refresh asked for while one is in flight runs right after it. Pausing stops the
 * loop (the last snapshot stays on screen); a failed read keeps the last snapshot and reports the error.
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
  refresh(): void;
  setPaused(paused: boolean): void;
  togglePaused(): void;
}

export function useSnapshot(refreshMs: number): SnapshotState {
  const api = useConsoleApi();
  const [snapshot, setSnapshot] = useState<ConsoleSnapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [paused, setPausedState] = useState(false);

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

  return { snapshot, error, paused, refresh, setPaused, togglePaused };
}
