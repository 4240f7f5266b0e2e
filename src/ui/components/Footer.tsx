/**
 * The keys that work now: the focused panel's actions, then the global ones; and the last read time. It
 * fits its width whole, never cut mid-key: narrower, it drops the read time, then shortens labels
 * (`⏎ detail`, `spc pause`), then leaves out the least needed global keys (`?` lists them all).
 */
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
  /** Columns to fit in. @default 80 */
  width?: number;
}

/** Shorter labels for narrow terminals. */
const SHORT_LABELS: Record<string, string> = { 'enter detail': '⏎ detail', 'space pause': 'spc pause' };
/** Left out first when even the short labels do not fit; `? help` and `q quit` always stay. */
const DROP_ORDER = ['spc pause', 'r refresh', '/ filter', '↑↓ scroll', 'c copy', '⏎ detail'];
const SEP = '  ';

const lineLength = (labels: string[]) => labels.reduce((n, l, i) => n + (i > 0 ? SEP.length : 0) + [...l].length, 0);

/** The labels to show in `width` columns, and whether the read time fits after them. */
export function fitFooter(labels: string[], width: number, readText: string | null): { labels: string[]; read: boolean } {
  if (readText !== null && lineLength(labels) + readText.length <= width) return { labels, read: true };
  if (lineLength(labels) <= width) return { labels, read: false };
  let fitted = labels.map((l) => SHORT_LABELS[l] ?? l);
  for (const drop of DROP_ORDER) {
    if (lineLength(fitted) <= width) break;
    fitted = fitted.filter((l) => l !== drop);
  }
  return { labels: fitted, read: false };
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

export function Footer({ focus, readMs, emergency, keys, width = 80 }: FooterProps) {
  const theme = useTheme();
  const readText = readMs !== null ? `  · read ${readMs.toFixed(0)} ms` : null;
  const fitted = fitFooter(keys ?? footerKeys(focus, emergency), width, readText);
  return (
    <Text wrap="truncate">
      {fitted.labels.map((label, i) => {
        const [key, ...rest] = label.split(' ');
        return (
          <Text key={label}>
            {i > 0 ? SEP : ''}
            <Text {...theme.accent} bold={theme.mode !== 'none'}>
              {key}
            </Text>{' '}
            {rest.join(' ')}
          </Text>
        );
      })}
      {fitted.read ? <Text {...theme.muted}>{readText}</Text> : null}
    </Text>
  );
}
