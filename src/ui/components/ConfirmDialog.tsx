/** A yes/no question: `y` or enter confirms, `n` or esc cancels. */
import React from 'react';
import { Text } from 'ink';
import { useKeys } from '../hooks/use-keys.js';
import { useTheme } from '../ConsoleApiContext.js';
import { Panel } from './Panel.js';

export interface ConfirmDialogProps {
  title: string;
  lines: string[];
  /** The question on the last line. @default "Go ahead?" */
  question?: string;
  width: number;
  height: number;
  onConfirm(): void;
  onCancel(): void;
}

export function ConfirmDialog({ title, lines, question = 'Go ahead?', width, height, onConfirm, onCancel }: ConfirmDialogProps) {
  const theme = useTheme();
  useKeys((input, key) => {
    if (input === 'y' || input === 'Y' || key.return) onConfirm();
    else if (input === 'n' || input === 'N' || key.escape || input === 'q') onCancel();
  });
  return (
    <Panel title={title} note="y confirm · n/esc cancel" width={width} height={height} focused>
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate">
          {line}
        </Text>
      ))}
      <Text> </Text>
      <Text wrap="truncate" {...theme.warn} bold={theme.mode !== 'none'}>
        {question} [y/N]
      </Text>
    </Panel>
  );
}
