/**
 * The line above the footer: running actions with their progress; else a failed read (an error about
 * now outranks any older message), with a recent bad result beside it; else the last action's result
 * (messages expire); else "while you were away".
 */
import React from 'react';
import { Text } from 'ink';
import type { Notice, RunningAction } from '../hooks/use-actions.js';
import { useTheme } from '../ConsoleApiContext.js';

export interface StatusLineProps {
  running: RunningAction[];
  notice: Notice | null;
  error: string | null;
  away: string | null;
}

export function StatusLine({ running, notice, error, away }: StatusLineProps) {
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
  return (
    <Text wrap="truncate" {...theme.muted}>
      {away ? `While you were away ${away}` : ' '}
    </Text>
  );
}
