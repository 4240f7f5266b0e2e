/**
 * The console's keys: one table, shown in the footer (the short form) and the `?` overlay (all of it),
 * and generated into docs/console.md (`npm run docs`). Actions act on the focused panel's selected item.
 */
import type { PanelId } from './layout.js';

export interface KeyHelp {
  keys: string;
  what: string;
  /** Footer label, when the key belongs in the footer. */
  short?: string;
  /** Only meaningful with this panel focused. */
  panel?: PanelId;
  /** Changes something (refused with --read-only). */
  action?: boolean;
}

export const KEYS: KeyHelp[] = [
  { keys: 'tab / shift-tab, ← →', what: 'move focus between panels', short: 'tab focus' },
  { keys: '↑ ↓, pgup pgdn, home end', what: 'move within the focused list' },
  { keys: 'enter', what: "drill down: idea detail, job history, incident timeline, budget by operation; on a stage's count in Pipeline (↑ from its first idea) that stage's ideas, where x / n / enter / c work", short: 'enter detail' },
  { keys: '/', what: 'filter the focused list (enter keeps it, esc clears)', short: '/ filter' },
  { keys: 'space', what: 'pause / resume the display (the data stops refreshing)', short: 'space pause' },
  { keys: 'r', what: 'refresh now', short: 'r refresh' },
  { keys: '1-7', what: 'jump to a panel: 1 Budget, 2 Services, 3 KPIs, 4 Pipeline, 5 Jobs, 6 Incidents, 7 Logs' },
  { keys: 'c', what: "copy the selected item's id (idea id, incident #, job name, log line) to the clipboard (OSC 52; in tmux: set -g set-clipboard on)" },
  { keys: '?', what: 'this help', short: '? help' },
  { keys: 'esc', what: 'close a detail, dialog, filter or this help' },
  { keys: 'q, ctrl-c', what: 'quit (the terminal is restored)', short: 'q quit' },
  { keys: 'x', what: 'reset the selected stuck, parked or budget-waiting idea to a stage (cost preview, confirm)', panel: 'pipeline', action: true, short: 'x reset' },
  { keys: 'n', what: 'move the selected idea (stuck, parked or waiting) on to its next stage (confirm)', panel: 'pipeline', action: true, short: 'n advance' },
  { keys: 'f', what: 'follow the newest log line / freeze the list (scrolling up freezes it too)', panel: 'logs', short: 'f follow' },
  { keys: 'l', what: 'log level filter: ALL, WARNING and worse, ERROR and worse', panel: 'logs', short: 'l level' },
  { keys: 'j', what: 'run the selected job now (shows progress)', panel: 'jobs', action: true, short: 'j run' },
  { keys: 'p', what: 'pause / resume the selected job', panel: 'jobs', action: true, short: 'p pause' },
  { keys: 'a', what: 'acknowledge the selected incident', panel: 'incidents', action: true, short: 'a ack' },
  { keys: 's', what: 'resolve the selected incident (with a note)', panel: 'incidents', action: true, short: 's resolve' },
  { keys: 'R', what: 'resume after an emergency shutdown (type RESUME, then a reason)', action: true, short: 'R resume' },
  { keys: 'P', what: 'pause all ad campaigns (reason, confirm)', action: true },
  { keys: 'b', what: 'back up the database now (shows progress)', action: true },
  { keys: 'h', what: 'run a health check now', action: true },
];
