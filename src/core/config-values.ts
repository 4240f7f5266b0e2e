/**
 * The kinds of value a setting takes, each a parse function from the text a user writes to what studio
 * uses: amounts in cents, durations in ms, booleans, cron patterns, host lists. `config-settings.ts` gives
 * each setting one of them; a kind's value type is the type of the setting's value.
 *
 * Plain functions, not a schema library: every command reads the whole table at start-up, and a
 * one-shot client (`watch -n 1 studio budget status`) should not pay for compiling one.
 */
import { Cron } from 'croner';
import { parseDollars } from './money.js';
import { parseDuration } from './clock.js';

/** What a kind makes of a text: the value, or what is wrong with it (the error line says what is expected). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; issue: string };
/** A kind of value: parses the text a user wrote. */
export type ValueKind<T> = (text: string) => Parsed<T>;
/** The value type of a kind. */
export type ValueOf<K> = K extends ValueKind<infer T> ? T : never;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const issue = (message: string): Parsed<never> => ({ ok: false, issue: message });

export const text: ValueKind<string> = (v) => (v.length > 0 ? ok(v) : issue('empty'));

/** Anything the WHATWG URL parser accepts, trimmed, without the tabs and line breaks that parser drops. */
export const url: ValueKind<string> = (v) => {
  const trimmed = v.trim();
  return URL.canParse(trimmed) ? ok(trimmed.replace(/[\t\n\r]/g, '')) : issue('not a URL');
};

/** Text matching `pattern` in full (the pattern carries its own ^ and $). */
export const matching = (pattern: RegExp): ValueKind<string> => (v) => (pattern.test(v) ? ok(v) : issue(`does not match ${pattern}`));

/** One of `choices`, exactly as written (case included). */
export const oneOf =
  <const C extends readonly string[]>(...choices: C): ValueKind<C[number]> =>
  (v) =>
    choices.includes(v) ? ok(v as C[number]) : issue('not one of the choices');

/** 123-456-7890 or 1234567890, kept as digits. */
export const adsCustomerId: ValueKind<string> = (v) => (/^\d{3}-?\d{3}-?\d{4}$/.test(v) ? ok(v.replace(/-/g, '')) : issue('not a customer id'));

/** A finite number from `min` to `max`, read as JavaScript's Number() reads text. */
export const number =
  (min: number, max: number): ValueKind<number> =>
  (v) => {
    const n = Number(v);
    if (!Number.isFinite(n)) return issue('not a number');
    return n < min || n > max ? issue('out of range') : ok(n);
  };

/** A whole number (a safe integer) from `min` to `max`. */
export const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): ValueKind<number> =>
  (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) return issue('not a whole number');
    return n < min || n > max ? issue('out of range') : ok(n);
  };

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];
export const bool: ValueKind<boolean> = (v) => (TRUE.includes(v) ? ok(true) : FALSE.includes(v) ? ok(false) : issue('not true or false'));

export const dollars: ValueKind<number> = (v) => {
  try {
    const cents = parseDollars(v);
    return cents < 0 ? issue('negative') : ok(cents);
  } catch {
    return issue('not an amount');
  }
};

/** A duration with its unit (500ms, 2s, 5m, 1h, 7d) between `min` and `max` (written the same way). */
export const durationIn =
  (min: string, max: string): ValueKind<number> =>
  (v) => {
    // a bare number is refused: STUCK_AFTER=6 meant 6 hours, not 6 ms
    if (!/^\s*\d+(?:\.\d+)?\s*(ms|s|m|h|d|w)\s*$/i.test(v)) return issue('not a duration with a unit');
    const ms = parseDuration(v);
    return ms < parseDuration(min) || ms > parseDuration(max) ? issue('out of range') : ok(ms);
  };
/** The error line's "what is accepted" for a duration setting. */
export const between = (min: string, max: string) => `a duration from ${min} to ${max} with its unit (ms, s, m, h, d)`;
/** A duration between `min` and `max`, or `0` for "never" (a feature switched off). */
export const durationOrNever = (min: string, max: string): ValueKind<number> => {
  const duration = durationIn(min, max);
  return (v) => (v === '0' ? ok(0) : duration(v));
};

/**
 * A cron pattern (UTC) that runs at least once in the next year: '0 0 31 2 *' never would. `checked` is
 * the setting's default, taken as it is (test/core/config-ranges.test.ts checks every default with
 * `cronIssue`): computing a next run costs ~1 ms, and every command reads the configuration.
 */
export const cronPattern =
  (checked: string): ValueKind<string> =>
  (v) => {
    if (v === checked) return ok(v);
    const problem = cronIssue(v);
    return problem ? issue(problem) : ok(v);
  };

/** What is wrong with a cron pattern (UTC), or undefined. */
export function cronIssue(pattern: string): string | undefined {
  let next: Date | null;
  try {
    // UTC as a fixed offset: croner's `timezone: 'UTC'` would start Intl's time-zone data (~50 ms)
    next = new Cron(pattern, { paused: true, utcOffset: 0 }).nextRun();
  } catch {
    return 'not a cron pattern';
  }
  return !next || next.getTime() - Date.now() > 366 * 86_400_000 ? 'never runs' : undefined;
}

/** A PostgreSQL URL: postgres:// or postgresql:// (a mysql:// URL would be tried on port 5432). */
export const postgresUrl: ValueKind<string> = (v) => {
  const parsed = url(v);
  return parsed.ok && !/^postgres(ql)?:\/\//i.test(parsed.value) ? issue('not a postgres URL') : parsed;
};
export const percent = number(1, 1000);

export const httpProbes: ValueKind<Array<{ name: string; url: string }>> = (v) => {
  const out: Array<{ name: string; url: string }> = [];
  for (const item of v.split(',').map((x) => x.trim()).filter(Boolean)) {
    const match = /^([a-z][a-z0-9_.-]{0,40})=(https?:\/\/\S+)$/i.exec(item);
    if (!match) return issue('not name=url');
    out.push({ name: match[1]!, url: match[2]! });
  }
  return ok(out);
};

/** A byte count: 1048576, 512kb, 1mb. */
export const bytes: ValueKind<number> = (v) => {
  const match = /^(\d+)\s*(b|kb|k|mb|m)?$/i.exec(v.trim());
  const unit = { b: 1, k: 1024, kb: 1024, m: 1024 * 1024, mb: 1024 * 1024 }[(match?.[2] ?? 'b').toLowerCase() as 'b'];
  const n = match ? Number(match[1]) * unit : NaN;
  return !Number.isSafeInteger(n) || n < 1024 ? issue('not a size') : ok(n);
};

/** host, host:port, an IPv4 address (with :port) or an IPv6 one ([::1]:8080), comma separated. */
export const hostList: ValueKind<Array<{ host: string; port?: number }>> = (v) => {
  const out: Array<{ host: string; port?: number }> = [];
  for (const item of v.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean)) {
    const match = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(item) ?? /^([0-9a-f]*:[0-9a-f:.]*:[0-9a-f:.]*)()$/.exec(item) ?? /^([a-z0-9][a-z0-9.-]*)(?::(\d{1,5}))?$/.exec(item);
    const port = match?.[2] ? Number(match[2]) : undefined;
    if (!match || (port !== undefined && (port < 1 || port > 65535))) return issue('not host[:port]');
    out.push(port === undefined ? { host: match[1]! } : { host: match[1]!, port });
  }
  return ok(out);
};
