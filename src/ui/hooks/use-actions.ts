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

export interface Actions {
  running: RunningAction[];
  notice: Notice | null;
  /** False (and a message) when the console is read-only. */
  allowed(label: string): boolean;
  run(label: string, fn: (onProgress: (message: string) => void) => Promise<ActionResult>): Promise<ActionResult | null>;
  say(text: string, tone?: NoticeTone): void;
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

  const say = useCallback((text: string, tone: NoticeTone = 'info') => setNotice({ text, tone }), []);

  const allowed = useCallback(
    (label: string) => {
      if (!readOnly) return true;
      setNotice({ text: `${READ_ONLY_MESSAGE}: ${label} not done`, tone: 'bad' });
      return false;
    },
    [readOnly],
  );

  const run = useCallback(
    async (label: string, fn: (onProgress: (message: string) => void) => Promise<ActionResult>) => {
      if (readOnly) {
        setNotice({ text: `${READ_ONLY_MESSAGE}: ${label} not done`, tone: 'bad' });
        return null;
      }
      const id = nextId.current++;
      setRunning((list) => [...list, { id, label, progress: null }]);
      setNotice({ text: `${label}…`, tone: 'info' });
      const onProgress = (message: string) => {
        if (alive.current) setRunning((list) => list.map((a) => (a.id === id ? { ...a, progress: message } : a)));
      };
      let result: ActionResult;
      try {
        result = await fn(onProgress);
      } catch (err) {
        result = { ok: false, message: `${label} failed: ${toError(err).message}` };
      }
      if (alive.current) {
        setRunning((list) => list.filter((a) => a.id !== id));
        setNotice({ text: result.message, tone: result.ok ? 'ok' : 'bad' });
        onDone();
      }
      return result;
    },
    [readOnly, onDone],
  );

  return { running, notice, allowed, run, say };
}
