/** What every panel gets from the App: the snapshot, its filtered items, its box, focus and selection. */
import type { ConsoleSnapshot } from '../../core/console-api.js';
import type { PanelItem } from '../panel-items.js';

export interface PanelViewProps {
  snapshot: ConsoleSnapshot;
  items: PanelItem[];
  width: number;
  height: number;
  focused: boolean;
  selected: number;
  /** The panel's filter ('' for none). */
  filter: string;
  /** More for the top border (the log tail's FROZEN and level filter). */
  note?: string;
}

/** "2/5 /filter" for the panel's top border. */
export function panelNote({ items, selected, focused, filter, note }: PanelViewProps): string {
  const parts: string[] = [];
  if (note) parts.push(note);
  if (filter) parts.push(`/${filter}`);
  if (focused && items.length > 0) parts.push(`${Math.min(selected + 1, items.length)}/${items.length}`);
  return parts.join(' ');
}

/** The items' payloads, typed for the panel that knows its kind. */
export function payloads<T>(items: PanelItem[]): T[] {
  return items.map((i) => i.item as T);
}
