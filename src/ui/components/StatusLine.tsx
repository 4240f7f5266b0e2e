/**
 * The line above the footer: running actions with their progress; else a failed read (an error about
 * now outranks any older message), with a recent bad result beside it; else the last action's result
 * (messages expire); else "while you were away".
 */
import React from 'react';
import { Box, Text } from 'ink';
import type { Notice, RunningAction } from '../hooks/use-actions.js';
import { useTheme } from '../ConsoleApiContext.js';

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

/** A failed read as the line shows it, with a recent bad result beside it. */
const errorText = (error: string, notice: Notice | null) =>
  `✗ snapshot failed: ${error} (r retries)${notice && notice.tone === 'bad' ? `   ✗ ${notice.text}` : ''}`;

const noticeText = (notice: Notice) => `${notice.tone === 'ok' ? '✓ ' : notice.tone === 'bad' ? '✗ ' : ''}${notice.text}`;

/**
 * Rows the line needs at `width`: 2 while what it shows does not fit one row, else 1. A failed read, a
 * message and the away summary are wrapped, not cut: at 80 columns the advice at the end of an error
 * ("does not exist; create it (createdb) or fix DATABASE_URL") and the away summary's money fell off the
 * edge. Running actions stay one row (their results come as a message).
 */
export function statusLineRows({ running, notice, error, away }: Omit<StatusLineProps, 'rows'>, width: number): 1 | 2 {
  if (running.length > 0) return 1;
  const text = error ? errorText(error, notice) : notice ? noticeText(notice) : away ? awayText(away) : '';
  return text.length > width ? 2 : 1;
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
  if (!error && !notice && !away) return <Text> </Text>;
  const [text, style] = error
    ? [errorText(error, notice), theme.bad]
    : notice
      ? [noticeText(notice), notice.tone === 'ok' ? theme.ok : notice.tone === 'bad' ? theme.bad : {}]
      : [awayText(away!), theme.muted];
  // two rows at most (the layout gives the line its second row only while it needs it)
  return (
    <Box height={rows} overflow="hidden">
      <Text wrap={rows === 2 ? 'wrap' : 'truncate'} {...style}>
        {text}
      </Text>
    </Box>
  );
}
