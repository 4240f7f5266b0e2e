/**
 * The operator console: header, panels (wide or compact layout), status line, footer; the keyboard; and
 * the dialogs of the recovery actions. It renders snapshots and calls the `ConsoleApi` (from context),
 * nothing else.
 */
import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text, useApp, useStdout, type Key } from 'ink';
import type { ConsoleSnapshot, LogLineView, StuckIdeaView } from '../core/console-api.js';
import { STAGES, type Stage } from '../core/types.js';
import { toError } from '../core/errors.js';
import { useConsoleSettings } from './ConsoleApiContext.js';
import { useSnapshot } from './hooks/use-snapshot.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { useActions } from './hooks/use-actions.js';
import { KeyRouter, useKeys } from './hooks/use-keys.js';
import { computeLayout, PANELS, PANEL_TITLES, type Layout, type PanelBox, type PanelId, type Wanted } from './layout.js';
import { ANCHOR_END, panelItems, type PanelItem } from './panel-items.js';
import { drillDown } from './drill-down.js';
import { clockTime, formatDuration } from './format.js';
import { Header } from './components/Header.js';
import { Footer, detailKeys } from './components/Footer.js';
import { StatusLine } from './components/StatusLine.js';
import { FilterBar } from './components/FilterBar.js';
import { PanelSummary } from './components/PanelSummary.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { ConfirmDialog } from './components/ConfirmDialog.js';
import { TextPrompt } from './components/TextPrompt.js';
import { DetailView, type DetailContent } from './components/DetailView.js';
import { ResetDialog } from './components/ResetDialog.js';
import { BudgetPanel } from './components/BudgetPanel.js';
import { ServicesPanel } from './components/ServicesPanel.js';
import { KpiPanel } from './components/KpiPanel.js';
import { PipelinePanel } from './components/PipelinePanel.js';
import { JobsPanel } from './components/JobsPanel.js';
import { IncidentsPanel } from './components/IncidentsPanel.js';
import { LogPanel } from './components/LogPanel.js';
import type { PanelViewProps } from './components/panel-props.js';

export interface AppProps {
  /** Milliseconds between snapshot reads. @default 2000 */
  refreshMs?: number;
  /** 'full': every read re-renders every panel (the behaviour before #17 item 13; bench baseline). */
  repaint?: 'changes' | 'full';
}

type Modal =
  | { kind: 'help' }
  | { kind: 'detail'; detail: DetailContent; panel: PanelId }
  | { kind: 'confirm'; title: string; lines: string[]; question?: string; onConfirm(): void }
  | { kind: 'prompt'; title: string; lines: string[]; label: string; mustEqual?: string; allowEmpty?: boolean; onSubmit(text: string): void }
  | { kind: 'reset'; idea: StuckIdeaView };

// Memoised: a read with the same content keeps the same snapshot and items, so a panel whose size,
// focus, selection and filter did not change is not rendered again (the clock ticks in the header only).
const PANEL_VIEWS: Record<PanelId, React.ComponentType<PanelViewProps>> = {
  budget: React.memo(BudgetPanel),
  services: React.memo(ServicesPanel),
  kpis: React.memo(KpiPanel),
  pipeline: React.memo(PipelinePanel),
  jobs: React.memo(JobsPanel),
  incidents: React.memo(IncidentsPanel),
  logs: React.memo(LogPanel),
};
const FULL_PANEL_VIEWS: Record<PanelId, React.ComponentType<PanelViewProps>> = {
  budget: BudgetPanel,
  services: ServicesPanel,
  kpis: KpiPanel,
  pipeline: PipelinePanel,
  jobs: JobsPanel,
  incidents: IncidentsPanel,
  logs: LogPanel,
};

const MemoStatusLine = React.memo(StatusLine);
const MemoFooter = React.memo(Footer);
const MemoPanelSummary = React.memo(PanelSummary);

