/**
 * The selectable items of each panel, in display order, after the panel's filter. The App keeps the
 * selection as an index into these lists; panels render them; actions read the selected one.
 */
import type { CategoryView, ConsoleSnapshot, IncidentView, JobView, KpiView, LogLineView, ServiceView, StuckIdeaView } from '../core/console-api.js';
import { matches } from './format.js';
import type { PanelId } from './layout.js';
import type { Stage } from '../core/types.js';

/** A stage's count in the Pipeline panel's first row: enter lists the stage's ideas. */
export interface StageCount {
  stage: Stage;
  count: number;
}

export type PanelItem =
  | { panel: 'budget'; key: string; item: CategoryView }
  | { panel: 'services'; key: string; item: ServiceView }
  | { panel: 'kpis'; key: string; item: KpiView }
  | { panel: 'pipeline'; key: string; item: StuckIdeaView }
  /** In the Pipeline panel's list, before its ideas (not when filtered). */
  | { panel: 'stage'; key: string; item: StageCount }
  | { panel: 'jobs'; key: string; item: JobView }
  | { panel: 'incidents'; key: string; item: IncidentView }
  | { panel: 'logs'; key: string; item: LogLineView };

const SEVERITY_ORDER = { P1: 0, P2: 1, P3: 2, P4: 3 } as const;

/** Open incidents first by severity, then oldest first; resolved ones after all of them. */
export function sortIncidents(incidents: IncidentView[]): IncidentView[] {
  const resolved = (i: IncidentView) => (i.status === 'resolved' ? 1 : 0);
  return [...incidents].sort(
    (a, b) => resolved(a) - resolved(b) || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.openedAt.getTime() - b.openedAt.getTime() || a.id - b.id,
  );
}

export function panelItems(panel: PanelId, s: ConsoleSnapshot, filter = ''): PanelItem[] {
  switch (panel) {
    case 'budget':
      return [...s.budget.categories, s.budget.total]
        .filter((c) => matches(`${c.name} ${c.level}`, filter))
        .map((item) => ({ panel, key: item.name, item }));
    case 'services':
      return s.services.filter((x) => matches(`${x.name} ${x.level} ${x.reason}`, filter)).map((item) => ({ panel, key: item.name, item }));
    case 'kpis':
      return s.kpis.filter((x) => matches(`${x.name} ${x.level}`, filter)).map((item) => ({ panel, key: item.name, item }));
    case 'pipeline': {
      // the stage counts come first (↑ from the first idea moves into them); a filter lists ideas only
      const stages: PanelItem[] = filter ? [] : s.pipeline.stages.map((item) => ({ panel: 'stage', key: `stage:${item.stage}`, item }));
      return [
        ...stages,
        ...[...s.pipeline.stuck]
          .sort((a, b) => b.heldForMs - a.heldForMs)
          .filter((x) => matches(`${x.id} ${x.title} ${x.stage} ${x.status} ${x.reason}`, filter))
          .map((item) => ({ panel, key: item.id, item })),
      ];
    }
    case 'jobs':
      return s.jobs.filter((x) => matches(`${x.name} ${x.lastStatus ?? ''} ${x.paused ? 'paused' : ''}`, filter)).map((item) => ({ panel, key: item.name, item }));
    case 'incidents':
      return sortIncidents(s.incidents)
        .filter((x) => matches(`${x.severity} ${x.title} ${x.source} ${x.status}`, filter))
        .map((item) => ({ panel, key: String(item.id), item }));
    case 'logs':
      return s.logs
        .filter((x) => matches(`${x.level} ${x.scope ?? ''} ${x.msg}`, filter))
        .map((item, i) => ({ panel, key: `${item.time.getTime()}-${i}`, item }));
  }
}

/** Where a panel's selection starts: the Pipeline panel's on its first idea, after the stage counts. */
export function firstSelection(panel: PanelId, s: ConsoleSnapshot | null, filter = ''): number {
  return panel === 'pipeline' && s && !filter ? s.pipeline.stages.length : 0;
}

/** Lists that follow their newest entry (the log tail): selection counts from the end. */
export const ANCHOR_END: Partial<Record<PanelId, boolean>> = { logs: true };

/** The first row to show so that `selected` is visible in `capacity` rows. */
function windowStart(count: number, selected: number, capacity: number, anchorEnd = false): number {
  if (capacity <= 0 || count <= capacity) return 0;
  const maxStart = count - capacity;
  if (anchorEnd) return selected >= maxStart ? maxStart : Math.max(0, selected - capacity + 1);
  return Math.max(0, Math.min(maxStart, selected - Math.floor(capacity / 2)));
}

/**
 * The items to show (`start` to before `end`) so that `selected` is visible when item i takes `heights[i]`
 * rows (a failed job and its error take two) in `capacity` rows: from where `windowStart` would start,
 * moved on until the selected item fits whole, then, at the end of the list, back while the items before
 * fit in the rows left. With every height 1 it is `windowStart`'s window. At least one item.
 */
export function windowItems(heights: number[], selected: number, capacity: number, anchorEnd = false): { start: number; end: number } {
  const fill = (from: number) => {
    let used = 0;
    let end = from;
    while (end < heights.length && used + heights[end]! <= capacity) used += heights[end++]!;
    return { end, used };
  };
  let start = windowStart(heights.length, selected, capacity, anchorEnd);
  let { end, used } = fill(start);
  while (start < selected && end <= selected) ({ end, used } = fill(++start));
  while (start > 0 && end === heights.length && used + heights[start - 1]! <= capacity) used += heights[--start]!;
  return { start, end: Math.max(end, Math.min(heights.length, start + 1)) };
}
