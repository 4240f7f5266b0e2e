/**
 * The kinds of value a setting takes, as zod schemas from the text a user writes to what studio uses:
 * amounts in cents, durations in ms, booleans, cron patterns, host lists. `config-settings.ts` gives each
 * setting one of them; a schema's output type is the type of the setting's value.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import { parseDollars } from './money.js';
import { parseDuration } from './clock.js';

export const text = z.string().min(1);
export const url = z.string().url();
/** 123-456-7890 or 1234567890, kept as digits. */
export const adsCustomerId = z.string().regex(/^\d{3}-?\d{3}-?\d{4}$/).transform((v) => v.replace(/-/g, ''));
export const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
export const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']).transform((v) => ['true', '1', 'yes', 'on'].includes(v));
export const dollars = z.string().transform((v, ctx) => {
  try {
    const cents = parseDollars(v);
    if (cents < 0) throw new RangeError('negative');
    return cents;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not an amount' });
    return z.NEVER;
  }
});
/** A duration with its unit (500ms, 2s, 5m, 1h, 7d) between `min` and `max` (written the same way). */
export const durationIn = (min: string, max: string) =>
  z.string().transform((v, ctx) => {
    // a bare number is refused: STUCK_AFTER=6 meant 6 hours, not 6 ms
    if (!/^\s*\d+(?:\.\d+)?\s*(ms|s|m|h|d|w)\s*$/i.test(v)) {
      ctx.addIssue({ code: 'custom', message: 'not a duration with a unit' });
      return z.NEVER;
    }
    const ms = parseDuration(v);
    if (ms < parseDuration(min) || ms > parseDuration(max)) {
      ctx.addIssue({ code: 'custom', message: 'out of range' });
      return z.NEVER;
    }
    return ms;
  });
/** The error line's "what is accepted" for a duration setting. */
export const between = (min: string, max: string) => `a duration from ${min} to ${max} with its unit (ms, s, m, h, d)`;
/** A duration between `min` and `max`, or `0` for "never" (a feature switched off). */
export const durationOrNever = (min: string, max: string) => z.union([z.literal('0').transform(() => 0), durationIn(min, max)]);

/** A cron pattern (UTC) that runs at least once in the next year: '0 0 31 2 *' never would. */
export const cronPattern = z.string().transform((v, ctx) => {
  let next: Date | null;
  try {
    next = new Cron(v, { paused: true, timezone: 'UTC' }).nextRun();
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a cron pattern' });
    return z.NEVER;
  }
  if (!next || next.getTime() - Date.now() > 366 * 86_400_000) {
    ctx.addIssue({ code: 'custom', message: 'never runs' });
    return z.NEVER;
  }
  return v;
});

/** A PostgreSQL URL: postgres:// or postgresql:// (a mysql:// URL would be tried on port 5432). */
export const postgresUrl = z.string().url().refine((v) => /^postgres(ql)?:\/\//i.test(v), 'not a postgres URL');
export const percent = z.coerce.number().min(1).max(1000);
export const httpProbes = z.string().transform((v, ctx) => {
  const out: Array<{ name: string; url: string }> = [];
  for (const item of v.split(',').map((x) => x.trim()).filter(Boolean)) {
    const match = /^([a-z][a-z0-9_.-]{0,40})=(https?:\/\/\S+)$/i.exec(item);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: 'not name=url' });
      return z.NEVER;
    }
    out.push({ name: match[1]!, url: match[2]! });
  }
  return out;
});

/** A byte count: 1048576, 512kb, 1mb. */
export const bytes = z.string().transform((v, ctx) => {
  const match = /^(\d+)\s*(b|kb|k|mb|m)?$/i.exec(v.trim());
  const unit = { b: 1, k: 1024, kb: 1024, m: 1024 * 1024, mb: 1024 * 1024 }[(match?.[2] ?? 'b').toLowerCase() as 'b'];
  const n = match ? Number(match[1]) * unit : NaN;
  if (!Number.isSafeInteger(n) || n < 1024) {
    ctx.addIssue({ code: 'custom', message: 'not a size' });
    return z.NEVER;
  }
  return n;
});
/** host, host:port, an IPv4 address (with :port) or an IPv6 one ([::1]:8080), comma separated. */
export const hostList = z.string().transform((v, ctx) => {
  const out: Array<{ host: string; port?: number }> = [];
  for (const item of v.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean)) {
    const match = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(item) ?? /^([0-9a-f]*:[0-9a-f:.]*:[0-9a-f:.]*)()$/.exec(item) ?? /^([a-z0-9][a-z0-9.-]*)(?::(\d{1,5}))?$/.exec(item);
    const port = match?.[2] ? Number(match[2]) : undefined;
    if (!match || (port !== undefined && (port < 1 || port > 65535))) {
      ctx.addIssue({ code: 'custom', message: 'not host[:port]' });
      return z.NEVER;
    }
    out.push(port === undefined ? { host: match[1]! } : { host: match[1]!, port });
  }
  return out;
});