/** What `c` copies for an item: the id an operator pastes into a CLI command. */
function copyText(item: PanelItem): string {
  switch (item.panel) {
    case 'pipeline':
      return item.item.id;
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
const DESTRUCTIVE_JOB = /purge|archive|prune|delete|vacuum full/i;

/** The Logs panel's level filter (`l` cycles): the lowest level shown. */
const LOG_LEVEL_FILTERS = [
  { label: 'ALL', min: 0 },
  { label: 'WARNING+', min: 3 },
  { label: 'ERROR+', min: 4 },
] as const;
const LOG_RANK: Record<string, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, WARNING: 3, ERROR: 4, CRITICAL: 5, FATAL: 5 };
const logRank = (level: string) => LOG_RANK[level.toUpperCase()] ?? 2;

const noSelection = (): Record<PanelId, number> => ({ budget: 0, services: 0, kpis: 0, pipeline: 0, jobs: 0, incidents: 0, logs: 0 });
const noFilters = (): Record<PanelId, string> => ({ budget: '', services: '', kpis: '', pipeline: '', jobs: '', incidents: '', logs: '' });

function wantedRows(s: ConsoleSnapshot): Wanted {
  const flags = s.budget.emergencyShutdown || s.budget.circuitBreakerActive ? 1 : 0;
  return {
    budget: s.budget.categories.length + 2 + flags,
    services: Math.max(1, s.services.length),
    kpis: Math.max(1, s.kpis.length),
    pipeline: 2 + Math.max(1, s.pipeline.stuck.length),
    jobs: Math.max(1, s.jobs.length),
    incidents: Math.max(1, s.incidents.length),
  };
}

export function App(props: AppProps) {
  return (
    <KeyRouter>
      <ConsoleScreen {...props} />
    </KeyRouter>
  );
}

function ConsoleScreen({ refreshMs = 2000, repaint = 'changes' }: AppProps) {
  const { api } = useConsoleSettings();
  const { exit } = useApp();
  const { stdout } = useStdout();
  const size = useTerminalSize();
  const snap = useSnapshot(refreshMs, { dedupe: repaint !== 'full' });
  const actions = useActions(snap.refresh);
  const [focus, setFocusState] = useState<PanelId>('budget');
  // Keys can arrive faster than renders (a paste, tmux send-keys): the handler reads focus from this ref,
  // which changes at once, not from the last render.
  const focusRef = useRef<PanelId>('budget');
  const setFocus = (next: PanelId) => {
    focusRef.current = next;
    setFocusState(next);
  };
  // For the log tail (ANCHOR_END) the selection counts back from the newest line.
  const [selection, setSelection] = useState(noSelection);
  const [filters, setFilters] = useState(noFilters);
  const [filtering, setFilteringState] = useState(false);
  const [modal, setModalState] = useState<Modal | null>(null);
  // A key that opens a dialog or the filter takes effect at the next render; keys typed before it (a
  // quick "/pi", tmux send-keys) must not reach the panel behind it ("p" would pause a job).
  const overlayRef = useRef<'modal' | 'filter' | null>(null);
  const setModal: typeof setModalState = (next) => {
    if (typeof next !== 'function') overlayRef.current = next ? 'modal' : filtering ? 'filter' : null;
    setModalState(next);
  };
  const setFiltering = (on: boolean) => {
    overlayRef.current = on ? 'filter' : modal ? 'modal' : null;
    setFilteringState(on);
  };
  const [away, setAway] = useState<string | null>(null);
  // The log tail: a level filter, and a frozen copy while the operator reads back (new lines do not move
  // the selection); `f` or `end` follows the newest line again.
  const [logLevel, setLogLevel] = useState(0);
  const [frozenLogs, setFrozenLogs] = useState<LogLineView[] | null>(null);

  useEffect(() => {
    let current = true;
    api.awaySummary().then(
      (text) => current && setAway(text),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [api]);

  const snapshot = snap.snapshot;
  const layout: Layout = computeLayout(size, focus, snapshot ? wantedRows(snapshot) : {});

  const items = useMemo(() => {
    const out = {} as Record<PanelId, PanelItem[]>;
    for (const id of PANELS) out[id] = snapshot ? panelItems(id, snapshot, filters[id]) : [];
    if (snapshot) {
      const min = LOG_LEVEL_FILTERS[logLevel]!.min;
      const logs = (frozenLogs ?? snapshot.logs).filter((l) => logRank(l.level) >= min);
      out.logs = panelItems('logs', { ...snapshot, logs }, filters.logs);
    }
    return out;
  }, [snapshot, filters, logLevel, frozenLogs]);
  const newSinceFrozen = frozenLogs && snapshot ? snapshot.logs.filter((l) => l.time > (frozenLogs.at(-1)?.time ?? new Date(0))).length : 0;
  const logNote = [frozenLogs ? `FROZEN${newSinceFrozen ? ` +${newSinceFrozen} new` : ''} (f follows)` : '', logLevel ? LOG_LEVEL_FILTERS[logLevel]!.label : ''].filter(Boolean).join(' ');

  const selectedIndex = useCallback(
    (id: PanelId) => {
      const count = items[id].length;
      if (count === 0) return 0;
      const raw = Math.min(count - 1, Math.max(0, selection[id]));
      return ANCHOR_END[id] ? count - 1 - raw : raw;
    },
    [items, selection],
  );
  const selectedItem = (id: PanelId): PanelItem | undefined => items[id][selectedIndex(id)];

  const moveSelection = (delta: number | 'home' | 'end') => {
    const focus = focusRef.current;
    const count = items[focus].length;
    if (count === 0) return;
    if (focus === 'logs' && snapshot) {
      // reading back freezes the tail, so arriving lines do not slide the selection; `end` follows again
      if (delta === 'end') setFrozenLogs(null);
      else if (!frozenLogs && (delta === 'home' || delta < 0)) setFrozenLogs(snapshot.logs);
    }
    setSelection((sel) => {
      const anchor = ANCHOR_END[focus] === true;
      const current = Math.min(count - 1, Math.max(0, sel[focus]));
      let next: number;
      if (delta === 'home') next = anchor ? count - 1 : 0;
      else if (delta === 'end') next = anchor ? 0 : count - 1;
      else next = current + (anchor ? -delta : delta);
      return { ...sel, [focus]: Math.min(count - 1, Math.max(0, next)) };
    });
  };

  const moveFocus = (delta: number) => {
    const i = PANELS.indexOf(focusRef.current);
    setFocus(PANELS[(i + delta + PANELS.length) % PANELS.length]!);
  };

  const closeModal = () => setModal(null);
  const dialogWidth = Math.min(layout.width, 100);
  const detailWidth = layout.width - 4;

  const openDetail = (item: PanelItem) => {
    if (!snapshot) return;
    const drill = drillDown(item, api, snapshot, detailWidth);
    setModal({ kind: 'detail', detail: { title: drill.title, lines: null }, panel: item.panel });
    drill.load().then(
      (lines) => setModal((m) => (m?.kind === 'detail' && m.detail.title === drill.title ? { ...m, detail: { title: drill.title, lines } } : m)),
      (err: unknown) =>
        setModal((m) => (m?.kind === 'detail' && m.detail.title === drill.title ? { ...m, detail: { title: drill.title, lines: [], error: toError(err).message } } : m)),
    );
  };

  const needs = (panel: PanelId, what: string): PanelItem | undefined => {
    const item = focusRef.current === panel ? selectedItem(panel) : undefined;
    if (!item) actions.say(`${what}: focus the ${PANEL_TITLES[panel]} panel (tab) and select one first`, 'bad');
    return item;
  };

  const copySelected = () => {
    const item = selectedItem(focusRef.current);
    if (!item) return actions.say(`nothing selected in ${PANEL_TITLES[focusRef.current]} to copy`, 'info');
    const text = copyText(item);
    // OSC 52: the terminal (through SSH and tmux with set-clipboard on) puts it on the clipboard
    // (straight to the terminal, not through Ink's write: it moves no cursor and needs no repaint)
    stdout.write(`\x1b]52;c;${Buffer.from(text).toString('base64')}\x07`);
    actions.say(`copied ${text.length > 60 ? `${text.slice(0, 59)}…` : text}`, 'ok');
  };

  const onKey = (input: string, key: Key, fromDetail = false) => {
    const focus = focusRef.current;
    if (input === 'c' && (fromDetail || overlayRef.current === null)) return copySelected();
    if (overlayRef.current === 'modal' && !fromDetail) return; // meant for the dialog about to show
    if (overlayRef.current === 'filter') {
      if (key.return) return setFiltering(false);
      if (key.escape) {
        setFiltering(false);
        return setFilters((f) => ({ ...f, [focus]: '' }));
      }
      // eslint-disable-next-line no-control-regex
      const printable = key.ctrl || key.meta ? '' : input.replace(/[\x00-\x1f\x7f]/g, '');
      if (printable) setFilters((f) => ({ ...f, [focus]: (f[focus] + printable).slice(0, 100) }));
      return;
    }
    if (input === 'q') return exit();
    if (/^[1-7]$/.test(input)) return setFocus(PANELS[Number(input) - 1]!);
    if (input === '?') return setModal({ kind: 'help' });
    if (key.tab) return moveFocus(key.shift ? -1 : 1);
    if (key.rightArrow) return moveFocus(1);
    if (key.leftArrow) return moveFocus(-1);
    if (key.upArrow) return moveSelection(-1);
    if (key.downArrow) return moveSelection(1);
    if (key.pageUp) return moveSelection(-10);
    if (key.pageDown) return moveSelection(10);
    if (key.home) return moveSelection('home');
    if (key.end) return moveSelection('end');
    if (key.escape) {
      if (filters[focus]) setFilters((f) => ({ ...f, [focus]: '' }));
      return;
    }
    if (key.return) {
      const item = selectedItem(focus);
      if (item) openDetail(item);
      else actions.say(`nothing selected in ${PANEL_TITLES[focus]}`, 'info');
      return;
    }
    if (input === '/') return setFiltering(true);
    if (input === ' ') return snap.togglePaused();
    if (input === 'r') {
      // a read still waiting: another one would only queue behind it; say what is going on instead
      const since = snap.readingSince();
      if (since !== null && Date.now() - since >= 2_000) {
        return actions.say(`the database has not answered for ${formatDuration(Date.now() - since)} (the last read still waits); data as of ${snap.takenAt() !== null ? clockTime(new Date(snap.takenAt()!)) : '-'}`, 'bad');
      }
      return snap.refresh();
    }
    switch (input) {
      case 'x': {
        const item = needs('pipeline', 'x resets a stuck idea');
        if (item?.panel === 'pipeline' && actions.allowed(`reset ${item.item.title}`)) setModal({ kind: 'reset', idea: item.item });
        return;
      }
      case 'n': {
        const item = needs('pipeline', 'n moves an idea on');
        if (item?.panel !== 'pipeline' || !actions.allowed(`advance ${item.item.title}`)) return;
        const idea = item.item;
        const next = STAGES[STAGES.indexOf(idea.stage) + 1];
        if (!next) return actions.say(`${idea.title} is ${idea.stage}: there is no next stage`, 'info');
        setModal({
          kind: 'confirm',
          title: `Advance ${idea.title}`,
          lines: [`${idea.stage} → ${next}, without running ${idea.stage}'s gate.`, `listed because: ${idea.reason}`, 'It is audited with your name.'],
          question: `Move it to ${next}?`,
          onConfirm: () => {
            closeModal();
            void actions.run(`advance ${idea.title}`, () => api.advanceIdea(idea.id, next));
          },
        });
        return;
      }
      case 'f': {
        if (focus !== 'logs') return actions.say('f follows or freezes the log tail: focus the Logs panel (7) first', 'info');
        if (frozenLogs) {
          setFrozenLogs(null);
          setSelection((sel) => ({ ...sel, logs: 0 }));
          actions.say('logs: following the newest line', 'info');
        } else if (snapshot) {
          setFrozenLogs(snapshot.logs);
          actions.say('logs: frozen (f follows again)', 'info');
        }
        return;
      }
      case 'l': {
        if (focus !== 'logs') return actions.say('l filters the log tail by level: focus the Logs panel (7) first', 'info');
        const next = (logLevel + 1) % LOG_LEVEL_FILTERS.length;
        setLogLevel(next);
        setSelection((sel) => ({ ...sel, logs: 0 }));
        actions.say(`logs: ${LOG_LEVEL_FILTERS[next]!.label}`, 'info');
        return;
      }
      case 'j': {
        const item = needs('jobs', 'j runs a job');
        if (item?.panel !== 'jobs') return;
        const name = item.item.name;
        const run = () => void actions.run(`run ${name}`, (progress) => api.runJob(name, progress));
        // jobs that delete or move data ask first
        if (DESTRUCTIVE_JOB.test(name) && actions.allowed(`run ${name}`)) {
          setModal({
            kind: 'confirm',
            title: `Run ${name} now`,
            lines: [`${name} deletes or moves data (${item.item.schedule} is its schedule).`, 'It is audited with your name.'],
            question: `Run ${name} now?`,
            onConfirm: () => {
              closeModal();
              run();
            },
          });
        } else run();
        return;
      }
      case 'p': {
        const item = needs('jobs', 'p pauses or resumes a job');
        if (item?.panel === 'jobs') {
          const job = item.item;
          void actions.run(job.paused ? `resume ${job.name}` : `pause ${job.name}`, () => (job.paused ? api.resumeJob(job.name) : api.pauseJob(job.name)));
        }
        return;
      }
      case 'a': {
        const item = needs('incidents', 'a acknowledges an incident');
        if (item?.panel === 'incidents') {
          if (item.item.status === 'resolved') actions.say(`incident #${item.item.id} is resolved; nothing to acknowledge`, 'info');
          else if (item.item.status === 'acknowledged') actions.say(`incident #${item.item.id} is already acknowledged`, 'info');
          else void actions.run(`ack incident #${item.item.id}`, () => api.ackIncident(item.item.id));
        }
        return;
      }
      case 's': {
        const item = needs('incidents', 's resolves an incident');
        if (item?.panel === 'incidents' && item.item.status === 'resolved') {
          actions.say(`incident #${item.item.id} is already resolved`, 'info');
          return;
        }
        if (item?.panel === 'incidents' && actions.allowed(`resolve incident #${item.item.id}`)) {
          const inc = item.item;
          setModal({
            kind: 'prompt',
            title: `Resolve incident #${inc.id}`,
            lines: [`${inc.severity} ${inc.title} (${inc.source})`, 'What was done? The note goes on the timeline and into the audit log.'],
            label: 'note',
            onSubmit: (note) => {
              closeModal();
              void actions.run(`resolve incident #${inc.id}`, () => api.resolveIncident(inc.id, note));
            },
          });
        }
        return;
      }
      case 'R': {
        if (!actions.allowed('resume after emergency shutdown')) return;
        const b = snapshot?.budget;
        // nothing to resume: say so before asking for anything
        if (b && !b.emergencyShutdown) return actions.say(`nothing to resume: the budget is not in emergency shutdown (as of ${clockTime(snapshot!.takenAt)})`, 'info');
        setModal({
          kind: 'prompt',
          title: 'Resume after emergency shutdown',
          lines: [
            b?.emergencyShutdown ? `Emergency shutdown is ACTIVE${b.shutdownReason ? `: ${b.shutdownReason}` : ''}.` : 'The budget is not in emergency shutdown (as of the last snapshot).',
            b ? `Budget ${b.total.usagePct.toFixed(1)}% used (${b.level}). Resuming lets paid calls through again.` : '',
            'Type RESUME to go on.',
          ],
          label: 'confirmation',
          mustEqual: 'RESUME',
          onSubmit: () =>
            setModal({
              kind: 'prompt',
              title: 'Resume after emergency shutdown',
              lines: ['Why is it safe to resume? (goes into the audit log)'],
              label: 'reason',
              onSubmit: (reason) => {
                closeModal();
                void actions.run('resume budget', () => api.resumeBudget(reason));
              },
            }),
        });
        return;
      }
      case 'P': {
        if (!actions.allowed('pause all campaigns')) return;
        setModal({
          kind: 'prompt',
          title: 'Pause all campaigns',
          lines: ['Every running ad campaign will be paused. Why? (goes into the audit log)'],
          label: 'reason',
          onSubmit: (reason) =>
            setModal({
              kind: 'confirm',
              title: 'Pause all campaigns',
              lines: [`reason: ${reason}`],
              question: 'Pause every campaign now?',
              onConfirm: () => {
                closeModal();
                void actions.run('pause all campaigns', () => api.pauseAllCampaigns(reason));
              },
            }),
        });
        return;
      }
      case 'b':
        void actions.run('backup', (progress) => api.backupNow(progress));
        return;
      case 'h':
        void actions.run('health check', () => api.runHealthCheck());
        return;
      default:
        return;
    }
  };

  useKeys(onKey, modal === null && !filtering);

  const panelProps = (box: PanelBox): PanelViewProps => ({
    snapshot: snapshot!,
    items: items[box.id],
    width: box.width,
    height: box.height,
    focused: box.id === focus,
    selected: selectedIndex(box.id),
    filter: filters[box.id],
    note: box.id === 'logs' ? logNote : undefined,
  });
  const renderPanel = (box: PanelBox) => {
    const View = (repaint === 'full' ? FULL_PANEL_VIEWS : PANEL_VIEWS)[box.id];
    return <View key={box.id} {...panelProps(box)} />;
  };

  let body: React.ReactNode;
  if (modal) {
    const dialogHeight = Math.min(layout.bodyRows, 14);
    const centred = (node: React.ReactNode) => (
      <Box height={layout.bodyRows} width={layout.width} justifyContent="center" alignItems="flex-start" paddingTop={layout.bodyRows > dialogHeight + 2 ? 1 : 0}>
        {node}
      </Box>
    );
    switch (modal.kind) {
      case 'help':
        body = <HelpOverlay width={layout.width} height={layout.bodyRows} onClose={closeModal} />;
        break;
      case 'detail':
        body = (
          <DetailView
            detail={modal.detail}
            width={layout.width}
            height={layout.bodyRows}
            onClose={closeModal}
            actionKeys={[...detailKeys(modal.panel).keys, 'c']}
            onAction={(input, key) => {
              // the detail shows the selected item of the focused panel: the action acts on it
              if (input !== 'c') closeModal();
              onKey(input, key, true);
            }}
          />
        );
        break;
      case 'confirm':
        body = centred(
          <ConfirmDialog
            title={modal.title}
            lines={modal.lines}
            question={modal.question}
            width={dialogWidth}
            height={dialogHeight}
            onConfirm={modal.onConfirm}
            onCancel={() => {
              closeModal();
              actions.say(`${modal.title}: cancelled`);
            }}
          />,
        );
        break;
      case 'prompt':
        body = centred(
          <TextPrompt
            key={`${modal.title}-${modal.label}`}
            title={modal.title}
            lines={modal.lines.filter(Boolean)}
            label={modal.label}
            mustEqual={modal.mustEqual}
            allowEmpty={modal.allowEmpty}
            width={dialogWidth}
            height={dialogHeight}
            onSubmit={modal.onSubmit}
            onCancel={() => {
              closeModal();
              actions.say(`${modal.title}: cancelled`);
            }}
          />,
        );
        break;
      case 'reset': {
        const idea = modal.idea;
        body = centred(
          <ResetDialog
            idea={idea}
            width={dialogWidth}
            height={dialogHeight}
            onConfirm={(stage: Stage) => {
              closeModal();
              void actions.run(`reset ${idea.title} to ${stage}`, () => api.resetIdea(idea.id, stage));
            }}
            onCancel={() => {
              closeModal();
              actions.say('reset: cancelled');
            }}
          />,
        );
        break;
      }
    }
  } else if (!snapshot) {
    body = (
      <Box height={layout.bodyRows}>
        <Text>{snap.error ? `✗ cannot read the first snapshot: ${snap.error} (r retries)` : 'reading the first snapshot…'}</Text>
      </Box>
    );
  } else if (layout.kind === 'wide') {
    const leftWidth = layout.left[0]!.width;
    body = (
      <Box flexDirection="column" height={layout.bodyRows}>
        <Box flexDirection="row">
          <Box flexDirection="column" width={leftWidth}>
            {layout.left.map(renderPanel)}
          </Box>
          <Box flexDirection="column" width={layout.width - leftWidth}>
            {layout.right.map(renderPanel)}
          </Box>
        </Box>
        {renderPanel(layout.bottom)}
      </Box>
    );
  } else {
    body = (
      <Box flexDirection="column" height={layout.bodyRows}>
        {layout.summary ? PANELS.map((id) => <MemoPanelSummary key={id} panel={id} snapshot={snapshot} focused={id === focus} />) : null}
        {renderPanel(layout.focused)}
      </Box>
    );
  }

  return (
    <Box flexDirection="column" width={layout.width} height={layout.frameRows}>
      <Header snapshot={snapshot} paused={snap.paused} failed={snap.error !== null} hungSince={snap.hungSince} takenAt={snap.takenAt} staleAfterMs={Math.max(2 * refreshMs, 4_000)} width={layout.width} />
      {body}
      {filtering ? (
        <FilterBar
          panelTitle={PANEL_TITLES[focus]}
          value={filters[focus]}
          onChange={(update) => {
            setFilters((f) => ({ ...f, [focus]: update(f[focus]) }));
            setSelection((sel) => ({ ...sel, [focus]: 0 }));
          }}
          onDone={(keep) => {
            setFiltering(false);
            if (!keep) setFilters((f) => ({ ...f, [focus]: '' }));
          }}
        />
      ) : (
        <MemoStatusLine running={actions.running} notice={actions.notice} error={snap.error} away={away} />
      )}
      <MemoFooter
        focus={focus}
        readMs={snapshot?.readMs ?? null}
        emergency={snapshot?.budget.emergencyShutdown ?? false}
        keys={modal?.kind === 'detail' ? detailKeys(modal.panel).labels : undefined}
        width={layout.width}
      />
    </Box>
  );
}
