/**
 * Colours for the console, decided once at start and passed down (ConsoleProvider), never re-read from
 * the environment by components.
 *
 * - `none`: no escape code at all. Set by `NO_COLOR` (any non-empty value), `TERM=dumb`, or output that is
 *   not a terminal (unless `FORCE_COLOR` says otherwise). Focus and selection still show, by border style
 *   and a `›` marker.
 * - `16`: only the eight basic colours (and their bright variants), bold and inverse.
 * - `256`: adds a grey for muted text.
 *
 * Why we decide ourselves: Ink colours `<Text color>` through chalk 5, which honours `FORCE_COLOR` and
 * `--no-color` but NOT `NO_COLOR`. So with `NO_COLOR` set, the theme hands out no colour props and Ink
 * has nothing to colour.
 */
import type { Level } from '../core/types.js';

export type ColorMode = 'none' | '16' | '256';

/** The props of an Ink `<Text>` that carry style. */
export interface TextStyle {
  color?: string;
  backgroundColor?: string;
  bold?: boolean;
  dimColor?: boolean;
  inverse?: boolean;
}

export interface Theme {
  mode: ColorMode;
  level(level: Level | string): TextStyle;
  muted: TextStyle;
  accent: TextStyle;
  bold: TextStyle;
  ok: TextStyle;
  warn: TextStyle;
  bad: TextStyle;
  /** A value that just changed. */
  flash: TextStyle;
  /** The selected row of the focused list. */
  selected: TextStyle;
  /** Border colour of the focused panel (undefined: default). */
  focusBorder?: string;
  /** Log level colour (INFO, WARNING, ERROR, CRITICAL, DEBUG). */
  logLevel(level: string): TextStyle;
}

/** Decide the colour mode from the environment and the output stream, once, at start. */
export function detectColorMode(env: NodeJS.ProcessEnv, isTTY: boolean): ColorMode {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 'none';
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') {
    if (force === '0' || force === 'false') return 'none';
    if (force === '1' || force === 'true') return '16';
    return '256';
  }
  if (!isTTY || env.TERM === 'dumb') return 'none';
  const term = env.TERM ?? '';
  if (/-256(color)?$/i.test(term) || env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit' || /^(tmux|screen)/.test(term)) return '256';
  return '16';
}

const none: TextStyle = {};

export function createTheme(mode: ColorMode): Theme {
  if (mode === 'none') {
    return {
      mode,
      level: () => none,
      muted: none,
      accent: none,
      bold: none,
      ok: none,
      warn: none,
      bad: none,
      flash: none,
      selected: none,
      focusBorder: undefined,
      logLevel: () => none,
    };
  }
  const ok: TextStyle = { color: 'green' };
  const warn: TextStyle = { color: 'yellow' };
  const bad: TextStyle = { color: 'red' };
  const emergency: TextStyle = { color: 'red', bold: true, inverse: true };
  const muted: TextStyle = mode === '256' ? { color: 'ansi256(245)' } : { color: 'gray' };
  const level = (value: Level | string): TextStyle => {
    switch (value) {
      case 'HEALTHY':
      case 'succeeded':
      case 'ok':
        return ok;
      case 'WARNING':
      case 'acknowledged':
      case 'running':
        return warn;
      case 'CRITICAL':
      case 'failed':
      case 'timed_out':
        return bad;
      case 'EMERGENCY':
        return emergency;
      default:
        return none;
    }
  };
  return {
    mode,
    level,
    muted,
    accent: { color: 'cyan' },
    bold: { bold: true },
    ok,
    warn,
    bad,
    flash: { inverse: true },
    selected: { inverse: true },
    focusBorder: 'cyan',
    logLevel: (value) => {
      switch (value.toUpperCase()) {
        case 'CRITICAL':
        case 'FATAL':
          return emergency;
        case 'ERROR':
          return bad;
        case 'WARNING':
        case 'WARN':
          return warn;
        case 'DEBUG':
        case 'TRACE':
          return muted;
        default:
          return none;
      }
    },
  };
}
