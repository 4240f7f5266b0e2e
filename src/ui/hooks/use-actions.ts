/**
 * Runs operator actions without freezing the screen: each action is a promise the refresh loop does not
 * wait for; its progress messages and its result land in state the footer shows. In read-only mode
 * every action is refused here, in one place, with a message.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ActionResult } from '../../core/console-api.js';
import { toError } from '../../core/errors.js';
import { useConsoleSettings } from '../ConsoleApiContext.js';

export interface RunningAction {
  id: number;
  label: string;
  progress: string | null;
}

export type NoticeTone = 'ok' | 'bad' | 'info';

export interface Notice {
  text: string;
  tone: NoticeTone;
}

/** How long a message stays on the status line: results and notes go, failures stay longer. */
export const NOTICE_TTL_MS: Record<NoticeTone, number> = { ok: 10_000, info: 8_000, bad: 30_000 };

/**
 * The tone of an action's result: a failure, or a success that reports a bad state (a health check
 * answering CRITICAL, a backup that failed verification), is bad — shown red with ✗, never a green ✓.
 */
export function resultTone(result: ActionResult): NoticeTone {
  if (!result.ok) return 'bad';
  return /\b(CRITICAL|EMERGENCY|WARNING|FAILED|DEGRADED)\b/.test(result.message) ? 'bad' : 'ok';
}

export interface Actions {
  running: RunningAction[];
  notice: Notice | null;
  /** False (and a message) when the console is read-only. */
  allowed(label: string): boolean;
  run(label: string, fn: (onProgress: (message: string) => void) => Promise<ActionResult>): Promise<ActionResult | null>;
  /** Show a message; the function returned takes it back if it is still shown (it stopped being true). */
  say(text: string, tone?: NoticeTone): () => void;
}

export const READ_ONLY_MESSAGE = 'read-only console: actions are refused (started with --read-only)';

export function useActions(onDone: () => void): Actions {
  const { readOnly } = useConsoleSettings();
  const [running, setRunning] = useState<RunningAction[]>([]);
  const [notice, setNotice] = useState<Notice | null>(null);
  const nextId = useRef(1);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  // every message expires: an old result must not hide what is true now
  const expiry = useRef<NodeJS.Timeout | null>(null);
  const show = useCallback((next: Notice) => {
    if (expiry.current) clearTimeout(expiry.current);
    setNotice(next);
    expiry.current = setTimeout(() => {
      expiry.current = null;
      if (alive.current) setNotice((n) => (n === next ? null : n));
    }, NOTICE_TTL_MS[next.tone]);
  }, []);
  useEffect(
    () => () => {
      if (expiry.current) clearTimeout(expiry.current);
    },
    [],
  );
  const runningLabels = useRef(new Set<string>());

  const say = useCallback(
    (text: string, tone: NoticeTone = 'info') => {
      const notice = { text, tone };
      show(notice);
      return () => {
        if (alive.current) setNotice((n) => (n === notice ? null : n));
      };
    },
    [show],
  );

  const allowed = useCallback(
    (label: string) => {
      if (!readOnly) return true;
      show({ text: `${READ_ONLY_MESSAGE}: ${label} not done`, tone: 'bad' });
      return false;
    },
    [readOnly, show],
  );

  const run = useCallback(
    async (label: string, fn: (onProgress: (message: string) => void) => Promise<ActionResult>) => {
      if (readOnly) {
        show({ text: `${READ_ONLY_MESSAGE}: ${label} not done`, tone: 'bad' });
        return null;
      }
      // the same action twice (two b presses, two backups) is refused while the first runs
      if (runningLabels.current.has(label)) {
        show({ text: `${label} is already running; wait for it to finish`, tone: 'bad' });
        return null;
      }
      runningLabels.current.add(label);
      const id = nextId.current++;
      setRunning((list) => [...list, { id, label, progress: null }]);
      show({ text: `${label}…`, tone: 'info' });
      const onProgress = (message: string) => {
        if (alive.current) setRunning((list) => list.map((a) => (a.id === id ? { ...a, progress: message } : a)));
      };
      let result: ActionResult;
      try {
        result = await fn(onProgress);
      } catch (err) {
        result = { ok: false, message: `${label} failed: ${toError(err).message}` };
      } finally {
        runningLabels.current.delete(label);
      }
      if (alive.current) {
        setRunning((list) => list.filter((a) => a.id !== id));
        show({ text: result.message, tone: resultTone(result) });
        onDone();
      }
      return result;
    },
    [readOnly, onDone, show],
  );

  return { running, notice, allowed, run, say };
}
