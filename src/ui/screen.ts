/**
 * The full-screen console's output (#17 item 13): Ink renders each frame in `debug` mode (the whole frame
 * as plain lines, no erasing), and this writer puts on the terminal only the rows that changed, each at its
 * own position on the alternate screen (which we own: row 1 is the top). A frame that differs in one row
 * costs that row, not the screen.
 *
 * Live cells: text that changes every second on its own (the clock, "data as of … (Ns old)") is not
 * rendered by React. A component writes a placeholder (`liveCell(id, width)`) and registers how to read the
 * text (`LiveCells.set`, or `add` for a new id); the writer puts the text in the placeholder's place when a
 * frame arrives and on its own 1 s tick, rewriting only the rows whose text changed. So a tick costs no
 * React render, no layout and no frame. The panels' ages and run times are live cells too (TimeText.tsx).
 * (Private-use characters in stored text never get here: `withVisibleControls` shows them as U+FFFD.)
 *
 * (Ink 6.8's own `incrementalRendering` is not used: it moves the cursor up one row too few when the
 * previous frame ended with a newline, which Ink's non-full-screen frames always do — log-update.js
 * `cursorUp(previousVisible - 1)` — so every row is drawn one row low.)
 */
import { EventEmitter } from 'node:events';

const SYNC_START = '\x1b[?2026h';
const SYNC_END = '\x1b[?2026l';
export const HIDE_CURSOR = '\x1b[?25l';
/** Home, clear the screen. */
export const CLEAR_SCREEN = '\x1b[H\x1b[2J';

/** Placeholder characters (Unicode private use, one column each), one per live cell id. */
const CELL_BASE = 0xe000;
/** Ids below this are fixed (the header's); `add` hands out the others (the panels' ages). */
const FIXED_CELLS = 16;
/** The whole Basic Multilingual Plane private use area, U+E000..U+F8FF. */
const MAX_CELLS = 0x1900;

export interface LiveCell {
  /** The text now; longer than the placeholder: `onOverflow` is told the length it needs. */
  text(): string;
  onOverflow?(length: number): void;
}

export interface LiveCells {
  /** Register (or with null drop) fixed cell `id` (0..15). */
  set(id: number, cell: LiveCell | null): void;
  /** Register a cell under a new id (null when all are taken); `set(id, null)` gives the id back. */
  add(cell: LiveCell): number | null;
}

/** The placeholder a component renders for live cell `id`, `width` columns wide. */
export function liveCell(id: number, width: number): string {
  return String.fromCharCode(CELL_BASE + id).repeat(Math.max(1, width));
}

// one run per cell: two cells side by side (a job's last run, then its next) are two runs
const CELL_RUN = /([\ue000-\uf8ff])\1*/g;
const HAS_CELL = /[\ue000-\uf8ff]/;

export interface ScreenOptions {
  /** Live cells are re-read this often. @default 1000 */
  tickMs?: number;
}

/**
 * A stream for Ink (`render(…, { stdout: screen.stream, debug: true })`) over the real terminal. It passes
 * the size and `resize` through; Ink's writes are frames; a write starting with OSC (`\x1b]`, e.g. the
 * clipboard's OSC 52) goes to the terminal as it is.
 */
