/**
 * The operator console: header, panels (wide or compact layout), status line, footer; focus, selection,
 * filters and the navigation keys. The action keys are in action-keys.ts, the dialogs' layout in
 * ModalBody.tsx, the non-React state in console-state.ts. It renders snapshots and calls the `ConsoleApi`
 * (from context), nothing else.
 */
import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text, useApp, useStdout, type Key } from 'ink';
import type { LogLineView, StuckIdeaView } from '../core/console-api.js';
import type { Stage } from '../core/types.js';
import { toError } from '../core/errors.js';
import { useConsoleSettings } from './ConsoleApiContext.js';
import { useSnapshot } from './hooks/use-snapshot.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { useActions } from './hooks/use-actions.js';
import { KeyRouter, useKeys } from './hooks/use-keys.js';
import { computeLayout, PANELS, PANEL_TITLES, type Layout, type PanelBox, type PanelId } from './layout.js';
import { ANCHOR_END, firstSelection, panelItems, type PanelItem } from './panel-items.js';
import { drillDown } from './drill-down.js';
import { clockTime, formatDuration } from './format.js';
import { copyText, LOG_LEVEL_FILTERS, logRank, noFilters, noSelection, wantedRows, type Modal } from './console-state.js';
import { actionKey, askAdvance, askReset, type ActionContext } from './action-keys.js';
import { ModalBody } from './ModalBody.js';
import { Header } from './components/Header.js';
import { Footer, detailKeys } from './components/Footer.js';
import { HELP_KEYS } from './components/HelpOverlay.js';
import { StatusLine, statusLineRows } from './components/StatusLine.js';
import { FilterBar } from './components/FilterBar.js';
import { PanelSummary } from './components/PanelSummary.js';
import { STAGE_LIST_KEYS } from './components/StageList.js';
import { CONFIRM_KEYS } from './components/ConfirmDialog.js';
import { PROMPT_KEYS } from './components/TextPrompt.js';
import { RESET_KEYS } from './components/ResetDialog.js';
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

// Memoised: a read with the same content keeps the same snapshot and items, so a panel whose size,
// focus, selection and filter did not change is not rendered again (the clock ticks in the header only).
type PanelViews = Record<PanelId, React.ComponentType<PanelViewProps>>;
const FULL_PANEL_VIEWS: PanelViews = { budget: BudgetPanel, services: ServicesPanel, kpis: KpiPanel, pipeline: PipelinePanel, jobs: JobsPanel, incidents: IncidentsPanel, logs: LogPanel };
const PANEL_VIEWS = Object.fromEntries(PANELS.map((id) => [id, React.memo(FULL_PANEL_VIEWS[id])])) as unknown as PanelViews;

const MemoStatusLine = React.memo(StatusLine);

