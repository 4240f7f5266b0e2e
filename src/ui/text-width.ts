/**
 * How many terminal columns text takes, for the console's own column layout (`pad`, `truncate` in
 * format.ts). Counting UTF-16 units, as they did, a CJK or emoji title took more columns than its column
 * and pushed the rest of the row (the reason, the border) out of line, and a title with combining marks
 * took fewer, so the next column started early (seen in tmux with `studio create` titles, 2026-12-07).
 *
 * Per grapheme cluster (Intl.Segmenter): East Asian Wide and Fullwidth characters and emoji shown as
 * emoji (Emoji_Presentation, or with VS16 U+FE0F, flags, keycaps) take two columns; a cluster of only
 * combining marks or format characters takes none; anything else one. It agrees with string-width (what
 * Ink measures with) on these; text that is all narrow (below U+0300, box drawing, blocks, arrows) is
 * counted by length without segmenting.
 */

/** Every code unit one column for sure: printable ASCII and Latin-1, punctuation to geometric shapes (… › │ █ ● ░). */
const ALL_NARROW = /^[\u0020-\u007e\u00a0-\u02ff\u2010-\u2027\u2030-\u205e\u2190-\u21ff\u2500-\u25ff]*$/;
const ZERO = /^[\p{M}\p{Cf}]+$/u;
const EMOJI = /\p{Emoji_Presentation}|\ufe0f|\p{Regional_Indicator}|\u20e3/u;

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x231a && code <= 0x231b) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xa960 && code <= 0xa97f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe10 && code <= 0xfe19) ||
    (code >= 0xfe30 && code <= 0xfe6f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Columns one grapheme cluster takes. */
function clusterWidth(cluster: string): number {
  if (ZERO.test(cluster)) return 0;
  if (EMOJI.test(cluster)) return 2;
  return isWide(cluster.codePointAt(0)!) ? 2 : 1;
}

/** Columns `text` takes on a terminal (one line). */
export function displayWidth(text: string): number {
  if (ALL_NARROW.test(text)) return text.length;
  let width = 0;
  for (const { segment } of segmenter.segment(text)) width += clusterWidth(segment);
  return width;
}

/** The longest start of `text` that fits `width` columns, whole clusters only, and the columns it takes. */
export function sliceToWidth(text: string, width: number): { text: string; width: number } {
  if (ALL_NARROW.test(text)) return { text: text.slice(0, Math.max(0, width)), width: Math.min(text.length, Math.max(0, width)) };
  let used = 0;
  let end = 0;
  for (const { segment, index } of segmenter.segment(text)) {
    const w = clusterWidth(segment);
    if (used + w > width) break;
    used += w;
    end = index + segment.length;
  }
  return { text: text.slice(0, end), width: used };
}
