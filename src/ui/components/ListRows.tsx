/**
 * The visible window of a list: keeps the selected row in view, marks it (`›`, and inverse with colour)
 * when its panel is focused, and says how many rows are out of view.
 */
import React, { type ReactNode } from 'react';
import { Box, Text } from 'ink';
import { useTheme } from '../ConsoleApiContext.js';
import { windowStart } from '../panel-items.js';

export interface ListRowsProps<T> {
  items: T[];
  selected: number;
  focused: boolean;
  /** Rows available, including the "more" line. */
  rows: number;
  anchorEnd?: boolean;
  empty?: string;
  render(item: T, index: number): ReactNode;
}

export function ListRows<T>({ items, selected, focused, rows, anchorEnd = false, empty = 'nothing', render }: ListRowsProps<T>) {
  const theme = useTheme();
  if (rows <= 0) return null;
  if (items.length === 0) return <Text {...theme.muted} wrap="truncate">{empty}</Text>;
  const overflow = items.length > rows;
  const capacity = overflow ? Math.max(1, rows - 1) : rows;
  const start = windowStart(items.length, selected, capacity, anchorEnd);
  const visible = items.slice(start, start + capacity);
  const hidden = items.length - visible.length;
  return (
    <Box flexDirection="column">
      {visible.map((item, i) => {
        const index = start + i;
        const isSelected = focused && index === selected;
        return (
          <Text key={index} wrap="truncate" {...(isSelected ? theme.selected : {})}>
            {isSelected ? '›' : ' '}
            {render(item, index)}
          </Text>
        );
      })}
      {overflow ? (
        <Text {...theme.muted} wrap="truncate">
          {` … ${hidden} more ${start > 0 ? (start + visible.length < items.length ? 'above and below' : 'above') : 'below'}`}
        </Text>
      ) : null}
    </Box>
  );
}
