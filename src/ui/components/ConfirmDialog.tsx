/** A yes/no question: only `y` confirms; enter takes the default shown (No), like `n` and esc. */
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

/** The keys the dialog takes: on its border and in the footer (which showed the panel's keys behind it). */
export const CONFIRM_KEYS = ['y confirm', 'n/enter/esc cancel'];

export function ConfirmDialog({ title, lines, question = 'Go ahead?', width, height, onConfirm, onCancel }: ConfirmDialogProps) {
  const theme = useTheme();
  useKeys((input, key) => {
    if (input === 'y' || input === 'Y') onConfirm();
    else if (input === 'n' || input === 'N' || key.escape || key.return || input === 'q') onCancel();
  });
  return (
    <Panel title={title} note={CONFIRM_KEYS.join(' · ')} width={width} height={height} focused>
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
