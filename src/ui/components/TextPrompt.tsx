/**
 * A line of typed text: a reason, a note, or a confirmation word that must match exactly. Enter submits
 * (refused with a message while the text is not acceptable), esc cancels.
 */
import React, { useRef, useState } from 'react';
import { Text } from 'ink';
import { useKeys } from '../hooks/use-keys.js';
import { useTheme } from '../ConsoleApiContext.js';
import { Panel } from './Panel.js';

export interface TextPromptProps {
  title: string;
  lines: string[];
  label: string;
  /** The text must equal this word (e.g. RESUME). */
  mustEqual?: string;
  /** Accept an empty answer. @default false */
  allowEmpty?: boolean;
  width: number;
  height: number;
  onSubmit(text: string): void;
  onCancel(): void;
}

/** The keys the dialog takes: on its border and in the footer (which showed the panel's keys behind it). */
export const PROMPT_KEYS = ['enter submit', 'esc cancel'];

export function TextPrompt({ title, lines, label, mustEqual, allowEmpty = false, width, height, onSubmit, onCancel }: TextPromptProps) {
  const theme = useTheme();
  // The ref is the truth: keys typed (or pasted) faster than renders must all count, and enter must see
  // every one of them. The state only makes the screen follow.
  const typed = useRef('');
  const [text, setTextState] = useState('');
  const setText = (update: (t: string) => string) => {
    typed.current = update(typed.current);
    setTextState(typed.current);
  };
  const [problem, setProblem] = useState<string | null>(null);
  useKeys((input, key) => {
    if (key.escape) return onCancel();
    if (key.return) {
      const value = typed.current.trim();
      if (mustEqual !== undefined && value !== mustEqual) return setProblem(`type ${mustEqual} exactly (or esc to cancel)`);
      if (!allowEmpty && value === '') return setProblem('this cannot be empty (esc to cancel)');
      return onSubmit(value);
    }
    if (key.backspace || key.delete) return setText((t) => t.slice(0, -1));
    if (key.ctrl && input === 'u') return setText(() => '');
    if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return;
    // eslint-disable-next-line no-control-regex
    const printable = input.replace(/[\x00-\x1f\x7f]/g, '');
    if (printable) {
      setProblem(null);
      setText((t) => (t + printable).slice(0, 500));
    }
  });
  return (
    <Panel title={title} note={PROMPT_KEYS.join(' · ')} width={width} height={height} focused>
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate">
          {line}
        </Text>
      ))}
      <Text> </Text>
      <Text wrap="truncate">
        <Text {...theme.accent}>{label}: </Text>
        {text}
        <Text inverse={theme.mode !== 'none'}>{theme.mode === 'none' ? '_' : ' '}</Text>
      </Text>
      {problem ? (
        <Text wrap="truncate" {...theme.bad}>
          {problem}
        </Text>
      ) : null}
    </Panel>
  );
}
