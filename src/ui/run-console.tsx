/**
 * Runs the console full-screen: takes the alternate screen, renders the App, and gives the terminal back
 * (main screen, cursor shown) exactly once on every way out — `q`, ctrl-c, SIGINT, SIGTERM, SIGHUP, an
 * uncaught exception or an unhandled rejection. While it runs, `console.*` goes to `onConsoleOutput`.
 *
 * Then it stops what it hosts (`shutdown`: abort the running jobs, close the database) with the terminal
 * already back: the main screen says what it waits for (`stopping: pipeline.tick (RESEARCH "…") — q again
 * to force`), and a second `q`, ctrl-c or signal exits at once. A stop that hangs (a database that stopped
 * answering) is given up after `stopDeadlineMs`.
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
import { CLEAR_SCREEN, HIDE_CURSOR, Screen } from './screen.js';

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
   * Stops what the console hosts and closes the database (abort running jobs, close, flush logs). Runs
   * after the terminal is restored on every way out; a second q / ctrl-c / signal does not wait for it.
   */
  shutdown?: () => Promise<void>;
  /** What a stop waits for now (`pipeline.tick (RESEARCH "…")`), for the line printed while it stops. */
  stopping?: () => string[];
  /**
   * 'changes' (default): a read with the same content renders nothing and memoised panels skip, the
   * screen writer (src/ui/screen.ts) writes only the rows that changed and ticks the clock without a
   * render; 'full': every read re-renders every panel and Ink repaints the whole frame, as before #17
   * item 13 (a baseline for bench/console.bench.ts).
   * @default STUDIO_CONSOLE_REPAINT from the environment, else 'changes'
   */
  repaint?: 'changes' | 'full';
  /** Give up waiting for `shutdown` after this long and exit anyway. @default 5000 */
  stopDeadlineMs?: number;
  /** Process to hook signals and crash handlers on. @default process */
  process?: NodeJS.Process;
}

export interface ConsoleExit {
  /** How the console ended. */
  reason: 'quit' | 'signal' | 'crash';
  signal?: NodeJS.Signals;
  error?: Error;
  /** How the stop after it went: done, forced by a second q / ctrl-c / signal, or given up at the deadline. */
  stop?: 'clean' | 'forced' | 'gave-up';
}

