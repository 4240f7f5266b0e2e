/**
 * A stage's ideas (drill-down from a stage's count in the Pipeline panel, #17 item 8): each with what
 * holds it (PARKED, WAIT$, STUCK or nothing), status, time in the stage and the reason. ↑↓ select; enter
 * shows the idea's detail; `x` resets and `n` advances the selected idea as from the Pipeline panel (the
 * same dialogs, the same audited api calls); `c` copies its id; `r` reads the list again; esc closes.
 */
import React, { useRef, useState } from 'react';
import { Text } from 'ink';
import type { StageIdeasView, StuckIdeaView } from '../../core/console-api.js';
import type { Stage } from '../../core/types.js';
import { useKeys } from '../hooks/use-keys.js';
import { useTheme } from '../ConsoleApiContext.js';
import { pad, truncate } from '../format.js';
import { formatAge } from '../ages.js';
import { ListRows } from './ListRows.js';
import { Panel, contentRows, contentWidth } from './Panel.js';

export interface StageListProps {
  stage: Stage;
  /** null while loading */
  view: StageIdeasView | null;
  error?: string | null;
  width: number;
  height: number;
  onClose(): void;
  /** enter, `x`, `n` or `c` on the selected idea. */
  onIdea(input: 'enter' | 'x' | 'n' | 'c', idea: StuckIdeaView): void;
  onReload(): void;
}

/** The keys the stage list takes, for the footer. */
export const STAGE_LIST_KEYS = ['x reset', 'n advance', 'enter detail', '↑↓ move', 'c copy', 'r reload', 'esc close'];

/** Columns of a row before the title: badge, status and time in the stage, with their gaps. */
const FIXED_COLUMNS = 7 + 12 + 9;
/** The status column (RESEARCHING whole; SMOKE_TEST_FAILED is cut). */
const STATUS_WIDTH = 11;

/**
 * The title column's width, on rows that have a reason, in a row `inner` columns wide: as wide as the
 * longest title where the row has room, keeping up to 30 columns for the reason beside it, and never under
 * 28 (nor under 12 for short titles). A row without a reason gives its title the rest of the row (the
 * title is the last column but the reason): one parked idea no longer cuts every other title at 28.
 */
export function stageTitleWidth(ideas: ReadonlyArray<Pick<StuckIdeaView, 'title' | 'reason'>>, inner: number): number {
  const longestTitle = Math.max(12, ...ideas.map((i) => i.title.length));
  const longestReason = Math.max(0, ...ideas.map((i) => i.reason.length));
  const room = inner - FIXED_COLUMNS - 1 - Math.min(30, longestReason);
  return Math.min(longestTitle, Math.max(28, room));
}

const BADGE: Record<NonNullable<StuckIdeaView['kind']>, string> = { parked: 'PARKED', waiting: 'WAIT$', stuck: 'STUCK', active: '' };

export function StageList({ stage, view, error, width, height, onClose, onIdea, onReload }: StageListProps) {
  const theme = useTheme();
  const [selected, setSelectedState] = useState(0);
  // keys can outrun renders: `x` right after `↓` acts on the idea moved to
  const chosen = useRef(0);
  const ideas = view?.ideas ?? [];
  const rows = contentRows(height);
  const move = (delta: number | 'home' | 'end') => {
    const last = Math.max(0, ideas.length - 1);
    const next = delta === 'home' ? 0 : delta === 'end' ? last : chosen.current + delta;
    chosen.current = Math.min(last, Math.max(0, next));
    setSelectedState(chosen.current);
  };
  useKeys((input, key) => {
    if (key.escape || input === 'q' || key.backspace || key.delete) return onClose();
    if (key.upArrow) return move(-1);
    if (key.downArrow) return move(1);
    if (key.pageUp) return move(-Math.max(1, rows - 2));
    if (key.pageDown) return move(Math.max(1, rows - 2));
    if (key.home) return move('home');
    if (key.end) return move('end');
    if (input === 'r') return onReload();
    const idea = ideas[Math.min(chosen.current, ideas.length - 1)];
    if (!idea) return;
    if (key.return) return onIdea('enter', idea);
    if (input === 'x' || input === 'n' || input === 'c') return onIdea(input, idea);
  });
  const inner = contentWidth(width) - 1;
  const titleWidth = stageTitleWidth(ideas, inner);
  const note = view ? `${ideas.length ? `${Math.min(selected + 1, ideas.length)}/` : ''}${view.total}${view.total > ideas.length ? ` (first ${ideas.length})` : ''} · esc closes` : 'esc closes';
  return (
    <Panel title={`Stage ${stage} — its ideas`} note={note} width={width} height={height} focused>
      {error ? (
        <Text wrap="truncate" {...theme.bad}>
          ✗ {error} (r reads again)
        </Text>
      ) : view === null ? (
        <Text {...theme.muted}>loading…</Text>
      ) : (
        <>
          <Text wrap="truncate" {...theme.muted}>
            {` ${pad('', 6)} ${pad('status', STATUS_WIDTH)} ${pad('in stage', 8, 'right')} ${ideas.some((i) => i.reason) ? `${pad('title', titleWidth)} why` : 'title'}`}
          </Text>
          <ListRows
            items={ideas}
            selected={selected}
            focused
            rows={rows - 1}
            empty={`no ideas in ${stage}`}
            render={(idea) => (
              <Text>
                <Text {...(idea.kind === 'stuck' ? theme.bad : theme.warn)}>{pad(BADGE[idea.kind ?? 'stuck'], 6)}</Text> {pad(idea.status, STATUS_WIDTH)}{' '}
                {pad(formatAge(idea.heldForMs), 8, 'right')} {idea.reason ? pad(idea.title, titleWidth) : truncate(idea.title, inner - FIXED_COLUMNS)}
                {idea.reason ? <Text {...theme.muted}> {idea.reason}</Text> : null}
              </Text>
            )}
          />
        </>
      )}
    </Panel>
  );
}
