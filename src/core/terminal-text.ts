/**
 * Text that may reach an operator's terminal. A terminal obeys the control characters in what it prints:
 * ESC starts sequences that clear the screen, move the cursor, set the window title or write links
 * (OSC), a C1 character such as U+009B is a one-byte CSI, and the bidi overrides reorder what is shown.
 * So text from outside (intake fields, provider answers, files) is checked or cleaned where it comes in,
 * and everything printed for a terminal is shown with its control characters made visible (`\x1b`) as a
 * second line of defence. Pure functions.
 *
 * The characters concerned ("controls" below):
 * - C0: U+0000–U+001F except tab (U+0009) and newline (U+000A), which text may hold;
 * - DEL: U+007F; C1: U+0080–U+009F;
 * - bidi embeddings and overrides U+202A–U+202E and isolates U+2066–U+2069.
 *
 * What is printed also shows the invisible format characters (`INVISIBLE` below: the bidi marks, zero-width
 * characters, the BOM) the same way. Intake lets those pass (a right-to-left title may need its marks),
 * so they are stored; shown, they are `\u200f`, in the console and the CLI alike (`visibleControls`).
 */

/**
 * Invisible format characters that Ink counts as one column and the terminal as none: the zero-width
 * space and non-joiner, the bidi marks (LRM, RLM, ALM), the word joiner and invisible operators, the BOM,
 * and a zero-width joiner that does not join two emoji (within an emoji sequence it stays). A title
 * holding three of them lost its last three characters in the console (`… markers in a ti`: Ink's
 * slice-ansi cut the line to string-width's count), a bidi mark can reorder what a bidi-aware terminal
 * shows around it, and in the CLI's output they could not be seen at all. (The joiner is matched first
 * and then looked behind: a look-behind first would be tried at every position of every string.)
 */
const INVISIBLE = String.raw`[\u200B\u200C\u200E\u200F\u061C\u2060-\u2064\uFEFF]|\u200D(?:(?<!\p{Extended_Pictographic}\uFE0F?\u200D)|(?!\p{Extended_Pictographic}))`;
/** The controls, as a character class's content (tab and newline not in it). */
const CONTROL_RANGES = String.raw`\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069`;
const CONTROLS = new RegExp(`[${CONTROL_RANGES}]|${INVISIBLE}`, 'gu');
const CONTROLS_WITH_LINES = new RegExp(String.raw`[\u0009\u000A${CONTROL_RANGES}]|${INVISIBLE}`, 'gu');
// stripControls and intake's checks are about controls only: an invisible mark is text (a right-to-left title's)
const STRIPPED = new RegExp(`[${CONTROL_RANGES}]`, 'g');
const ONE_CONTROL = new RegExp(`[${CONTROL_RANGES}]`);

const NAMES: Record<number, string> = { 0x1b: 'ESC', 0x7f: 'DEL', 0x9b: 'CSI', 0x9d: 'OSC', 0x0d: 'CR', 0x08: 'BS', 0x07: 'BEL', 0x00: 'NUL' };

/** `\x1b` for a character below U+0100, `\u202e` above. */
export function escapeChar(ch: string): string {
  const code = ch.codePointAt(0)!;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * The text with every control and invisible format character made visible as `\x1b` / `\u202e` /
 * `\u200f`; tab and newline kept unless `singleLine` (then they are shown as `\x09` / `\x0a` too, for
 * table cells and one-line messages). What the console and the CLI print passes through this.
 */
export function visibleControls(text: string, options: { singleLine?: boolean } = {}): string {
  return text.replace(options.singleLine ? CONTROLS_WITH_LINES : CONTROLS, escapeChar);
}

/** The text without its controls (tab and newline kept; CR LF and CR become newlines first). */
export function stripControls(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(STRIPPED, '');
}

/** The first control in the text as "ESC (U+001B)", or null when there is none. */
export function findControl(text: string): string | null {
  const match = ONE_CONTROL.exec(text);
  if (!match) return null;
  const code = match[0].codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[code] ?? (code >= 0x202a ? 'bidi control' : code >= 0x80 ? 'C1 control' : 'control');
  return `${name} (${hex})`;
}

/** Does the text hold a control (tab and newline excepted)? */
export function hasControl(text: string): boolean {
  return ONE_CONTROL.test(text);
}

/**
 * Every string in a value (arrays and plain objects walked, Dates and other objects kept) passed through
 * `fn`; for cleaning a provider's answer or a view before it is shown. An array or object in which `fn`
 * changed nothing comes back as itself, not a copy: the console's backend hands back the same log tail,
 * KPIs and incidents while they are unchanged, and the console compares those by identity (its content
 * key), which a copy on every read defeated.
 */
export function mapStrings<T>(value: T, fn: (text: string) => string, depth = 0): T {
  if (typeof value === 'string') return fn(value) as T;
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((v: unknown, i) => {
      const mapped = mapStrings(v, fn, depth + 1);
      if (mapped !== v) (out ??= [...value])[i] = mapped;
    });
    return (out ?? value) as T;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const mapped = mapStrings(v, fn, depth + 1);
    if (mapped !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = mapped;
  }
  return (out ?? value) as T;
}

const JSON_UNESCAPED = /[\u007F-\u009F\u202A-\u202E\u2066-\u2069\u2028\u2029]/g;

/**
 * JSON text with DEL, C1 and bidi controls written as `\u009b` escapes: the same data once parsed
 * (JSON.stringify already escapes C0), but nothing a terminal would obey when the JSON is printed.
 */
export function jsonForTerminal(json: string): string {
  return json.replace(JSON_UNESCAPED, (ch) => `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

/**
 * The Basic Multilingual Plane's private-use area: the console's screen writer marks its live cells (the
 * clock, ages) with these characters and fills them in as it writes, so stored text that held them would
 * show a live cell's text in its place (a title could wear the clock).
 */
const PRIVATE_USE = /[\ue000-\uf8ff]/g;

/**
 * An API object whose methods' answers (and the messages they pass to callbacks) have every string's
 * controls and invisible format characters made visible (`\u200f`), and private-use characters shown as
 * U+FFFD: the console wraps its data source in this once, so no stored text reaches Ink raw.
 */
export function withVisibleControls<T extends object>(api: T): T {
  const show = (text: string) => visibleControls(text).replace(PRIVATE_USE, '\ufffd');
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(api)) {
    if (typeof member !== 'function') {
      out[name] = member;
      continue;
    }
    out[name] = (...args: unknown[]) => {
      const safeArgs = args.map((arg) => (typeof arg === 'function' ? (...inner: unknown[]) => (arg as (...a: unknown[]) => unknown)(...inner.map((v) => mapStrings(v, show))) : arg));
      const result = (member as (...a: unknown[]) => unknown).apply(api, safeArgs);
      return result instanceof Promise ? result.then((value) => mapStrings(value, show)) : mapStrings(result, show);
    };
  }
  return out as T;
}
