/**
 * `studio console`: the full-screen operator console (src/ui). Ink and React load inside the action, so
 * other commands never read them.
 *
 * Until the composition root provides the real `ConsoleApi`, only `--demo` (made-up data, labelled DEMO)
 * runs; `openConsoleApi` below is the one place to wire the real one.
 */
import type { Command } from 'commander';
import { userInfo } from 'node:os';
import type { ConsoleApi } from '../core/console-api.js';
import { parseDuration } from '../core/clock.js';
import { AppError, InvalidInputError } from '../core/errors.js';
import { action } from './run.js';

export interface ConsoleOptions {
  readOnly?: boolean;
  refresh: string;
  scheduler: boolean;
  demo?: boolean;
}

/** The smallest and largest refresh interval accepted. */
export const REFRESH_BOUNDS_MS = { min: 250, max: 600_000 };

export function parseRefresh(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw new InvalidInputError(`console: --refresh "${text}" is not a duration (like 2s or 500ms)`);
  }
  if (ms < REFRESH_BOUNDS_MS.min || ms > REFRESH_BOUNDS_MS.max) throw new InvalidInputError(`console: --refresh must be between 250ms and 10m (got ${text})`);
  return ms;
}

/** The operator at the keyboard: STUDIO_OPERATOR or the OS user, and the SSH client address if any. */
export function currentOperator(env: NodeJS.ProcessEnv = process.env): { user: string; sshClient?: string } {
  let user = env.STUDIO_OPERATOR;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = env.USER ?? 'unknown';
    }
  }
  const sshClient = (env.SSH_CLIENT ?? env.SSH_CONNECTION)?.split(' ')[0];
  return { user, sshClient: sshClient || undefined };
}

/**
 * The ConsoleApi for these options. The lead replaces the non-demo branch with the real api built by the
 * composition root (`src/app.ts`), hosting the scheduler unless `--no-scheduler`.
 */
async function openConsoleApi(opts: ConsoleOptions): Promise<{ api: ConsoleApi; demo: boolean }> {
  if (opts.demo) {
    const { createDemoApi } = await import('../ui/demo-api.js');
    const operator = currentOperator();
    return { api: createDemoApi({ operator: operator.user, sshClient: operator.sshClient, readOnly: opts.readOnly, schedulerHosted: opts.scheduler }), demo: true };
  }
  throw new AppError('CONSOLE_NOT_WIRED', 'console: the live console is not wired to the database yet; run studio console --demo to see it with made-up data');
}

export function registerConsole(program: Command): void {
  program
    .command('console')
    .description('the full-screen operator console: budget, services, KPIs, pipeline, jobs, incidents, logs, and recovery hotkeys')
    .option('--read-only', 'show everything, refuse every action')
    .option('--refresh <duration>', 'time between snapshot reads', '2s')
    .option('--no-scheduler', 'do not host the scheduler in this process')
    .option('--demo', 'made-up data (labelled DEMO), no database needed')
    .addHelpText(
      'after',
      `
Keys: ? help, tab focus, enter detail, / filter, space pause, r refresh, q quit;
x reset stuck idea, R resume after emergency, j run job, p pause job, P pause campaigns,
b backup now, a ack / s resolve incident, h health check. Needs a terminal (80x24 or larger).

Examples:
  studio console
  studio console --read-only --refresh 5s
  studio console --demo`,
    )
    .action(
      action(async (opts: ConsoleOptions) => {
        const refreshMs = parseRefresh(opts.refresh);
        if (!process.stdout.isTTY || !process.stdin.isTTY) {
          throw new InvalidInputError('console: needs a terminal (stdin and stdout must be a TTY); for scripts use studio budget status, studio health --json');
        }
        const { api, demo } = await openConsoleApi(opts);
        const { runConsole } = await import('../ui/run-console.js');
        try {
          const exit = await runConsole({ api, demo, readOnly: opts.readOnly ?? false, refreshMs, beforeExit: () => api.close() });
          return exit.reason === 'quit' ? 0 : 1;
        } finally {
          await api.close();
        }
      }),
    );
}
