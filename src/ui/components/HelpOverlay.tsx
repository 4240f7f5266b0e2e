/** The `?` overlay: every key, and which panel it acts on. Any of esc, ?, q or enter closes it. */
import React from 'react';
import { Box, Text } from 'ink';
import { useKeys } from '../hooks/use-keys.js';
import { KEYS } from '../keys.js';
import { PANEL_TITLES } from '../layout.js';
import { pad } from '../format.js';
import { useConsoleSettings } from '../ConsoleApiContext.js';
import { Panel } from './Panel.js';

export function HelpOverlay({ width, height, onClose }: { width: number; height: number; onClose: () => void }) {
  const { theme, readOnly } = useConsoleSettings();
  useKeys((input, key) => {
    if (key.escape || key.return || input === '?' || input === 'q') onClose();
  });
  return (
    <Panel title="Help — keys" note="esc closes" width={width} height={height} focused>
      {KEYS.map((k) => (
        <Text key={k.keys} wrap="truncate">
          <Text {...theme.accent} bold={theme.mode !== 'none'}>
            {pad(k.keys, 22)}
          </Text>
          {k.what}
          {k.panel ? <Text {...theme.muted}> [{PANEL_TITLES[k.panel]}]</Text> : null}
          {k.action && readOnly ? <Text {...theme.bad}> (read-only: refused)</Text> : null}
        </Text>
      ))}
      <Box marginTop={1}>
        <Text wrap="truncate" {...theme.muted}>
          Actions act on the selected item of the focused panel. Destructive ones ask first; all are audited with your name.
        </Text>
      </Box>
    </Panel>
  );
}
