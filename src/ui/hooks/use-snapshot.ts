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
import { useConsoleSettings } from '../ConsoleApiContext.js';
import { formatAge, nextAgeChangeAt } from '../ages.js';

export interface SnapshotState {
  /**
   * The last snapshot whose content changed. A read that brings the same content (all but `takenAt` and
   * `readMs`) keeps the previous object, so memoised panels see the same props and nothing re-renders.
   */
  snapshot: ConsoleSnapshot | null;
  /**
   * When the last good read was taken (ms epoch): moves with every read, even one with the same content.
   * A function, not state: a read with the same content renders nothing; the header reads this on its
   * own 1 s tick (and on any render), so 'data as of' is at most a tick behind.
   */
  takenAt(): number | null;
  /** The last read's error message, cleared by the next good read. */
  error: string | null;
  paused: boolean;
  /** When the read in flight started, once it has waited past the watchdog limit; null otherwise. */
  hungSince: number | null;
  /** When the read in flight started (ms epoch), null when none is. */
  readingSince(): number | null;
  /** Resolves when the read in flight (if any) has finished, well or not. */
  settled(): Promise<void>;
  refresh(): void;
  setPaused(paused: boolean): void;
  togglePaused(): void;
}

/**
 * What a snapshot says, without when it was read and how long that took: equal keys, equal screens. Two
 * figures are counted from the read's time and so moved with every read: an idea's time held in its stage
 * (`heldForMs`) counts as the time it entered, and the budget's projected cap time as the time left until
 * it, formatted as the panel shows it (`cap in ~2d 1h`). An idle console with a stuck idea on screen, or
 * with any spend in the last 24 h, drew every panel each second; now those move on with the other ages.
 */
export function snapshotContentKey(s: ConsoleSnapshot): string {
  return contentParts(s).join('');
}

/**
 * The content key in parts: the arrays the backend hands back unchanged (below) are the same string
 * objects from read to read, so comparing them costs nothing.
 */
function contentParts(s: ConsoleSnapshot): string[] {
  return [restKey(s), jsonOnce(s.kpis), jsonOnce(s.incidents), jsonOnce(s.logs)];
}

/** The content key of all but the KPIs, the incidents and the log tail. */
function restKey(s: ConsoleSnapshot): string {
  const { takenAt, readMs: _readMs, logs: _logs, kpis: _kpis, incidents: _incidents, ...content } = s;
  const at = takenAt.getTime();
  const stuck = content.pipeline.stuck.map((i) => ({ ...i, heldForMs: at - i.heldForMs }));
  // as the panel shows it: the projection is spend over a window that moves with every read, so the raw
  // figure drifts by milliseconds each second (an embedded console with any spend drew every panel each second)
  const capIn = content.budget.projectedCapAt ? formatAge(content.budget.projectedCapAt.getTime() - at) : null;
  return JSON.stringify({ ...content, pipeline: { ...content.pipeline, stuck }, budget: { ...content.budget, projectedCapAt: capIn } });
}

// The backend hands back the same arrays while nothing changed: the log tail while the log file is the
// same (tailLogLines), the KPIs (with their histories) and the incidents while their fingerprints hold
// (console-backend.ts). Their JSON (the tail alone up to 500 lines, ~75 KB) is made once per array, not on
// every read.
const json = new WeakMap<object, string>();
function jsonOnce(value: object): string {
  let key = json.get(value);
  if (key === undefined) {
    key = JSON.stringify(value);
    json.set(value, key);
  }
  return key;
}

/**
 * When a snapshot with the same content as `kept` must still replace it (ms epoch): without the screen
 * writer's live cells, when an age or run time on screen would read differently (`nextAgeChangeAt`: every
 * second under two minutes, else every minute or hour); with them never — the writer moves the ages itself.
 */
export function redrawAt(kept: ConsoleSnapshot, agesLive: boolean): number {
  return agesLive ? Infinity : nextAgeChangeAt(kept);
}

/** `dedupe: false` is the old behaviour (every read a new object, every panel re-rendered), for the bench. */
export function useSnapshot(refreshMs: number, { dedupe = true }: { dedupe?: boolean } = {}): SnapshotState {
  const { api, liveCells } = useConsoleSettings();
  const agesLive = liveCells !== undefined;
  const [snapshot, setSnapshot] = useState<ConsoleSnapshot | null>(null);
  const takenAtRef = useRef<number | null>(null);
  const contentKey = useRef<string[] | null>(null);
  const keptUntil = useRef(0);
  const [error, setError] = useState<string | null>(null);
  const [paused, setPausedState] = useState(false);
  const [hungSince, setHungSince] = useState<number | null>(null);
  const watchdog = useRef<NodeJS.Timeout | null>(null);
  const startedAt = useRef<number | null>(null);

  const inFlight = useRef(false);
  const finished = useRef<{ promise: Promise<void>; resolve: () => void } | null>(null);
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
    let resolve = () => {};
    finished.current = { promise: new Promise<void>((r) => (resolve = r)), resolve };
    const started = Date.now();
    startedAt.current = started;
    // no state change (no frame) unless the read really hangs
    watchdog.current = setTimeout(() => alive.current && setHungSince(started), Math.max(2 * refreshMs, 4_000));
    try {
      const next = await api.snapshot();
      if (!alive.current) return;
      takenAtRef.current = next.takenAt.getTime(); // before any render this read causes
      const key = dedupe ? contentParts(next) : null;
      const kept = contentKey.current;
      // identical content is taken again only when something on screen would read differently (redrawAt)
      const changed = key === null || kept === null || key.some((part, i) => part !== kept[i]);
      if (changed || next.takenAt.getTime() >= keptUntil.current) {
        contentKey.current = key;
        keptUntil.current = redrawAt(next, agesLive);
        setSnapshot(next);
      }
      setError(null); // no re-render when it was null already
    } catch (err) {
      if (!alive.current) return;
      setError(toError(err).message);
    } finally {
      inFlight.current = false;
      finished.current?.resolve();
      finished.current = null;
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
  }, [api, refreshMs, dedupe, agesLive]);

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
  const takenAt = useCallback(() => takenAtRef.current, []);
  const settled = useCallback(() => finished.current?.promise ?? Promise.resolve(), []);
  return { snapshot, takenAt, error, paused, hungSince, readingSince, settled, refresh, setPaused, togglePaused };
}
