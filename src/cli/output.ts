/**
 * Terminal output for commands: JSON, aligned tables, bars, and colours that degrade (NO_COLOR, a pipe,
 * TERM=dumb: none). Errors are one line on stderr, redacted.
 *
 * Everything printed passes through `forTerminal`: control characters in it (from stored or echoed data)
 * are shown as `\x1b`, invisible format characters (bidi marks, zero-width ones) as `\u200f`, both by
 * terminal-text.ts' `visibleControls` as in the console, and only the colours this module made become
 * escape sequences. `--json` output is the data itself (`jsonForTerminal`). The colour
 * functions mark their codes with a random per-process token rather than ESC, so data cannot forge one.
 *
 * Widths are terminal columns (core/text-width.ts, the console's measure), counted on the text as printed
 * (its `\u200f` escapes included): a CJK or emoji title takes two columns a character, and a column
 * padded by characters pushed every column after it out of line.
 */
import { randomBytes } from 'node:crypto';
import { AppError, toError } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { jsonForTerminal, visibleControls } from '../core/terminal-text.js';
import { displayWidth, truncateToWidth } from '../core/text-width.js';

const colourOn = (() => {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(process.stdout.isTTY) && process.env.TERM !== 'dumb';
})();

/** Stands for ESC in the colours made here until `forTerminal` writes them (private-use char + nonce). */
const MARK = `\uE000${randomBytes(8).toString('hex')}[`;
const MARKED = new RegExp(`${MARK.replace('[', '\\[')}([0-9;]*)m`, 'g');

const code = (open: number, close: number) => (text: string) => (colourOn ? `${MARK}${open}m${text}${MARK}${close}m` : text);

/** Text ready for a terminal: controls made visible (newline and tab kept), then this module's colours. */
export function forTerminal(text: string): string {
  return visibleControls(text).replace(MARKED, '\x1b[$1m');
}

export const c = {
  bold: code(1, 22),
  dim: code(2, 22),
  red: code(31, 39),
  green: code(32, 39),
  yellow: code(33, 39),
  blue: code(34, 39),
  magenta: code(35, 39),
  cyan: code(36, 39),
  enabled: colourOn,
};

/** Colour for a level name (HEALTHY green ... EMERGENCY red, bold). */
export function levelColour(level: string): string {
  switch (level) {
    case 'HEALTHY':
    case 'ok':
    case 'succeeded':
      return c.green(level);
    case 'WARNING':
    case 'warning':
      return c.yellow(level);
    case 'CRITICAL':
    case 'failed':
      return c.red(level);
    case 'EMERGENCY':
      return c.bold(c.red(level));
    default:
      return level;
  }
}

/** The value as JSON: exact data (C1 and bidi controls written as \u escapes, as C0 already are). */
export function printJson(value: unknown): void {
  process.stdout.write(`${jsonForTerminal(JSON.stringify(value, null, 2))}\n`);
}

export function println(text = ''): void {
  process.stdout.write(`${forTerminal(text)}\n`);
}

/** One line on stderr (a warning, a progress note), made safe like `println`. */
export function eprintln(text: string): void {
  process.stderr.write(`${forTerminal(text)}\n`);
}

const oneLine = (text: string) => visibleControls(text, { singleLine: true });

/**
 * Text for one line of output, as printed (its controls made visible, newlines too), cut to `width`
 * terminal columns with `…` ending what was cut: measured on what is printed, never splitting a wide
 * character, an emoji or a `\u200f` escape. For plain text from data (a title, an error), not for text
 * that carries this module's colours.
 */
export function cut(text: string, width: number): string {
  return truncateToWidth(text, width, oneLine);
}

/** Columns padded to their widest cell (terminal columns); the header dimmed. Cells may carry colour codes. */
export function table(headers: string[], rows: string[][], options: { align?: Array<'left' | 'right'> } = {}): string {
  // a cell is one line: its newlines and tabs are shown as \x0a / \x09 like any other control
  const cells = [headers, ...rows].map((r) => headers.map((_, i) => oneLine(r[i] ?? '')));
  // the columns each cell takes as printed: this module's colour marks take none
  const measured = cells.map((r) => r.map((cell) => displayWidth(cell.replace(MARKED, ''))));
  const widths = headers.map((_, i) => Math.max(...measured.map((m) => m[i]!)));
  const [head, ...body] = cells.map((r, j) =>
    r
      .map((cell, i) => {
        const gap = ' '.repeat(widths[i]! - measured[j]![i]!);
        return options.align?.[i] === 'right' ? gap + cell : cell + gap;
      })
      .join('  ')
      .trimEnd(),
  );
  return [c.dim(head!), ...body].join('\n');
}

/** A bar of `width` cells filled to `fraction` (0..1, clipped). */
export function bar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** Bytes as "12.3 MB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** One line on stderr for an error, with the exit code it deserves. */
export function reportError(error: unknown, debug = process.env.STUDIO_DEBUG === '1'): number {
  const err = toError(error);
  const message = redactText(err.message.split('\n')[0] ?? err.message);
  // messages often echo input (a value, a path, a link): shown with its controls visible
  process.stderr.write(`${forTerminal(`${c.red('studio:')} ${visibleControls(message.replace(/^studio: /, ''), { singleLine: true })}`)}\n`);
  if (error instanceof AppError && 'problems' in error && Array.isArray((error as { problems: unknown }).problems)) {
    for (const problem of (error as { problems: string[] }).problems) process.stderr.write(`  - ${visibleControls(redactText(problem), { singleLine: true })}\n`);
  }
  if (debug && err.stack) process.stderr.write(`${visibleControls(redactText(err.stack))}\n`);
  return error instanceof AppError ? error.exitCode : 1;
}
