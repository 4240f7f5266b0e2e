/**
 * `studio logs`: the manual's `tail | grep -E "(ERROR|CRITICAL|WARNING)"`, `tail -f` and
 * `awk '/ERROR/' | sort | uniq -c` over the current and rotated (gzip) log files. Needs no database.
 */
import type { Command } from 'commander';
import { parseDuration } from '../core/clock.js';
import { InvalidInputError } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { jsonForTerminal, visibleControls } from '../core/terminal-text.js';
import { action, loadConfig } from './run.js';
import { c, cut, printJson, println, table } from './output.js';
import type { LogEntry, LogLevel } from '../ops/logs/entries.js';

interface LogsOptions {
  level?: string;
  since?: string;
  grep?: string;
  follow?: boolean;
  json?: boolean;
  patterns?: boolean;
  tail: string;
}

const LEVEL_STYLE: Record<LogLevel, (t: string) => string> = {
  TRACE: c.dim,
  DEBUG: c.dim,
  INFO: c.blue,
  WARNING: c.yellow,
  ERROR: c.red,
  CRITICAL: (t) => c.bold(c.red(t)),
};

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description('read, filter and follow the logs (current and rotated, gzip too); group errors by pattern')
    .option('--level <level>', 'lowest level shown: DEBUG, INFO, WARNING, ERROR, CRITICAL')
    .option('--since <duration>', 'only entries newer than this (30m, 1h, 7d)')
    .option('--grep <text>', 'only lines containing this text (case-insensitive)')
    .option('--follow', 'keep printing new entries as they are written (Ctrl-C stops)')
    .option('--patterns', 'group errors by message shape (numbers, ids, uuids normalised) and count them')
    .option('--tail <n>', 'the last n matching entries (0 = all)', '200')
    .option('--json', 'machine-readable: a JSON array (JSON lines with --follow)')
    .addHelpText(
      'after',
      `
Examples:
  studio logs --level WARNING --since 12h          overnight warnings and errors
  studio logs --follow --level ERROR                tail -f, errors only
  studio logs --grep budget --json | jq '.[].msg'
  studio logs --patterns --since 7d                 the most frequent errors this week`,
    )
    .action(
      action(async (opts: LogsOptions) => {
        const config = await loadConfig();
        const { parseLevel } = await import('../ops/logs/entries.js');
        const { readLogs, followLog } = await import('../ops/logs/read.js');
        let minLevel: LogLevel | undefined;
        try {
          minLevel = opts.level ? parseLevel(opts.level) : opts.patterns ? 'ERROR' : undefined;
        } catch (error) {
          throw new InvalidInputError(`logs: ${(error as Error).message}`);
        }
        let since: Date | undefined;
        if (opts.since) {
          try {
            since = new Date(Date.now() - parseDuration(opts.since));
          } catch {
            throw new InvalidInputError(`logs: --since "${opts.since}" is not a duration (like 30m, 1h, 7d)`);
          }
        }
        const filter = { minLevel, since, grep: opts.grep };
        const tail = Number(opts.tail);
        if (!Number.isInteger(tail) || tail < 0) throw new InvalidInputError(`logs: --tail must be a whole number (got "${opts.tail}")`);

        if (opts.patterns) {
          const { PatternCounter } = await import('../ops/logs/entries.js');
          const counter = new PatternCounter();
          await readLogs(config.paths.logFile, filter, { onEntry: (e) => counter.add(e) });
          const top = counter.top(tail || 50);
          if (opts.json) printJson(top);
          else if (top.length === 0) println(`no ${minLevel ?? ''} entries${since ? ` since ${since.toISOString()}` : ''} in ${config.paths.logFile}`);
          else
            println(
              table(
                ['count', 'level', 'last seen', 'pattern'],
                top.map((p) => [String(p.count), LEVEL_STYLE[p.level](p.level), p.last?.toISOString() ?? '', cut(redactText(p.shape), 140)]),
                { align: ['right'] },
              ),
            );
          return;
        }

        const entries = await readLogs(config.paths.logFile, filter, { tail: tail || undefined });
        if (opts.json && !opts.follow) printJson(entries.map(toJson));
        else for (const entry of entries) printEntry(entry, opts.json);
        if (!opts.follow) {
          if (!opts.json && entries.length === 0) println(c.dim(`no matching entries in ${config.paths.logFile} (and its rotations)`));
          return;
        }
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        await followLog(config.paths.logFile, filter, (entry) => printEntry(entry, opts.json), { signal: controller.signal });
      }),
    );
}

function toJson(entry: LogEntry): Record<string, unknown> {
  return { time: entry.time?.toISOString() ?? null, level: entry.level, msg: redactText(entry.msg), ...(redactValueShallow(entry.fields) as object) };
}

function redactValueShallow(fields: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(redactText(JSON.stringify(fields))) as Record<string, unknown>;
}

function printEntry(entry: LogEntry, json?: boolean): void {
  if (json) {
    process.stdout.write(`${jsonForTerminal(JSON.stringify(toJson(entry)))}\n`);
    return;
  }
  const { pid: _pid, hostname: _host, ...rest } = entry.fields;
  const extra = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  // one entry is one line: a newline in a message must not forge the next entry
  const one = (text: string) => visibleControls(text, { singleLine: true });
  const time = entry.time ? c.dim(entry.time.toISOString()) : '';
  println(redactText(`${time} ${LEVEL_STYLE[entry.level](entry.level.padEnd(8))} ${one(entry.msg)}${extra ? ` ${c.dim(one(extra))}` : ''}`.trim()));
}
