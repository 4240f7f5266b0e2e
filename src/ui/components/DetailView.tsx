/**
 * A drill-down: a title and lines loaded from the api (idea detail, job history, incident timeline,
 * budget by operation), scrolled with the arrows; esc (or enter, q) closes. The keys it advertises work
 * here: an action key of the panel it came from (`a` on an incident, `x` on a stuck idea) acts on it.
 */
import React, { useMemo, useState } from 'react';
import { Text } from 'ink';
import type { Key } from 'ink';
import { useKeys } from '../hooks/use-keys.js';
import { useTheme } from '../ConsoleApiContext.js';
import { Panel, contentRows, contentWidth } from './Panel.js';
import { wrap } from '../drill-down.js';
import { displayWidth } from '../../core/text-width.js';

export interface DetailContent {
  title: string;
  /** null while loading */
  lines: string[] | null;
  error?: string | null;
}

export interface DetailViewProps {
  detail: DetailContent;
  width: number;
  height: number;
  onClose: () => void;
  /** Keys that act on the item shown (the keys of the panel it came from: `a`, `s`, `x`, `j` ...). */
  actionKeys?: string[];
  /** Called with such a key: the detail closes and the action runs on the item it showed. */
  onAction?: (input: string, key: Key) => void;
}

/** One detail line as screen rows of `columns`: as is when it fits, else wrapped under its indent. */
export function wrapLine(line: string, columns: number): string[] {
  if (displayWidth(line) <= columns) return [line];
  const indent = /^\s*(?:\S+\s{2,})?/.exec(line)![0].length; // "reason   text…" continues under "text"
  const hang = indent > 0 && indent <= columns / 2 ? indent : 0;
  const [first, ...rest] = wrap(line.slice(hang), columns - hang);
  return [line.slice(0, hang) + first, ...rest.map((r) => ' '.repeat(hang) + r)];
}

export function DetailView({ detail, width, height, onClose, actionKeys = [], onAction }: DetailViewProps) {
  const theme = useTheme();
  const [top, setTop] = useState(0);
  const rows = contentRows(height);
  // Long lines wrap (a parked reason must be readable), continuing under the line's own indent.
  const columns = contentWidth(width);
  const lines = useMemo(() => (detail.lines ?? []).flatMap((line) => wrapLine(line, columns)), [detail.lines, columns]);
  const maxTop = Math.max(0, lines.length - rows);
  useKeys((input, key) => {
    if (key.escape || key.return || input === 'q' || key.backspace || key.delete) return onClose();
    if (input && actionKeys.includes(input)) return onAction?.(input, key);
    if (key.upArrow) setTop((t) => Math.max(0, t - 1));
    if (key.downArrow) setTop((t) => Math.min(maxTop, t + 1));
    if (key.pageUp) setTop((t) => Math.max(0, t - rows));
    if (key.pageDown) setTop((t) => Math.min(maxTop, t + rows));
  });
  const shown = Math.min(top, maxTop);
  const note = lines.length > rows ? `${shown + 1}-${Math.min(lines.length, shown + rows)}/${lines.length} · esc closes` : 'esc closes';
  return (
    <Panel title={detail.title} note={note} width={width} height={height} focused>
      {detail.error ? (
        <Text wrap="truncate" {...theme.bad}>
          ✗ {detail.error}
        </Text>
      ) : detail.lines === null ? (
        <Text {...theme.muted}>loading…</Text>
      ) : (
        lines.slice(shown, shown + rows).map((line, i) => (
          <Text key={shown + i} wrap="truncate">
            {line}
          </Text>
        ))
      )}
    </Panel>
  );
}
