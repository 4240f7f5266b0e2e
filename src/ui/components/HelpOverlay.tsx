/**
 * The `?` overlay: every key, and which panel it acts on; ↑ ↓ / pgup pgdn scroll it when it is taller than
 * the terminal (80x24). Any of esc, ?, q or enter closes it.
 */
import React, { useState } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from '../hooks/use-keys.js';
import { KEYS } from '../keys.js';
import { PANEL_TITLES } from '../layout.js';
import { pad } from '../format.js';
import { useConsoleSettings } from '../ConsoleApiContext.js';
import { Panel, contentRows } from './Panel.js';

export function HelpOverlay({ width, height, onClose }: { width: number; height: number; onClose: () => void }) {
  const { theme, readOnly } = useConsoleSettings();
  const [top, setTop] = useState(0);
  const rows = contentRows(height);
  const total = KEYS.length + 2; // the keys, a blank line, the closing note
  const maxTop = Math.max(0, total - rows);
  useKeys((input, key) => {
    if (key.escape || key.return || input === '?' || input === 'q') onClose();
    if (key.upArrow) setTop((t) => Math.max(0, t - 1));
    if (key.downArrow) setTop((t) => Math.min(maxTop, t + 1));
    if (key.pageUp) setTop((t) => Math.max(0, t - rows));
    if (key.pageDown) setTop((t) => Math.min(maxTop, t + rows));
  });
  const shown = Math.min(top, maxTop);
  const keys = KEYS.slice(shown, shown + rows);
  const noteFits = shown + rows >= total;
  return (
    <Panel title="Help — keys" note={maxTop > 0 ? `${shown + 1}-${Math.min(total, shown + rows)}/${total} ↑↓ · esc closes` : 'esc closes'} width={width} height={height} focused>
      {keys.map((k) => (
        <Text key={k.keys} wrap="truncate">
          <Text {...theme.accent} bold={theme.mode !== 'none'}>
            {pad(k.keys, 21)}{' '}
          </Text>
          {k.what}
          {k.panel ? <Text {...theme.muted}> [{PANEL_TITLES[k.panel]}]</Text> : null}
          {k.action && readOnly ? <Text {...theme.bad}> (read-only: refused)</Text> : null}
        </Text>
      ))}
      {noteFits ? (
        <Box marginTop={1}>
          <Text wrap="truncate" {...theme.muted}>
            Actions act on the selected item of the focused panel. Destructive ones ask first; all are audited with your name.
          </Text>
        </Box>
      ) : null}
    </Panel>
  );
}
