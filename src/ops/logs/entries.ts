/**
 * Log entries: pino JSON lines (`{"level":"ERROR","time":"...","msg":"..."}`), or any other line with the
 * level found by the manual's grep (ERROR|CRITICAL|WARNING). Filters by level, time and text; groups
 * error messages by shape for `studio logs --patterns`.
 */

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogEntry {
  time: Date | null;
  level: LogLevel;
  msg: string;
  /** Other fields of the JSON line. */
  fields: Record<string, unknown>;
  raw: string;
}

const ALIASES: Record<string, LogLevel> = { WARN: 'WARNING', FATAL: 'CRITICAL', ERR: 'ERROR' };

export function parseLevel(text: string): LogLevel {
  const upper = text.toUpperCase();
  const level = (ALIASES[upper] ?? upper) as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new RangeError(`"${text}" is not a log level (one of ${LOG_LEVELS.join(', ')})`);
  return level;
}

export function parseEntry(raw: string): LogEntry {
  if (raw.startsWith('{')) {
    try {
      const json = JSON.parse(raw) as Record<string, unknown>;
      const { level, time, msg, ...fields } = json;
      let parsedLevel: LogLevel = 'INFO';
      if (typeof level === 'string') {
        try {
          parsedLevel = parseLevel(level);
        } catch {
          // unknown level name: keep INFO
        }
      } else if (typeof level === 'number') {
        parsedLevel = level >= 60 ? 'CRITICAL' : level >= 50 ? 'ERROR' : level >= 40 ? 'WARNING' : level >= 30 ? 'INFO' : level >= 20 ? 'DEBUG' : 'TRACE';
      }
      const date = typeof time === 'string' || typeof time === 'number' ? new Date(time) : null;
      return { time: date && !Number.isNaN(date.getTime()) ? date : null, level: parsedLevel, msg: typeof msg === 'string' ? msg : '', fields, raw };
    } catch {
      // not JSON after all
    }
  }
  const level = /\b(CRITICAL|ERROR|WARNING)\b/.exec(raw)?.[1] as LogLevel | undefined;
  return { time: null, level: level ?? 'INFO', msg: raw, fields: {}, raw };
}

export interface LogFilter {
  minLevel?: LogLevel;
  since?: Date;
  grep?: string;
}

export function matches(entry: LogEntry, filter: LogFilter): boolean {
  if (filter.minLevel && LOG_LEVELS.indexOf(entry.level) < LOG_LEVELS.indexOf(filter.minLevel)) return false;
  if (filter.since && entry.time && entry.time < filter.since) return false;
  if (filter.grep && !entry.raw.toLowerCase().includes(filter.grep.toLowerCase())) return false;
  return true;
}

/** A message with its variable parts replaced, so the same problem groups together. */
export function messageShape(message: string): string {
  return message
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?\b/g, '<time>')
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}(:\d+)?\b/g, '<addr>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>')
    .replace(/"[^"]{0,200}"/g, '"…"')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface Pattern {
  shape: string;
  count: number;
  level: LogLevel;
  first: Date | null;
  last: Date | null;
  example: string;
}

/** Group entries by message shape, most frequent first. */
export class PatternCounter {
  private readonly byShape = new Map<string, Pattern>();

  add(entry: LogEntry): void {
    const text = entry.msg || entry.raw;
    const err = entry.fields.err as { message?: string } | undefined;
    const shape = messageShape(err?.message ? `${text}: ${err.message}` : text);
    const existing = this.byShape.get(shape);
    if (existing) {
      existing.count++;
      if (entry.time && (!existing.last || entry.time > existing.last)) existing.last = entry.time;
      if (LOG_LEVELS.indexOf(entry.level) > LOG_LEVELS.indexOf(existing.level)) existing.level = entry.level;
    } else {
      this.byShape.set(shape, { shape, count: 1, level: entry.level, first: entry.time, last: entry.time, example: text.slice(0, 300) });
    }
  }

  top(limit = 20): Pattern[] {
    return [...this.byShape.values()].sort((a, b) => b.count - a.count || a.shape.localeCompare(b.shape)).slice(0, limit);
  }
}
