/**
 * A bordered panel with its title drawn into the top border (saves a row). The focused panel has a
 * double border (visible without colour) and, with colour, the accent colour.
 */
import React, { type ReactNode } from 'react';
import { Box, Text } from 'ink';
import { useTheme } from '../ConsoleApiContext.js';
import { truncate } from '../format.js';
import { displayWidth, sliceToWidth } from '../../core/text-width.js';

export interface PanelProps {
  title: string;
  /** Right-hand note in the top border, e.g. "2/5" or "/filter". */
  note?: string;
  width: number;
  height: number;
  focused: boolean;
  children: ReactNode;
}

/** Content rows inside a panel of `height` rows. */
export const contentRows = (height: number) => Math.max(0, height - 2);
/** Content columns inside a panel of `width` columns (border and one space each side). */
export const contentWidth = (width: number) => Math.max(1, width - 4);

export function Panel({ title, note, width, height, focused, children }: PanelProps) {
  const theme = useTheme();
  const [tl, h, tr] = focused ? ['╔', '═', '╗'] : ['╭', '─', '╮'];
  // The title gives way (cut with …) so the corner stays: at 80 columns a long detail title ran over it.
  let tail = note ? ` ${note} ` : '';
  if (tail.length > width - 12) tail = '';
  const room = Math.max(1, width - 4 - tail.length - 2);
  // in terminal columns: a CJK title ran over the corner and the note
  const label = ` ${truncate(title, room)} `;
  const fill = Math.max(0, width - 2 - 1 - displayWidth(label) - tail.length - 1);
  const top = `${tl}${h}${label}${h.repeat(fill)}${tail}${h}${tr}`;
  const borderColor = focused ? theme.focusBorder : undefined;
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text wrap="truncate" color={borderColor} bold={focused && theme.mode !== 'none'}>
        {sliceToWidth(top, width).text}
      </Text>
      {/* Keyed by focus: Ink applies only the changed style props, so switching borderStyle alone would
          set the top border we turned off (content shifts down a row). A remount applies them all. */}
      <Box
        key={focused ? 'focused' : 'plain'}
        flexDirection="column"
        borderStyle={focused ? 'double' : 'round'}
        borderTop={false}
        borderColor={borderColor}
        height={Math.max(1, height - 1)}
        paddingX={1}
        overflow="hidden"
      >
        {children}
      </Box>
    </Box>
  );
}
