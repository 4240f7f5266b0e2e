/**
 * Logging: pino JSON lines to `logs/pipeline.log`, level names in upper case (so the manual's
 * `grep -E "(ERROR|CRITICAL|WARNING)"` works), secrets redacted by key and by pattern. While the console
 * owns the screen nothing goes to stdout; the headless scheduler adds stdout.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type pino from 'pino';
import { ConfigError } from './errors.js';
import { redactText, redactValue } from './redact.js';

/**
 * pino, evaluated on first use. A one-shot command that logs nothing (`budget status` from a watch loop,
 * a cron `health`) never runs pino's modules and what they load (worker_threads, assert): ~10-15 ms of
 * its CPU. In the bundle `require` is the one each chunk gets (scripts/build.mjs), and esbuild keeps
 * pino inside the bundle as a module evaluated when this first calls it; from source (tests, tsx) it is
 * Node's.
 */
function loadPino(): typeof pino {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous, deferred load is the point
  return (typeof require === 'function' ? require('pino') : createRequire(import.meta.url)('pino')) as typeof pino;
}

export type Logger = pino.Logger;

/** pino's level names, as the manual's grep expects them. `warn` is written WARNING, `fatal` CRITICAL. */
const LEVEL_NAMES: Record<string, string> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

export interface LoggerOptions {
  /** Log file; its directory is created. Omit for no file. */
  file?: string;
  level?: string;
  /** Also write JSON lines to stdout (headless scheduler). @default false */
  stdout?: boolean;
  /** Bound fields on every line, e.g. `{ proc: 'scheduler' }`. */
  base?: Record<string, unknown>;
}

export interface LogHandle {
  logger: Logger;
  /** Reopen the file after rotation moved it away. */
  reopen(): void;
  /** Flush what is buffered. */
  flush(): void;
}

export function createLogger(options: LoggerOptions = {}): LogHandle {
  if (options.file) {
    try {
      mkdirSync(dirname(options.file), { recursive: true });
      // opened (created) now as before, so a file this user may not write is refused at start with one
      // line, whether or not the command ever logs; pino opens it again on the first line
      closeSync(openSync(options.file, 'a'));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw error;
      // another user's STUDIO_HOME (a cron job run as the wrong user): one line that says what to do
      throw new ConfigError(`log: no permission to write the log file ${options.file} (${code}); run studio as the user who owns STUDIO_HOME, or set STUDIO_LOG_FILE to a file this user may write`, { cause: error });
    }
  }
  // lines written since the last flush: a command that logged nothing skips the flush's fsync (~10 ms of
  // CPU and a disk round trip for every `studio budget status` run from a watch or cron loop)
  let unflushed = false;
  let fileStream: ReturnType<typeof pino.destination> | undefined;
  const build = (): pino.Logger => {
    const p = loadPino();
    const streams: pino.StreamEntry[] = [];
    if (options.file) {
      fileStream = p.destination({ dest: options.file, sync: true, mkdir: true });
      streams.push({ stream: fileStream, level: (options.level ?? 'info') as pino.Level });
    }
    if (options.stdout) streams.push({ stream: p.destination({ dest: 1, sync: true }), level: (options.level ?? 'info') as pino.Level });
    return p(
      {
        level: options.level ?? 'info',
        base: { pid: process.pid, ...options.base },
        timestamp: p.stdTimeFunctions.isoTime,
        formatters: {
          level: (label) => ({ level: LEVEL_NAMES[label] ?? label.toUpperCase() }),
          log: (object) => redactValue(object) as Record<string, unknown>,
        },
        hooks: {
          logMethod(args, method) {
            unflushed = true;
            const cleaned = args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as Parameters<typeof method>;
            method.apply(this, cleaned);
          },
        },
        serializers: { err: (error: unknown) => redactValue(error) },
      },
      streams.length === 0 ? p.destination({ dest: '/dev/null', sync: true }) : p.multistream(streams),
    );
  };
  const lazy = deferred(build);
  return {
    logger: lazy.logger,
    // not built yet: nothing is open to reopen, and the first line opens the file at its path then
    reopen: () => fileStream?.reopen(),
    flush: () => {
      if (!unflushed) return;
      unflushed = false;
      try {
        fileStream?.flushSync();
      } catch {
        // nothing buffered (sync mode) or already closed
      }
    },
  };
}

/**
 * A logger that is built by `build` on its first use (any property: a log call, `child`, `level`) and is
 * that logger from then on. Passing it around, as every factory does, does not build it.
 */
function deferred(build: () => pino.Logger): { logger: Logger } {
  let real: pino.Logger | undefined;
  const bound = new Map<PropertyKey, unknown>();
  const target = () => (real ??= build());
  const logger = new Proxy({} as pino.Logger, {
    get(_shell, key) {
      const r = target();
      const value: unknown = Reflect.get(r, key, r);
      if (typeof value !== 'function') return value;
      // pino's methods use `this`; one bound copy per method, so `logger.info === logger.info`
      let fn = bound.get(key) as { orig: unknown; fn: unknown } | undefined;
      if (fn?.orig !== value) bound.set(key, (fn = { orig: value, fn: (value as (...a: unknown[]) => unknown).bind(r) }));
      return fn.fn;
    },
    set: (_shell, key, value) => Reflect.set(target(), key, value),
    has: (_shell, key) => Reflect.has(target(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(target()),
  });
  return { logger };
}

/** A logger that writes nowhere (tests, one-shot helpers). */
export function silentLogger(): Logger {
  return loadPino()({ level: 'silent' });
}
