/**
 * Runs the console full-screen: takes the alternate screen, renders the App, and gives the terminal back
 * (main screen, cursor shown) exactly once on every way out — `q`, ctrl-c, SIGINT, SIGTERM, SIGHUP, an
 * uncaught exception or an unhandled rejection. While it runs, `console.*` goes to `onConsoleOutput`.
 */
import React from 'react';
import { render } from 'ink';
import type { ConsoleApi } from '../core/console-api.js';
import type { Clock } from '../core/clock.js';
import { toError } from '../core/errors.js';
import { App } from './App.js';
import { ConsoleProvider } from './ConsoleApiContext.js';
import { captureConsole, type ConsoleLevel } from './capture-console.js';
import { detectColorMode, type ColorMode } from './theme.js';

export const ENTER_ALT_SCREEN = '\x1b[?1049h';
export const LEAVE_ALT_SCREEN = '\x1b[?1049l';
export const SHOW_CURSOR = '\x1b[?25h';

export interface RunConsoleOptions {
  api: ConsoleApi;
  /** Refuse every action with a message. @default false */
  readOnly?: boolean;
  /** Milliseconds between snapshot reads. @default 2000 */
  refreshMs?: number;
  /** @default process.stdout */
  stdout?: NodeJS.WriteStream;
  /** @default process.stdin */
  stdin?: NodeJS.ReadStream;
  /** @default detected once from the environment and stdout */
  colorMode?: ColorMode;
  /** Say DEMO in the header. @default false */
  demo?: boolean;
  clock?: Clock;
  /** Where `console.*` output goes while the console runs (e.g. the log file). @default dropped */
  onConsoleOutput?: (level: ConsoleLevel, text: string) => void;
  /**
   * Runs after the terminal is restored when a signal or a crash ends the process (close the database,
   * flush logs); given at most 3 s before the process exits anyway.
   */
  beforeExit?: () => Promise<void>;
  /** Process to hook signals and crash handlers on. @default process */
  process?: NodeJS.Process;
}

export interface ConsoleExit {
  /** How the console ended. */
  reason: 'quit' | 'signal' | 'crash';
  signal?: NodeJS.Signals;
  error?: Error;
}

const SIGNAL_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * Resolves once the console has ended and the terminal is restored. On a signal or a crash it also sets
 * `process.exitCode` (128 + signal, or 1) and then exits the process, after the restore.
 */
export async function runConsole(options: RunConsoleOptions): Promise<ConsoleExit> {
  const proc = options.process ?? process;
  const stdout = options.stdout ?? proc.stdout;
  const stdin = options.stdin ?? proc.stdin;
  const colorMode = options.colorMode ?? detectColorMode(proc.env, Boolean(stdout.isTTY));

  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      stdout.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
    } catch {
      // The terminal is gone (SIGHUP): nothing to restore.
    }
  };

  const releaseConsole = captureConsole(options.onConsoleOutput ?? (() => undefined));
  stdout.write(ENTER_ALT_SCREEN);

  let instance: ReturnType<typeof render> | undefined;
  let ended: ConsoleExit | undefined;
  const finish = (exit: ConsoleExit) => {
    if (ended) return;
    ended = exit;
    try {
      instance?.unmount();
    } catch {
      // Unmounting a crashed tree may throw; the restore below still runs.
    }
    restore();
    releaseConsole();
    removeHandlers();
    if (exit.reason === 'quit') return;
    if (exit.reason === 'crash') proc.stderr.write(`console: crashed: ${exit.error?.message ?? 'unknown error'}\n`);
    proc.exitCode = exit.reason === 'signal' ? (SIGNAL_CODES[exit.signal!] ?? 1) : 1;
    const cleanup = options.beforeExit?.().catch(() => undefined) ?? Promise.resolve();
    const deadline = new Promise((resolve) => setTimeout(resolve, 3000).unref());
    void Promise.race([cleanup, deadline]).then(() => proc.exit());
  };

  const onSignal = (signal: NodeJS.Signals) => finish({ reason: 'signal', signal });
  const onCrash = (error: unknown) => finish({ reason: 'crash', error: toError(error) });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) proc.on(s, onSignal);
  proc.on('uncaughtException', onCrash);
  proc.on('unhandledRejection', onCrash);
  // Last resort: an exit we did not see coming (process.exit elsewhere) still restores the screen.
  proc.on('exit', restore);
  function removeHandlers() {
    for (const s of signals) proc.off(s, onSignal);
    proc.off('uncaughtException', onCrash);
    proc.off('unhandledRejection', onCrash);
    proc.off('exit', restore);
  }

  try {
    instance = render(
      <ConsoleProvider api={options.api} readOnly={options.readOnly ?? false} colorMode={colorMode} clock={options.clock} demo={options.demo ?? false}>
        <App refreshMs={options.refreshMs ?? 2000} />
      </ConsoleProvider>,
      { stdout, stdin, exitOnCtrlC: true, patchConsole: false, maxFps: 20 },
    );
    await instance.waitUntilExit();
    finish({ reason: 'quit' });
  } catch (error) {
    finish({ reason: 'crash', error: toError(error) });
  }
  return ended!;
}
