/**
 * How many terminal columns text takes, for the console's own column layout (`pad`, `truncate` in
 * format.ts). Counting UTF-16 units, as they did, a CJK or emoji title took more columns than its column
 * and pushed the rest of the row (the reason, the border) out of line, and a title with combining marks
 * took fewer, so the next column started early (seen in tmux with `studio create` titles, 2026-12-07).
 *
 * The measure is string-width's, the one Ink lays out and cuts with, so our columns and Ink's agree
 * cluster by cluster. Text that is all one-column characters (ASCII, Latin-1 and the box drawing, arrows
 * and shapes the panels are made of) is counted by its length without segmenting: the console pads
 * hundreds of cells a frame, nearly all of them such text.
 */
import stringWidth from 'string-width';

/**
 * Every code unit one column for sure (string-width gives each 1): printable ASCII and Latin-1 but the
 * soft hyphen (U+00AD, no column), punctuation, arrows, box drawing, blocks and geometric shapes (… › │ █
 * ● ░) but the two that are emoji (◽ ◾, U+25FD-U+25FE, two columns).
 */
const ALL_NARROW = /^[\u0020-\u007e\u00a0-\u00ac\u00ae-\u02ff\u2010-\u2027\u2030-\u205e\u2190-\u21ff\u2500-\u25fc\u25ff]*$/;

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Columns `text` takes on a terminal (one line). */
export function displayWidth(text: string): number {
  return ALL_NARROW.test(text) ? text.length : stringWidth(text);
}

/** The longest start of `text` that fits `width` columns, whole clusters only, and the columns it takes. */
export function sliceToWidth(text: string, width: number): { text: string; width: number } {
  if (ALL_NARROW.test(text)) return { text: text.slice(0, Math.max(0, width)), width: Math.min(text.length, Math.max(0, width)) };
  let used = 0;
  let end = 0;
  for (const { segment, index } of segmenter.segment(text)) {
    const w = stringWidth(segment);
    if (used + w > width) break;
    used += w;
    end = index + segment.length;
  }
  return { text: text.slice(0, end), width: used };
}
