/** The `/` filter being typed for the focused panel: live as you type, enter keeps it, esc clears it. */
import React from 'react';
import { Text } from 'ink';
import { useKeys } from '../hooks/use-keys.js';
import { useTheme } from '../ConsoleApiContext.js';

export interface FilterBarProps {
  panelTitle: string;
  value: string;
  /** Called with a function of the current text (keys can arrive faster than renders). */
  onChange(update: (value: string) => string): void;
  onDone(keep: boolean): void;
}

export function FilterBar({ panelTitle, value, onChange, onDone }: FilterBarProps) {
  const theme = useTheme();
  useKeys((input, key) => {
    if (key.escape) return onDone(false);
    if (key.return) return onDone(true);
    if (key.backspace || key.delete) return onChange((v) => v.slice(0, -1));
    if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return;
    // eslint-disable-next-line no-control-regex
    const printable = input.replace(/[\x00-\x1f\x7f]/g, '');
    if (printable) onChange((v) => (v + printable).slice(0, 100));
  });
  return (
    <Text wrap="truncate">
      <Text {...theme.accent}>filter {panelTitle}: /</Text>
      {value}
      <Text inverse={theme.mode !== 'none'}>{theme.mode === 'none' ? '_' : ' '}</Text>
      <Text {...theme.muted}> (enter keeps, esc clears)</Text>
    </Text>
  );
}