/** Exit code of a quit forced with a second q or ctrl-c (as for an interrupt). */
export const FORCED_EXIT_CODE = 130;
/** Nothing said while stopping unless it takes longer than this (the usual stop is quicker). */
const QUIET_STOP_MS = 250;

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

  const repaint = options.repaint ?? (process.env.STUDIO_CONSOLE_REPAINT === 'full' ? 'full' : 'changes');
  const screen = repaint === 'changes' ? new Screen(stdout) : undefined;

  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    screen?.close(); // nothing drawn after this
    try {
      stdout.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
    } catch {
      // The terminal is gone (SIGHUP): nothing to restore.
    }
  };

  const releaseConsole = captureConsole(options.onConsoleOutput ?? (() => undefined));
  stdout.write(ENTER_ALT_SCREEN);
  if (screen) stdout.write(CLEAR_SCREEN + HIDE_CURSOR); // the screen writer draws rows from the top

  let instance: ReturnType<typeof render> | undefined;
  let ended: ConsoleExit | undefined;
  let force: (() => void) | undefined;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));

  const finish = (exit: ConsoleExit) => {
    if (ended) {
      // a second q / ctrl-c / signal while stopping: do not wait any longer (a late crash of aborted work does not count)
      if (exit.reason !== 'crash') force?.();
      return;
    }
    ended = exit;
    try {
      instance?.unmount();
    } catch {
      // Unmounting a crashed tree may throw; the restore below still runs.
    }
    restore();
    releaseConsole();
    if (exit.reason === 'crash') proc.stderr.write(`console: crashed: ${exit.error?.message ?? 'unknown error'}\n`);
    if (exit.reason !== 'quit') proc.exitCode = exit.reason === 'signal' ? (SIGNAL_CODES[exit.signal!] ?? 1) : 1;
    void stop().then((how) => {
      exit.stop = how;
      removeHandlers();
      if (how === 'forced') proc.exitCode = exit.reason === 'quit' ? FORCED_EXIT_CODE : (proc.exitCode ?? 1);
      if (how === 'gave-up' && exit.reason === 'quit') proc.exitCode = 1;
      // a signal, a crash or a forced quit ends the process here; a clean quit returns to the caller
      if (exit.reason !== 'quit' || how !== 'clean') proc.exit();
      done();
    });
  };

  /** Stop what the console hosts with the terminal back; say what it waits for; a second key forces. */
  async function stop(): Promise<'clean' | 'forced' | 'gave-up'> {
    if (!options.shutdown) return 'clean';
    let said = false;
    const say = () => {
      if (said) return;
      said = true;
      const waiting = safeList(options.stopping);
      write(`stopping: ${waiting.length ? waiting.join(', ') : 'closing the database'} — q again to force\n`);
    };
    const write = (text: string) => {
      try {
        stdout.write(text);
      } catch {
        // the terminal is gone (SIGHUP): nobody to tell
      }
    };
    if (safeList(options.stopping).length > 0) say();
    const sayLater = setTimeout(say, QUIET_STOP_MS);
    const forced = new Promise<'forced'>((resolve) => (force = () => resolve('forced')));
    // Ink has let go of the keyboard: listen for the second q / ctrl-c ourselves, in raw mode
    const onData = (data: Buffer | string) => {
      const text = String(data);
      if (text.includes('q') || text.includes('Q') || text.includes('\x03')) force?.();
    };
    const raw = typeof stdin.setRawMode === 'function' && stdin.isTTY;
    try {
      if (raw) stdin.setRawMode(true);
      stdin.on('data', onData);
      stdin.resume();
    } catch {
      // no keyboard (closed stdin): signals still force
    }
    let deadlineTimer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'gave-up'>((resolve) => (deadlineTimer = setTimeout(() => resolve('gave-up'), options.stopDeadlineMs ?? 5_000)));
    const how = await Promise.race([
      options.shutdown().then(
        () => 'clean' as const,
        () => 'clean' as const,
      ),
      forced,
      deadline,
    ]);
    clearTimeout(sayLater);
    clearTimeout(deadlineTimer);
    try {
      stdin.off('data', onData);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
    } catch {
      // as above
    }
    const left = safeList(options.stopping);
    if (how === 'forced') write(`forced: did not wait${left.length ? ` for ${left.join(', ')}` : ''}; interrupted work resumes on the next start (nothing is charged twice)\n`);
    if (how === 'gave-up') write(`gave up waiting${left.length ? ` for ${left.join(', ')}` : ' for the database to close'}; interrupted work resumes on the next start\n`);
    return how;
  }

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
      <ConsoleProvider api={options.api} readOnly={options.readOnly ?? false} colorMode={colorMode} clock={options.clock} demo={options.demo ?? false} liveCells={screen}>
        <App refreshMs={options.refreshMs ?? 2000} repaint={repaint} />
      </ConsoleProvider>,
      // with the screen writer, Ink hands over each frame whole (`debug`) and the writer draws the changed rows
      screen ? { stdout: screen.stream, stdin, exitOnCtrlC: true, patchConsole: false, debug: true } : { stdout, stdin, exitOnCtrlC: true, patchConsole: false, maxFps: 20 },
    );
    await instance.waitUntilExit();
    // (after a signal, the unmount above ends waitUntilExit too: that is not a second quit)
    if (!ended) finish({ reason: 'quit' });
  } catch (error) {
    if (!ended) finish({ reason: 'crash', error: toError(error) });
  }
  await finished;
  return ended!;
}

function safeList(fn: (() => string[]) | undefined): string[] {
  try {
    return fn?.() ?? [];
  } catch {
    return [];
  }
}
