/**
 * The line above the footer: running actions with their progress; else a failed read (an error about
 * now outranks any older message), with a recent bad result beside it; else the last action's result
 * (messages expire); else "while you were away".
 */
import React from 'react';
import { Box, Text } from 'ink';
import type { Notice, RunningAction } from '../hooks/use-actions.js';
import { useTheme } from '../ConsoleApiContext.js';
import { displayWidth } from '../../core/text-width.js';

export interface StatusLineProps {
  running: RunningAction[];
  notice: Notice | null;
  error: string | null;
  away: string | null;
  /** Rows the line has (statusLineRows): 2 wraps what it shows over two rows. @default 1 */
  rows?: 1 | 2;
}

/** The away summary as the line shows it. */
const awayText = (away: string) => `While you were away ${away}`;

/** The failed read's line, with a recent bad result beside it. */
const errorText = (error: string, notice: Notice | null) => `✗ snapshot failed: ${error} (r retries)${notice && notice.tone === 'bad' ? `   ✗ ${notice.text}` : ''}`;
/** A result or note as the line shows it. */
const noticeText = (notice: Notice) => `${notice.tone === 'ok' ? '✓ ' : notice.tone === 'bad' ? '✗ ' : ''}${notice.text}`;

/**
 * Rows the line needs at `width`: 2 while the away summary, a failed read or a result does not fit one
 * row (wrapped, not cut: at 80-100 columns the away line's counts and the money spent fell off the edge,
 * and a refusal or an error lost its end: `✗ read-only console: … reset Invo…`), else 1. Running actions
 * keep one row (their progress moves).
 */
export function statusLineRows({ running, notice, error, away }: Omit<StatusLineProps, 'rows'>, width: number): 1 | 2 {
  if (running.length > 0) return 1;
  const text = error ? errorText(error, notice) : notice ? noticeText(notice) : away ? awayText(away) : '';
  return displayWidth(text) > width ? 2 : 1;
}

export function StatusLine({ running, notice, error, away, rows = 1 }: StatusLineProps) {
  const theme = useTheme();
  if (running.length > 0) {
    return (
      <Text wrap="truncate" {...theme.accent}>
        {running.map((a) => `⟳ ${a.label}${a.progress ? `: ${a.progress}` : '…'}`).join('   ')}
        {notice && notice.tone !== 'info' ? <Text {...(notice.tone === 'ok' ? theme.ok : theme.bad)}>{`   ${notice.text}`}</Text> : null}
      </Text>
    );
  }
  // two rows at most (the layout gives the line its second row only while it needs it)
  const lines = (text: string, style: object) => (
    <Box height={rows} overflow="hidden">
      <Text wrap={rows === 2 ? 'wrap' : 'truncate'} {...style}>
        {text}
      </Text>
    </Box>
  );
  if (error) return lines(errorText(error, notice), theme.bad);
  if (notice) return lines(noticeText(notice), notice.tone === 'ok' ? theme.ok : notice.tone === 'bad' ? theme.bad : {});
  if (!away) return <Text> </Text>;
  return lines(awayText(away), theme.muted);
}
