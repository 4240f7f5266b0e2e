/**
 * The `?` overlay: every key, and which panel it acts on. The key column has one width (the longest key,
 * at most a third of the panel); a description that does not fit wraps under its own indent, never cut.
 * ↑ ↓ / j k, pgup pgdn / b space, home end / g G scroll it by screen rows when it is taller than the terminal
 * (80x24); the border note says which rows show. Any of esc, ?, q or enter closes it.
 */
import React, { useMemo, useState } from 'react';
import { Text } from 'ink';
import { useKeys } from '../hooks/use-keys.js';
import { KEYS } from '../keys.js';
import { PANEL_TITLES } from '../layout.js';
import { useConsoleSettings } from '../ConsoleApiContext.js';
import { Panel, contentRows, contentWidth } from './Panel.js';

type Tone = 'plain' | 'key' | 'muted' | 'bad';
/** A run of text in one style. */
export interface HelpPiece {
  text: string;
  tone: Tone;
}
/** One screen row of the help: pieces whose text adds up to at most the content width. */
export type HelpRow = HelpPiece[];

const GAP = 2;
/** The footer while the help is open. */
export const HELP_KEYS = ['↑↓ scroll', 'pgdn/pgup page', 'esc close'];
export const HELP_NOTE = 'Actions act on the selected item of the focused panel. Destructive ones ask first; all are audited with your name.';

const chars = (text: string) => [...text].length;

/** Words (each with its tone) filled into rows of `width` columns; a word longer than a row is split. */
function fill(words: HelpPiece[], width: number): HelpRow[] {
  const rows: HelpRow[] = [];
  let row: HelpRow = [];
  let used = 0;
  const push = (piece: HelpPiece) => {
    const last = row[row.length - 1];
    if (last && last.tone === piece.tone) last.text += piece.text;
    else row.push({ ...piece });
    used += chars(piece.text);
  };
  for (const word of words) {
    let text = word.text;
    if (used > 0 && used + 1 + chars(text) > width) {
      rows.push(row);
      row = [];
      used = 0;
    }
    if (used > 0) push({ text: ' ', tone: row[row.length - 1]!.tone === word.tone ? word.tone : 'plain' });
    while (chars(text) > width - used) {
      const cut = [...text];
      push({ text: cut.slice(0, width - used).join(''), tone: word.tone });
      rows.push(row);
      row = [];
      used = 0;
      text = cut.slice(width).join('');
    }
    if (text) push({ text, tone: word.tone });
  }
  if (row.length > 0 || rows.length === 0) rows.push(row);
  return rows;
}

const words = (text: string, tone: Tone): HelpPiece[] =>
  text
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => ({ text: w, tone }));

/** The whole help as screen rows of `columns` (the panel's content width). */
export function helpRows(columns: number, readOnly: boolean): HelpRow[] {
  const longest = Math.max(...KEYS.map((k) => chars(k.keys)));
  const keyWidth = Math.max(1, Math.min(longest, Math.floor(columns / 3)));
  const indent = keyWidth + GAP;
  const rows: HelpRow[] = [];
  for (const k of KEYS) {
    const description = [
      ...words(k.what, 'plain'),
      ...(k.panel ? words(`[${PANEL_TITLES[k.panel]}]`, 'muted') : []),
      ...(k.action && readOnly ? words('(read-only: refused)', 'bad') : []),
    ];
    const keyRows = fill(words(k.keys, 'key'), keyWidth);
    const textRows = fill(description, Math.max(1, columns - indent));
    for (let i = 0; i < Math.max(keyRows.length, textRows.length); i++) {
      const keyText = (keyRows[i] ?? []).map((p) => p.text).join('');
      rows.push([{ text: keyText.padEnd(keyWidth + GAP + keyText.length - chars(keyText)), tone: 'key' }, ...(textRows[i] ?? [])]);
    }
  }
  rows.push([]);
  rows.push(...fill(words(HELP_NOTE, 'muted'), columns));
  return rows;
}

export function HelpOverlay({ width, height, onClose }: { width: number; height: number; onClose: () => void }) {
  const { theme, readOnly } = useConsoleSettings();
  const [top, setTop] = useState(0);
  const rows = contentRows(height);
  const columns = contentWidth(width);
  const lines = useMemo(() => helpRows(columns, readOnly), [columns, readOnly]);
  const maxTop = Math.max(0, lines.length - rows);
  const page = Math.max(1, rows - 1); // a page on keeps one row of the last page in sight
  useKeys((input, key) => {
    if (key.escape || key.return || input === '?' || input === 'q') return onClose();
    if (key.upArrow || input === 'k') setTop((t) => Math.max(0, Math.min(maxTop, t) - 1));
    if (key.downArrow || input === 'j') setTop((t) => Math.min(maxTop, t + 1));
    if (key.pageUp || input === 'b') setTop((t) => Math.max(0, Math.min(maxTop, t) - page));
    if (key.pageDown || input === ' ') setTop((t) => Math.min(maxTop, t + page));
    if (key.home || input === 'g') setTop(0);
    if (key.end || input === 'G') setTop(maxTop);
  });
  const shown = Math.min(top, maxTop);
  const note = maxTop > 0 ? `${shown + 1}-${Math.min(lines.length, shown + rows)}/${lines.length} ↑↓ pgdn · esc closes` : 'esc closes';
  const tones: Record<Tone, object> = {
    plain: {},
    key: { ...theme.accent, bold: theme.mode !== 'none' },
    muted: theme.muted,
    bad: theme.bad,
  };
  return (
    <Panel title="Help — keys" note={note} width={width} height={height} focused>
      {lines.slice(shown, shown + rows).map((row, i) => (
        <Text key={shown + i} wrap="truncate">
          {row.length === 0
            ? ' '
            : row.map((piece, j) => (
                <Text key={j} {...tones[piece.tone]}>
                  {piece.text}
                </Text>
              ))}
        </Text>
      ))}
    </Panel>
  );
}
