/**
 * The visible window of a list: keeps the selected row in view, marks it (`›`, and inverse with colour)
 * when its panel is focused, and says how many rows are out of view. An item may have a second row under
 * it (`below`: a failed job's error); the window counts it, and shows an item with both rows or not at all
 * (but the selected one, which keeps its first row at least).
 *
 * It never draws more than `rows` rows. The "… N more" line takes the last row when the list does not
 * fit; in a list of one row (a panel the wide layout gives its minimum: three jobs beside thirty incidents
 * and thirty stuck ideas at 120x30) there is no row for it, and the item shows alone: the selected item
 * is what the keys act on and what the detail opens, a line saying only that there is more would hide
 * it, and the focused panel's border already says `1/3`. It drew both there, two rows in one: the "more"
 * line over the job's name (`… 2 more below       succeeded 4s ago`).
 */
import React, { type ReactNode } from 'react';
import { Box, Text } from 'ink';
import { useTheme } from '../ConsoleApiContext.js';
import { windowItems } from '../panel-items.js';

export interface ListRowsProps<T> {
  items: T[];
  selected: number;
  focused: boolean;
  /** Rows available, the "more" line's included: never more are drawn. */
  rows: number;
  anchorEnd?: boolean;
  empty?: string;
  render(item: T, index: number): ReactNode;
  /** A second row under the item, indented past the selection mark, or null for none. */
  below?(item: T, index: number): ReactNode | null;
}

export function ListRows<T>({ items, selected, focused, rows, anchorEnd = false, empty = 'nothing', render, below }: ListRowsProps<T>) {
  const theme = useTheme();
  if (rows <= 0) return null;
  if (items.length === 0) return <Text {...theme.muted} wrap="truncate">{empty}</Text>;
  const seconds = items.map((item, index) => below?.(item, index) ?? null);
  const heights = seconds.map((second) => (second === null ? 1 : 2));
  // the "more" line only where a row is left for an item above it
  const more = heights.reduce((a, b) => a + b, 0) > rows && rows > 1;
  const capacity = more ? rows - 1 : rows;
  const { start, end } = windowItems(heights, selected, capacity, anchorEnd);
  const visible = items.slice(start, end);
  const hidden = items.length - visible.length;
  // the one case the window holds more rows than fit: the selected item alone, in one row
  const secondFits = heights.slice(start, end).reduce((a, b) => a + b, 0) <= capacity;
  return (
    <Box flexDirection="column">
      {visible.map((item, i) => {
        const index = start + i;
        const isSelected = focused && index === selected;
        const second = seconds[index] ?? null;
        return (
          <React.Fragment key={index}>
            <Text wrap="truncate" {...(isSelected ? theme.selected : {})}>
              {isSelected ? '›' : ' '}
              {render(item, index)}
            </Text>
            {second !== null && secondFits ? (
              <Text wrap="truncate" {...(isSelected ? theme.selected : {})}>
                {' '}
                {second}
              </Text>
            ) : null}
          </React.Fragment>
        );
      })}
      {more ? (
        <Text {...theme.muted} wrap="truncate">
          {` … ${hidden} more ${start > 0 ? (start + visible.length < items.length ? 'above and below' : 'above') : 'below'}`}
        </Text>
      ) : null}
    </Box>
  );
}
