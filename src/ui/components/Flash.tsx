/**
 * Text that flashes (inverse) for a moment after its `value` changed. Without colour there is no way to
 * mark it without shifting the columns, so it shows plain.
 */
import React, { type ReactNode } from 'react';
import { Text } from 'ink';
import { useFlash } from '../hooks/use-flash.js';
import { useTheme } from '../ConsoleApiContext.js';
import type { TextStyle } from '../theme.js';

export function Flash({ value, style, children }: { value: unknown; style?: TextStyle; children: ReactNode }) {
  const theme = useTheme();
  const flashing = useFlash(value);
  return <Text {...style} {...(flashing ? theme.flash : {})}>{children}</Text>;
}
