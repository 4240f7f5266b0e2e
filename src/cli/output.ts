/**
 * Terminal output for commands: JSON, aligned tables, bars, and colours that degrade (NO_COLOR, a pipe,
 * TERM=dumb: none). Errors are one line on stderr, redacted.
 */
import { AppError, toError } from '../core/errors.js';
import { redactText } from '../core/redact.js';

const colourOn = (() => {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(process.stdout.isTTY) && process.env.TERM !== 'dumb';
})();

const code = (open: number, close: number) => (text: string) => (colourOn ? `\x1b[${open}m${text}\x1b[${close}m` : text);

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

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function println(text = ''): void {
  process.stdout.write(`${text}\n`);
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const visibleLength = (text: string) => text.replace(ANSI, '').length;

/** Columns padded to their widest cell; the header dimmed. Cells may carry colour codes. */
export function table(headers: string[], rows: string[][], options: { align?: Array<'left' | 'right'> } = {}): string {
  const widths = headers.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const pad = (cell: string, i: number) => {
    const gap = ' '.repeat(Math.max(0, widths[i]! - visibleLength(cell)));
    return options.align?.[i] === 'right' ? gap + cell : cell + gap;
  };
  const lines = [c.dim(headers.map(pad).join('  ').trimEnd()), ...rows.map((r) => headers.map((_, i) => pad(r[i] ?? '', i)).join('  ').trimEnd())];
  return lines.join('\n');
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
  process.stderr.write(`${c.red('studio:')} ${message.replace(/^studio: /, '')}\n`);
  if (error instanceof AppError && 'problems' in error && Array.isArray((error as { problems: unknown }).problems)) {
    for (const problem of (error as { problems: string[] }).problems) process.stderr.write(`  - ${redactText(problem)}\n`);
  }
  if (debug && err.stack) process.stderr.write(`${redactText(err.stack)}\n`);
  return error instanceof AppError ? error.exitCode : 1;
}
