/**
 * While the console owns the screen nothing else may write to it: `captureConsole(sink)` sends
 * `console.log/info/debug/warn/error/trace` to `sink` (the caller routes it to the log file) until the
 * returned function is called, which puts the originals back. SDKs that print with `console.error`
 * (posthog-node on a dead host) land in the sink instead of on the Ink frame.
 */
import { format } from 'node:util';

export type ConsoleLevel = 'log' | 'info' | 'debug' | 'warn' | 'error' | 'trace';

export const CAPTURED_METHODS: ConsoleLevel[] = ['log', 'info', 'debug', 'warn', 'error', 'trace'];

export function captureConsole(sink: (level: ConsoleLevel, text: string) => void, target: Console = console): () => void {
  const originals = new Map<ConsoleLevel, Console[ConsoleLevel]>();
  for (const level of CAPTURED_METHODS) {
    originals.set(level, target[level]);
    target[level] = (...args: unknown[]) => {
      try {
        sink(level, format(...args));
      } catch {
        // A failing sink must not crash the console or write to the screen.
      }
    };
  }
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    for (const [level, fn] of originals) target[level] = fn as never;
  };
}
