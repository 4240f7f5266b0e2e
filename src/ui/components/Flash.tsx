/** Text that flashes (inverse, or a `*` without colour) for a moment after its `value` changed. */
import React, { type ReactNode } from 'react';
import { Text } from 'ink';
import { useFlash } from '../hooks/use-flash.js';
import { useTheme } from '../ConsoleApiContext.js';
import type { TextStyle } from '../theme.js';

export function Flash({ value, style, children }: { value: unknown; style?: TextStyle; children: ReactNode }) {
  const theme = useTheme();
  const flashing = useFlash(value);
  if (flashing && theme.mode === 'none') return <Text {...style}>{children}*</Text>;
  return <Text {...style} {...(flashing ? theme.flash : {})}>{children}</Text>;
}
