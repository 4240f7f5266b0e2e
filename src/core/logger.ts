/**
 * Logging: pino JSON lines to `logs/pipeline.log`, level names in upper case (so the manual's
 * `grep -E "(ERROR|CRITICAL|WARNING)"` works), secrets redacted by key and by pattern. While the console
 * owns the screen nothing goes to stdout; the headless scheduler adds stdout.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import { ConfigError } from './errors.js';
import { redactText, redactValue } from './redact.js';

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
  const streams: pino.StreamEntry[] = [];
  let fileStream: ReturnType<typeof pino.destination> | undefined;
  if (options.file) {
    try {
      mkdirSync(dirname(options.file), { recursive: true });
      fileStream = pino.destination({ dest: options.file, sync: true, mkdir: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw error;
      // another user's STUDIO_HOME (a cron job run as the wrong user): one line that says what to do
      throw new ConfigError(`log: no permission to write the log file ${options.file} (${code}); run studio as the user who owns STUDIO_HOME, or set STUDIO_LOG_FILE to a file this user may write`, { cause: error });
    }
    streams.push({ stream: fileStream, level: (options.level ?? 'info') as pino.Level });
  }
  // lines written since the last flush: a command that logged nothing skips the flush's fsync (~10 ms of
  // CPU and a disk round trip for every `studio budget status` run from a watch or cron loop)
  let unflushed = false;
  if (options.stdout) streams.push({ stream: pino.destination({ dest: 1, sync: true }), level: (options.level ?? 'info') as pino.Level });
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
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
    streams.length === 0 ? pino.destination({ dest: '/dev/null', sync: true }) : pino.multistream(streams),
  );
  return {
    logger,
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

/** A logger that writes nowhere (tests, one-shot helpers). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
