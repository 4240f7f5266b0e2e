/** The keys that work now: the global ones and the focused panel's actions; and the last read time. */
import React from 'react';
import { Text } from 'ink';
import { KEYS } from '../keys.js';
import type { PanelId } from '../layout.js';
import { useTheme } from '../ConsoleApiContext.js';

export interface FooterProps {
  focus: PanelId;
  readMs: number | null;
  /** An emergency shutdown is active: `R resume` goes first. */
  emergency: boolean;
  /** Show these instead (a detail view's own keys). */
  keys?: string[];
}

/** The keys of a detail opened from `panel`: its actions (they work there), scrolling, closing. */
export function detailKeys(panel: PanelId): { keys: string[]; labels: string[] } {
  const own = KEYS.filter((k) => k.short && k.panel === panel && k.action);
  const extra = panel === 'services' ? KEYS.filter((k) => k.keys === 'h') : [];
  return {
    keys: [...own, ...extra].map((k) => k.keys),
    labels: [...own.map((k) => k.short!), ...extra.map((k) => `${k.keys} check now`), '↑↓ scroll', 'c copy', 'esc close'],
  };
}

/** The focused panel's actions first (they matter most and the line may be cut), then the global keys. */
export function footerKeys(focus: PanelId, emergency = false): string[] {
  const panel = KEYS.filter((k) => k.short && k.panel === focus).map((k) => k.short!);
  const global = KEYS.filter((k) => k.short && !k.panel && !k.action).map((k) => k.short!);
  return [...(emergency ? ['R resume'] : []), ...panel, ...global];
}

export function Footer({ focus, readMs, emergency, keys }: FooterProps) {
  const theme = useTheme();
  return (
    <Text wrap="truncate">
      {(keys ?? footerKeys(focus, emergency)).map((label, i) => {
        const [key, ...rest] = label.split(' ');
        return (
          <Text key={label}>
            {i > 0 ? '  ' : ''}
            <Text {...theme.accent} bold={theme.mode !== 'none'}>
              {key}
            </Text>{' '}
            {rest.join(' ')}
          </Text>
        );
      })}
      {readMs !== null ? <Text {...theme.muted}>{`  · read ${readMs.toFixed(0)} ms`}</Text> : null}
    </Text>
  );
}