/** The footer's keys while a modal is open: its own (a dialog showed the panel's keys behind it: `x reset` while typing a reason). */
function modalKeys(modal: Modal): string[] {
  switch (modal.kind) {
    case 'help':
      return HELP_KEYS;
    case 'detail':
      return detailKeys(modal.panel).labels;
    case 'stage':
      return STAGE_LIST_KEYS;
    case 'confirm':
      return CONFIRM_KEYS;
    case 'prompt':
      return PROMPT_KEYS;
    case 'reset':
      return RESET_KEYS;
  }
}
const MemoFooter = React.memo(Footer);
const MemoPanelSummary = React.memo(PanelSummary);

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
  const [selection, setSelectionState] = useState(noSelection);
  // like focus: the next key (enter, x) must see a move made by the key just before it, rendered or not
  const selectionRef = useRef(selection);
  const setSelection = (update: (sel: typeof selection) => typeof selection) => {
    selectionRef.current = update(selectionRef.current);
    setSelectionState(selectionRef.current);
  };
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
  const status = { running: actions.running, notice: actions.notice, error: snap.error, away };
  const statusRows = statusLineRows(status, Math.max(20, size.columns));
  const layout: Layout = computeLayout(size, focus, snapshot ? wantedRows(snapshot) : {}, statusRows);

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
      const raw = Math.min(count - 1, Math.max(0, selectionRef.current[id] ?? firstSelection(id, snapshot, filters[id])));
      return ANCHOR_END[id] ? count - 1 - raw : raw;
    },
    [items, selection, snapshot, filters], // (read through the ref; `selection` makes a new one per render)
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
      const current = Math.min(count - 1, Math.max(0, sel[focus] ?? firstSelection(focus, snapshot, filters[focus])));
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
  const detailWidth = layout.width - 4;

  const openDetail = (item: PanelItem) => {
    if (!snapshot) return;
    if (item.panel === 'stage') return openStage(item.item.stage);
    const drill = drillDown(item, api, snapshot, detailWidth);
    const same = (m: Modal | null) => m?.kind === 'detail' && m.detail.title === drill.title;
    setModal({ kind: 'detail', detail: { title: drill.title, lines: null }, panel: item.panel, item });
    drill.load().then(
      (lines) => setModal((m) => (same(m) ? { ...m!, detail: { title: drill.title, lines } } as Modal : m)),
      (err: unknown) => setModal((m) => (same(m) ? { ...m!, detail: { title: drill.title, lines: [], error: toError(err).message } } as Modal : m)),
    );
  };

  // A stage's ideas: read when opened and on `r`; a late answer for another stage (or a closed list) is dropped.
  const stageLoads = useRef(0);
  const openStage = (stage: Stage) => {
    const loadId = ++stageLoads.current;
    setModal((m) => (m?.kind === 'stage' && m.stage === stage ? { ...m, loadId, error: null } : { kind: 'stage', stage, view: null, loadId }));
    overlayRef.current = 'modal';
    const settle = (update: Partial<Extract<Modal, { kind: 'stage' }>>) =>
      setModal((m) => (m?.kind === 'stage' && m.loadId === loadId ? { ...m, ...update } : m));
    api.stageIdeas(stage).then(
      (view) => settle({ view, error: null }),
      (err: unknown) => settle({ error: toError(err).message }),
    );
  };

  const actionContext: ActionContext = {
    api,
    actions,
    snapshot,
    setModal,
    focused: () => ({ panel: focusRef.current, item: selectedItem(focusRef.current) }),
  };

  const copy = (item: PanelItem | undefined) => {
    if (!item) return actions.say(`nothing selected in ${PANEL_TITLES[focusRef.current]} to copy`, 'info');
    const text = copyText(item);
    // OSC 52: the terminal (through SSH and tmux with set-clipboard on) puts it on the clipboard
    // (straight to the terminal, not through Ink's frame: it moves no cursor and needs no repaint)
    stdout.write(`\x1b]52;c;${Buffer.from(text).toString('base64')}\x07`);
    actions.say(`copied ${text.length > 60 ? `${text.slice(0, 59)}…` : text}`, 'ok');
  };

  const onKey = (input: string, key: Key) => {
    const focus = focusRef.current;
    if (input === 'c' && overlayRef.current === null) return copy(selectedItem(focus));
    if (overlayRef.current === 'modal') return; // meant for the dialog about to show
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
        const withdraw = actions.say(`the database has not answered for ${formatDuration(Date.now() - since)} (the last read still waits); data as of ${snap.takenAt() !== null ? clockTime(new Date(snap.takenAt()!)) : '-'}`, 'bad');
        // true only while that read waits: once it ends, the header (and an error, if it failed) say the rest
        void snap.settled().then(withdraw);
        return;
      }
      return snap.refresh();
    }
    if (input === 'f') {
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
    if (input === 'l') {
      if (focus !== 'logs') return actions.say('l filters the log tail by level: focus the Logs panel (7) first', 'info');
      const next = (logLevel + 1) % LOG_LEVEL_FILTERS.length;
      setLogLevel(next);
      setSelection((sel) => ({ ...sel, logs: 0 }));
      actions.say(`logs: ${LOG_LEVEL_FILTERS[next]!.label}`, 'info');
      return;
    }
    actionKey(input, actionContext);
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
    body = (
      <ModalBody
        modal={modal}
        width={layout.width}
        rows={layout.bodyRows}
        close={closeModal}
        cancelled={(what) => actions.say(what)}
        onDetailAction={(input, key) => {
          // the detail's own item: its panel's action keys act on it
          if (modal.kind !== 'detail') return;
          if (input === 'c') return copy(modal.item);
          closeModal();
          if (!actionKey(input, actionContext, modal.item)) onKey(input, key);
        }}
        onReset={(idea, stage) => void actions.run(`reset ${idea.title} to ${stage}`, () => api.resetIdea(idea.id, stage))}
        onStageIdea={(input, idea: StuckIdeaView) => {
          const item: PanelItem = { panel: 'pipeline', key: idea.id, item: idea };
          if (input === 'c') return copy(item);
          if (input === 'enter') return openDetail(item);
          if (input === 'x') return askReset(actionContext, idea);
          askAdvance(actionContext, idea);
        }}
        onStageReload={openStage}
      />
    );
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
            setSelection((sel) => ({ ...sel, [focus]: null }));
          }}
          onDone={(keep) => {
            setFiltering(false);
            if (!keep) setFilters((f) => ({ ...f, [focus]: '' }));
          }}
        />
      ) : (
        <MemoStatusLine {...status} rows={statusRows} />
      )}
      <MemoFooter
        focus={focus}
        readMs={snapshot?.readMs ?? null}
        emergency={snapshot?.budget.emergencyShutdown ?? false}
        keys={modal ? modalKeys(modal) : undefined}
        width={layout.width}
      />
    </Box>
  );
}
