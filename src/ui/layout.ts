/**
 * Where the panels go for a terminal size. Pure: size and wanted rows in, boxes out.
 *
 * The frame is always one row shorter than the terminal: when Ink 6's frame fills the screen it clears
 * and repaints everything on each render (flicker over SSH); one row short, it rewrites lines in place.
 *
 * - **wide** (>= 120 columns and >= 30 rows): two columns of three panels (budget, services, KPIs |
 *   pipeline, jobs, incidents) over the log tail, each panel with its own height.
 * - **compact** (80x24 and anything smaller than wide): one summary line per panel, then the focused
 *   panel in full; tab moves focus and so changes which panel is open. Below 11 body rows the summary
 *   lines go too and only the focused panel shows.
 */
export const PANELS = ['budget', 'services', 'kpis', 'pipeline', 'jobs', 'incidents', 'logs'] as const;
export type PanelId = (typeof PANELS)[number];

export const PANEL_TITLES: Record<PanelId, string> = {
  budget: 'Budget',
  services: 'Services',
  kpis: 'KPIs',
  pipeline: 'Pipeline',
  jobs: 'Jobs',
  incidents: 'Incidents',
  logs: 'Logs',
};

/** Rows outside the body: header, status line, footer. */
export const CHROME_ROWS = 3;
/** Rows a bordered panel spends on its border. */
export const BORDER_ROWS = 2;

export interface PanelBox {
  id: PanelId;
  width: number;
  height: number;
}

export type Layout =
  | { kind: 'wide'; width: number; frameRows: number; bodyRows: number; left: PanelBox[]; right: PanelBox[]; bottom: PanelBox }
  | { kind: 'compact'; width: number; frameRows: number; bodyRows: number; summary: boolean; focused: PanelBox };

export interface Size {
  columns: number;
  rows: number;
}

/** Content rows each panel would like (its data), used to share out the height. */
export type Wanted = Partial<Record<PanelId, number>>;

export const WIDE_MIN_COLUMNS = 120;
export const WIDE_MIN_ROWS = 30;

/**
 * The panels' boxes for a terminal size. `statusRows` is the status line's height: 2 while a line that
 * does not fit one row is shown whole (the "while you were away" summary at 80-100 columns), the body
 * giving up that row. @default 1
 */
export function computeLayout(size: Size, focus: PanelId, wanted: Wanted = {}, statusRows = 1): Layout {
  const width = Math.max(20, size.columns);
  const frameRows = Math.max(6, size.rows - 1);
  const bodyRows = Math.max(3, frameRows - CHROME_ROWS - (statusRows - 1));
  if (size.columns >= WIDE_MIN_COLUMNS && size.rows >= WIDE_MIN_ROWS) {
    const leftWidth = Math.floor(width / 2);
    const want = (id: PanelId, fallback: number) => (wanted[id] ?? fallback) + BORDER_ROWS;
    const leftIds: PanelId[] = ['budget', 'services', 'kpis'];
    const rightIds: PanelId[] = ['pipeline', 'jobs', 'incidents'];
    // The columns get what their panels want (up to all but 6 rows); the log tail gets the rest.
    const sum = (ids: PanelId[]) => ids.reduce((n, id) => n + want(id, 5), 0);
    const top = Math.max(3 * (BORDER_ROWS + 1), Math.min(bodyRows - 6, Math.max(sum(leftIds), sum(rightIds))));
    const logs = bodyRows - top;
    const leftHeights = share(top, leftIds.map((id) => want(id, 5)), BORDER_ROWS + 1);
    const rightHeights = share(top, rightIds.map((id) => want(id, 5)), BORDER_ROWS + 1);
    return {
      kind: 'wide',
      width,
      frameRows,
      bodyRows,
      left: leftIds.map((id, i) => ({ id, width: leftWidth, height: leftHeights[i]! })),
      right: rightIds.map((id, i) => ({ id, width: width - leftWidth, height: rightHeights[i]! })),
      bottom: { id: 'logs', width, height: logs },
    };
  }
  const summary = bodyRows - PANELS.length >= 4 + BORDER_ROWS;
  return {
    kind: 'compact',
    width,
    frameRows,
    bodyRows,
    summary,
    focused: { id: focus, width, height: summary ? bodyRows - PANELS.length : bodyRows },
  };
}

/**
 * Share `total` rows among boxes that want `wanted[i]` rows each, none below `min`. Extra rows go to
 * the boxes in proportion to what they asked; a shortfall is taken from what each asked above `min`.
 * The result always adds up to `total` (when `total` >= min x count).
 */
export function share(total: number, wanted: number[], min: number): number[] {
  const n = wanted.length;
  if (n === 0) return [];
  const floor = Math.min(min, Math.floor(total / n));
  const asks = wanted.map((w) => Math.max(floor, w));
  const sum = asks.reduce((a, b) => a + b, 0);
  let out: number[];
  if (sum <= total) {
    const extra = total - sum;
    out = asks.map((a) => a + Math.floor((extra * a) / sum));
  } else {
    const above = asks.map((a) => a - floor);
    const aboveSum = above.reduce((a, b) => a + b, 0) || 1;
    const room = total - floor * n;
    out = above.map((a) => floor + Math.floor((room * a) / aboveSum));
  }
  // Rounding leaves a few rows over: give them to the boxes in order.
  let left = total - out.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % n, left--) out[i]! += 1;
  return out;
}
