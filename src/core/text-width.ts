/**
 * How many terminal columns text takes, for the console's column layout (`pad`, `truncate` in
 * src/ui/format.ts) and the CLI's tables and cuts (`table`, `cut` in src/cli/output.ts); in core so the CLI
 * counts columns without loading the console (Ink, React). Counting UTF-16 units, as both did, a CJK or
 * emoji title took more columns than its column and pushed the rest of the row (the reason, the border)
 * out of line, and a title with combining marks took fewer, so the next column started early (seen in
 * tmux with `studio create` titles, 2026-12-07; in `studio list` the same day).
 *
 * The measure is string-width's, the one Ink lays out and cuts with, so our columns and Ink's agree
 * cluster by cluster. Text that is all one-column characters (ASCII, Latin-1 and the box drawing, arrows
 * and shapes the panels are made of) is counted by its length without segmenting: the console pads
 * hundreds of cells a frame, nearly all of them such text.
 *
 * string-width is loaded on the first text that needs it, not with this module: loading it builds its
 * emoji pattern (`\p{RGI_Emoji}`) and a segmenter, ~25 ms of CPU that every CLI command would pay for
 * output that is nearly always ASCII. It is required from node_modules (require of an ES module, Node
 * >= 20.19), where the build leaves it (scripts/build.mjs), so the console's Ink and this module share
 * one copy.
 */
import { createRequire } from 'node:module';

type StringWidth = typeof import('string-width').default;
let loaded: StringWidth | undefined;
const stringWidth: StringWidth = (text, options) =>
  (loaded ??= (createRequire(import.meta.url)('string-width') as { default: StringWidth }).default)(text, options);

/**
 * Every code unit one column for sure (string-width gives each 1): printable ASCII and Latin-1 but the
 * soft hyphen (U+00AD, no column), punctuation, arrows, box drawing, blocks and geometric shapes (… › │ █
 * ● ░) but the two that are emoji (◽ ◾, U+25FD-U+25FE, two columns).
 */
const ALL_NARROW = /^[\u0020-\u007e\u00a0-\u00ac\u00ae-\u02ff\u2010-\u2027\u2030-\u205e\u2190-\u21ff\u2500-\u25fc\u25ff]*$/;

// made on the first cut of wide text: most commands never cut any (string-width has its own)
let segmenter: Intl.Segmenter | undefined;
const graphemes = () => (segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' }));

/** Columns `text` takes on a terminal (one line). */
export function displayWidth(text: string): number {
  return ALL_NARROW.test(text) ? text.length : stringWidth(text);
}

/** The longest start of `text` that fits `width` columns, whole clusters only, and the columns it takes. */
export function sliceToWidth(text: string, width: number): { text: string; width: number } {
  if (ALL_NARROW.test(text)) return { text: text.slice(0, Math.max(0, width)), width: Math.min(text.length, Math.max(0, width)) };
  let used = 0;
  let end = 0;
  for (const { segment, index } of graphemes().segment(text)) {
    const w = stringWidth(segment);
    if (used + w > width) break;
    used += w;
    end = index + segment.length;
  }
  return { text: text.slice(0, end), width: used };
}

/**
 * `text` as `show` prints it, cut to `width` terminal columns with `…` ending what was cut; whole clusters
 * only, so a wide character or an emoji is never split. Without `show`, `text` is measured as given (pass it
 * as printed). With it, each cluster is shown and measured on its own, so what `show` makes of a character
 * (`\u200f` for an invisible mark, visibleControls) is kept or dropped whole, never cut to `\u20…`.
 */
export function truncateToWidth(text: string, width: number, show?: (text: string) => string): string {
  if (width <= 0) return '';
  const shown = show ? show(text) : text;
  if (displayWidth(shown) <= width) return shown;
  if (width === 1) return '…';
  if (shown === text) return `${sliceToWidth(text, width - 1).text}…`;
  let out = '';
  let used = 0;
  for (const { segment } of graphemes().segment(text)) {
    const part = show!(segment);
    const w = displayWidth(part);
    if (used + w > width - 1) break;
    out += part;
    used += w;
  }
  return `${out}…`;
}

/** `text` padded with spaces to `width` terminal columns (on the right, or on the left for `right`); never cut. */
export function padToWidth(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const gap = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'right' ? gap + text : text + gap;
}