export class Screen implements LiveCells {
  readonly stream: NodeJS.WriteStream;
  private shown: string[] = [];
  private frame: string[] = [];
  /** The frame's rows that hold live cells. */
  private withCells: number[] = [];
  private readonly cells = new Map<number, LiveCell>();
  private nextId = FIXED_CELLS;
  private readonly freeIds: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Bytes written to the terminal (for the bench). */
  bytes = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly options: ScreenOptions = {},
  ) {
    const emitter = new EventEmitter();
    const onResize = () => {
      // the terminal may have reflowed what was on screen: draw everything again on the next frame
      this.shown = [];
      this.raw(CLEAR_SCREEN);
      emitter.emit('resize');
    };
    out.on('resize', onResize);
    this.detach = () => out.off('resize', onResize);
    const stream = Object.assign(emitter, {
      isTTY: true,
      write: (data: string | Uint8Array) => {
        const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
        if (text.startsWith('\x1b]')) this.raw(text);
        else this.draw(text);
        return true;
      },
    });
    Object.defineProperty(stream, 'columns', { get: () => out.columns });
    Object.defineProperty(stream, 'rows', { get: () => out.rows });
    this.stream = stream as unknown as NodeJS.WriteStream;
  }

  private readonly detach: () => void;

  add(cell: LiveCell): number | null {
    const id = this.freeIds.pop() ?? (this.nextId < MAX_CELLS ? this.nextId++ : null);
    if (id !== null) this.set(id, cell);
    return id;
  }

  set(id: number, cell: LiveCell | null): void {
    if (id < 0 || id >= MAX_CELLS) return;
    if (cell) this.cells.set(id, cell);
    else if (this.cells.delete(id) && id >= FIXED_CELLS) this.freeIds.push(id);
    if (this.cells.size > 0 && !this.timer && !this.closed) {
      const tick = this.options.tickMs ?? 1000;
      // on the second boundary, so the clock moves when the second does
      const first = setTimeout(() => {
        this.tick();
        this.timer = setInterval(() => this.tick(), tick);
        this.timer.unref?.();
      }, tick - (Date.now() % tick));
      first.unref?.();
      this.timer = first;
    }
  }

  /** Stop drawing (before the terminal is given back); later writes are dropped. */
  close(): void {
    this.closed = true;
    if (this.timer) {
      clearTimeout(this.timer);
      clearInterval(this.timer);
    }
    this.timer = null;
    this.detach();
  }

  /** The rows as the terminal shows them now (live cells filled in), for tests. */
  rows(): string[] {
    return [...this.shown];
  }

  private raw(text: string): void {
    if (this.closed) return;
    this.bytes += Buffer.byteLength(text);
    try {
      this.out.write(text);
    } catch {
      // the terminal is gone (SIGHUP): nothing to draw on
    }
  }

  private fill(line: string): string {
    if (!HAS_CELL.test(line)) return line;
    return line.replace(CELL_RUN, (run) => {
      const cell = this.cells.get(run.charCodeAt(0) - CELL_BASE);
      if (!cell) return ' '.repeat(run.length); // a cell given back while its frame is still shown
      let text: string;
      try {
        text = cell.text();
      } catch {
        text = '';
      }
      if (text.length > run.length) cell.onOverflow?.(text.length);
      return text.length >= run.length ? text.slice(0, run.length) : text + ' '.repeat(run.length - text.length);
    });
  }

  private draw(text: string): void {
    this.frame = text.split('\n');
    this.withCells = this.frame.flatMap((line, i) => (HAS_CELL.test(line) ? [i] : []));
    this.paint(this.frame.map((line) => this.fill(line)));
  }

  private tick(): void {
    if (this.closed) return;
    // only the rows with live cells can have changed since the frame (after a resize: every row)
    if (this.shown.length !== this.frame.length) return this.paint(this.frame.map((line) => this.fill(line)));
    const next = [...this.shown];
    for (const i of this.withCells) next[i] = this.fill(this.frame[i]!);
    this.paint(next);
  }

  /** Write the rows of `next` that differ from what is shown. */
  private paint(next: string[]): void {
    let out = '';
    const rows = Math.max(next.length, this.shown.length);
    for (let i = 0; i < rows; i++) {
      const line = next[i];
      if (line === this.shown[i]) continue;
      const span = line === undefined ? null : changedSpan(this.shown[i], line);
      // only the characters that changed (a live cell's new text), at their column, in their attributes
      if (span) out += `\x1b[${i + 1};${span.column}H\x1b[0m${span.sgr}${span.text}\x1b[0m`;
      // else reset attributes before erasing (a coloured background would paint the erased row), then the row
      else out += `\x1b[${i + 1};1H\x1b[0m\x1b[2K${line ?? ''}`;
    }
    this.shown = next;
    if (out) this.raw(SYNC_START + out + SYNC_END);
  }
}

// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;

/** One column wide for sure: below U+1100 but combining marks, punctuation to geometric shapes (│ ─ █ ● … ›), private use. */
const narrow = (code: number) => (code < 0x1100 && !(code >= 0x300 && code <= 0x36f)) || (code >= 0x2000 && code <= 0x25ff) || (code >= 0xe000 && code <= 0xf8ff);

/**
 * Where `next` differs from `shown` when only plain characters changed in place (a live cell's text: same
 * length, no escape codes in the change): the 1-based column, the SGR codes in force there, and the new
 * characters. Null when the row must be written whole (anything else, or a character whose width is not
 * surely one column before or in the change).
 */
export function changedSpan(shown: string | undefined, next: string): { column: number; sgr: string; text: string } | null {
  if (shown === undefined || shown.length !== next.length) return null;
  let start = 0;
  while (start < next.length && next[start] === shown[start]) start++;
  let end = next.length;
  while (end > start && next[end - 1] === shown[end - 1]) end--;
  const text = next.slice(start, end);
  if (text.includes('\x1b') || shown.slice(start, end).includes('\x1b')) return null;
  const prefix = next.slice(0, start);
  const escape = prefix.lastIndexOf('\x1b');
  // eslint-disable-next-line no-control-regex
  if (escape >= 0 && !/^\x1b\[[0-9;]*m/.test(prefix.slice(escape))) return null; // the change starts inside an escape code
  const plain = prefix.replace(SGR, '');
  if (plain.includes('\x1b')) return null;
  for (const ch of plain + text) if (!narrow(ch.codePointAt(0)!)) return null;
  if (/[\ud800-\udfff]/.test(text) && /[\ud800-\udbff]$/.test(prefix)) return null; // a change inside a surrogate pair
  return { column: [...plain].length + 1, sgr: (prefix.match(SGR) ?? []).join(''), text };
}
