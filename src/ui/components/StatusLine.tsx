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
  /** Rows the line has (statusLineRows): 2 wraps the away summary over two rows. @default 1 */
  rows?: 1 | 2;
}

/** The away summary as the line shows it. */
const awayText = (away: string) => `While you were away ${away}`;

/**
 * Rows the line needs at `width`: 2 while the away summary is shown and does not fit one row (it is
 * wrapped, not cut: at 80-100 columns its counts and the money spent fell off the edge), else 1.
 */
export function statusLineRows({ running, notice, error, away }: Omit<StatusLineProps, 'rows'>, width: number): 1 | 2 {
  if (running.length > 0 || error || notice || !away) return 1;
  return awayText(away).length > width ? 2 : 1;
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
  if (error) {
    return (
      <Text wrap="truncate" {...theme.bad}>
        ✗ snapshot failed: {error} (showing the last good one; r retries)
        {notice && notice.tone === 'bad' ? `   ✗ ${notice.text}` : ''}
      </Text>
    );
  }
  if (notice) {
    const style = notice.tone === 'ok' ? theme.ok : notice.tone === 'bad' ? theme.bad : {};
    return (
      <Text wrap="truncate" {...style}>
        {notice.tone === 'ok' ? '✓ ' : notice.tone === 'bad' ? '✗ ' : ''}
        {notice.text}
      </Text>
    );
  }
  if (!away) return <Text> </Text>;
  // two rows at most (the layout gives the line its second row only while it needs it)
  return (
    <Box height={rows} overflow="hidden">
      <Text wrap={rows === 2 ? 'wrap' : 'truncate'} {...theme.muted}>
        {awayText(away)}
      </Text>
    </Box>
  );
}
