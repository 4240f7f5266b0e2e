/**
 * The console screen's state that is not React: the dialogs (`Modal`), what `c` copies, the log level
 * filter, and the rows each panel would like. Shared by App.tsx, action-keys.ts and ModalBody.tsx.
 */
import type { ConsoleSnapshot, StageIdeasView, StuckIdeaView } from '../core/console-api.js';
import type { Stage } from '../core/types.js';
import type { DetailContent } from './components/DetailView.js';
import { errorBelow } from './components/JobsPanel.js';
import type { PanelId, Wanted } from './layout.js';
import type { PanelItem } from './panel-items.js';

export type Modal =
  | { kind: 'help' }
  /** `item`: what the detail shows; its panel's action keys act on it. */
  | { kind: 'detail'; detail: DetailContent; panel: PanelId; item: PanelItem }
  | { kind: 'confirm'; title: string; lines: string[]; question?: string; onConfirm(): void }
  | { kind: 'prompt'; title: string; lines: string[]; label: string; mustEqual?: string; allowEmpty?: boolean; onSubmit(text: string): void }
  | { kind: 'reset'; idea: StuckIdeaView }
  /** A stage's ideas (drill-down from its count); `view` null while loading. */
  | { kind: 'stage'; stage: Stage; view: StageIdeasView | null; error?: string | null; loadId: number };

/** What `c` copies for an item: the id an operator pastes into a CLI command. */
export function copyText(item: PanelItem): string {
  switch (item.panel) {
    case 'pipeline':
      return item.item.id;
    case 'stage':
      return item.item.stage;
    case 'incidents':
      return String(item.item.id);
    case 'jobs':
      return item.item.name;
    case 'services':
    case 'kpis':
    case 'budget':
      return item.item.name;
    case 'logs':
      return item.item.msg;
  }
}

/** Jobs that delete or move data: `j` asks before running them. */
export const DESTRUCTIVE_JOB = /purge|archive|prune|delete|vacuum full/i;

/** The Logs panel's level filter (`l` cycles): the lowest level shown. */
export const LOG_LEVEL_FILTERS = [
  { label: 'ALL', min: 0 },
  { label: 'WARNING+', min: 3 },
  { label: 'ERROR+', min: 4 },
] as const;
const LOG_RANK: Record<string, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, WARNING: 3, ERROR: 4, CRITICAL: 5, FATAL: 5 };
export const logRank = (level: string) => LOG_RANK[level.toUpperCase()] ?? 2;

/** Per panel: the selection (null: where the panel starts, `firstSelection`) and the filter. */
export const noSelection = (): Record<PanelId, number | null> => ({ budget: null, services: null, kpis: null, pipeline: null, jobs: null, incidents: null, logs: null });
export const noFilters = (): Record<PanelId, string> => ({ budget: '', services: '', kpis: '', pipeline: '', jobs: '', incidents: '', logs: '' });

export function wantedRows(s: ConsoleSnapshot): Wanted {
  const flags = s.budget.emergencyShutdown || s.budget.circuitBreakerActive ? 1 : 0;
  return {
    budget: s.budget.categories.length + 2 + flags,
    services: Math.max(1, s.services.length),
    kpis: Math.max(1, s.kpis.length),
    // the stage counts and the flow figures wrap to two rows each in the wide layout's half width
    pipeline: 4 + Math.max(1, s.pipeline.stuck.length),
    // a failed job's error takes a row under it
    jobs: Math.max(1, s.jobs.length + s.jobs.filter((j) => errorBelow(j) !== null).length),
    incidents: Math.max(1, s.incidents.length),
  };
}
