/**
 * How a command runs: build the app, run the body, close the app, and turn any error into one line and
 * an exit code. A body returns its exit code (or nothing for 0).
 */
import type { App, CreateAppOptions } from '../app/app.js';
import type { Config } from '../core/config.js';
import { isUsageError, type AppError } from '../core/errors.js';
import { reportError } from './output.js';

export type ExitCode = number | void;

/** Wrap a commander action so errors become one line and an exit code, never a stack. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<ExitCode>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? 0;
    } catch (error) {
      process.exitCode = reportError(error);
    }
  };
}

/**
 * Commands that only read state: they never create a database. On a STUDIO_HOME without one they exit 2
 * with one line naming the path and how to start (a cron job run from the wrong folder must not report an
 * all-clear from a new, empty database).
 */
export const READ_ONLY_COMMANDS = new Set([
  'health', 'db status', 'budget status', 'budget check', 'budget history', 'list', 'show', 'similar', 'report performance',
  'jobs list', 'jobs history', 'incidents list', 'incidents show', 'incidents maintenance list', 'backup list', 'pipeline status',
  'evidence status', 'logs', 'config', 'db psql',
]);

/**
 * The configuration from the environment and STUDIO_HOME/.env, its module loaded on first use: `--help`,
 * `--version` and a mistyped command do not pay for the settings table they never read.
 */
export async function loadConfig(): Promise<Config> {
  const { loadConfig: load } = await import('../core/config.js');
  return load();
}

/** Build the app (config, logger, database), run fn, always close. */
export async function withApp(options: CreateAppOptions, fn: (app: App) => Promise<ExitCode>): Promise<ExitCode> {
  const { createApp } = await import('../app/app.js');
  const readOnly = READ_ONLY_COMMANDS.has(String(options.logBase?.cmd ?? ''));
  const app = await createApp({ createDatabase: !readOnly, ...options });
  try {
    return await fn(app);
  } catch (error) {
    // a usage error is not a system error: one INFO line without a stack, so `logs --level ERROR` and
    // `logs --patterns` show only what went wrong in the system
    if (isUsageError(error)) app.logger.info({ cmd: options.logBase?.cmd, code: (error as AppError).code }, `command refused: ${(error as Error).message}`);
    else app.logger.error({ err: error, cmd: options.logBase?.cmd }, 'command failed');
    throw error;
  } finally {
    await app.close();
  }
}
