/**
 * Pipeline: ideas per stage, what is processing, waiting or parked, and the stuck ideas with how long.
 * The stage counts are selectable (↑ from the first idea, ↑↓ along them): enter lists that stage's ideas.
 */
import React, { type ReactNode } from 'react';
import { Text } from 'ink';
import type { StuckIdeaView } from '../../core/console-api.js';
import type { Stage } from '../../core/types.js';
import { pad } from '../format.js';
import { formatAge } from '../ages.js';
import { TimeText } from './TimeText.js';
import { useTheme } from '../ConsoleApiContext.js';
import { Flash } from './Flash.js';
import { ListRows } from './ListRows.js';
import { Panel, contentRows, contentWidth } from './Panel.js';
import { panelNote, payloads, type PanelViewProps } from './panel-props.js';

export const STAGE_SHORT: Record<Stage, string> = {
  IDEATE: 'IDEATE',
  RESEARCH: 'RESEARCH',
  DECK: 'DECK',
  INVESTORS: 'INVEST',
  MVP: 'MVP',
  SMOKE_TEST: 'SMOKE',
  COMPLETE: 'DONE',
};

/** One figure of a header row: its text (for its width) and how it is drawn. */
interface Chip {
  key: string;
  text: string;
  node: ReactNode;
}

/** `chips` in rows of at most `width` columns, `sepWidth` between two on a row; one too wide has a row of its own (cut). */
export function wrapChips<C extends { text: string }>(chips: C[], sepWidth: number, width: number): C[][] {
  const rows: C[][] = [];
  let used = 0;
  for (const chip of chips) {
    const row = rows.at(-1);
    if (row && used + sepWidth + chip.text.length <= width) {
      row.push(chip);
      used += sepWidth + chip.text.length;
    } else {
      rows.push([chip]);
      used = chip.text.length;
    }
  }
  return rows;
}

function StuckRow({ idea, inner, now }: { idea: StuckIdeaView; inner: number; now: number }) {
  const theme = useTheme();
  const titleWidth = Math.max(10, Math.min(36, inner - 9 - 10 - 12 - 7));
  // held since the read's time less what it had been held then: moves on with the clock
  const enteredAt = now - idea.heldForMs;
  const kind = idea.kind === 'parked' ? 'PARKED' : idea.kind === 'waiting' ? 'WAIT$' : 'STUCK';
  return (
    <Text>
      <Text {...(idea.kind === 'stuck' || !idea.kind ? theme.bad : theme.warn)}>{pad(kind, 6)}</Text> {pad(idea.title, titleWidth)} {pad(STAGE_SHORT[idea.stage], 8)} <Text {...theme.bad}><TimeText text={(t) => formatAge(t - enteredAt)} now={now} width={8} align="right" /></Text>
      <Text {...theme.muted}> {idea.reason}</Text>
    </Text>
  );
}

export function PipelinePanel(props: PanelViewProps) {
  const theme = useTheme();
  const p = props.snapshot.pipeline;
  const rows = contentRows(props.height);
  const inner = contentWidth(props.width) - 1;
  const stuckCount = p.stuck.filter((s) => (s.kind ?? 'stuck') === 'stuck').length;
  // the items: the stage counts (unless filtered), then the ideas
  const stageItems = props.items.filter((i) => i.panel === 'stage').length;
  const selectedStage = props.focused && props.selected < stageItems ? props.items[props.selected]?.item : undefined;
  const ideas = props.items.slice(stageItems);
  // The stage counts and the flow figures, each wrapped at its separators onto as many rows as the width
  // needs: cut at the edge, SMOKE and DONE (at 120 columns) and "done 24h" (at any width) were lost, and a
  // stage count selected past the edge could not be seen.
  const stageChips: Chip[] = p.stages.map((s) => {
    const selected = selectedStage !== undefined && 'stage' in selectedStage && selectedStage.stage === s.stage;
    return selected
      ? { key: s.stage, text: `›${STAGE_SHORT[s.stage]} ${s.count}`, node: <Text {...theme.selected}>{`›${STAGE_SHORT[s.stage]} ${s.count}`}</Text> }
      : {
          key: s.stage,
          text: `${STAGE_SHORT[s.stage]} ${s.count}`,
          node: (
            <>
              <Text {...theme.muted}>{STAGE_SHORT[s.stage]} </Text>
              <Flash value={s.count}>{String(s.count)}</Flash>
            </>
          ),
        };
  });
  const flowChips: Chip[] = [
    { key: 'processing', text: `processing ${p.processing}`, node: <>processing <Flash value={p.processing}>{String(p.processing)}</Flash></> },
    ...(p.queued !== undefined ? [{ key: 'queued', text: `queued ${p.queued}`, node: <>queued {p.queued}</> }] : []),
    { key: 'stuck', text: `stuck ${stuckCount}`, node: <Text {...(stuckCount > 0 ? theme.bad : theme.ok)}>stuck {stuckCount}</Text> },
    { key: 'waiting', text: `waiting on budget ${p.waitingOnBudget}`, node: <>waiting on budget <Text {...(p.waitingOnBudget > 0 ? theme.warn : {})}>{p.waitingOnBudget}</Text></> },
    { key: 'parked', text: `parked ${p.parked}`, node: <>parked <Text {...(p.parked > 0 ? theme.warn : {})}>{p.parked}</Text></> },
    { key: 'done', text: `done 24h ${p.completedLast24h}`, node: <>done 24h <Flash value={p.completedLast24h}>{String(p.completedLast24h)}</Flash></> },
  ];
  const chipRows = (chips: Chip[], sep: ReactNode, name: string) =>
    wrapChips(chips, 3, inner + 1).map((row, r) => (
      <Text key={`${name}${r}`} wrap="truncate">
        {row.map((c, i) => (
          <React.Fragment key={c.key}>
            {i > 0 ? sep : null}
            {c.node}
          </React.Fragment>
        ))}
      </Text>
    ));
  const header = [...chipRows(stageChips, <Text {...theme.muted}> › </Text>, 'stages'), ...chipRows(flowChips, ' · ', 'flow')];
  // the list keeps two rows (an idea and "… N more") when there is more than one idea
  const shown = header.slice(0, Math.max(0, rows - Math.min(2, Math.max(1, ideas.length))));
  return (
    <Panel title="Pipeline" note={selectedStage ? 'enter lists its ideas' : panelNote({ ...props, items: ideas, selected: props.selected - stageItems })} width={props.width} height={props.height} focused={props.focused}>
      {shown}
      <ListRows
        items={payloads<StuckIdeaView>(ideas)}
        selected={props.selected - stageItems}
        focused={props.focused}
        rows={rows - shown.length}
        empty={props.filter ? 'no stuck idea matches the filter' : 'no stuck ideas'}
        render={(idea) => <StuckRow idea={idea} inner={inner} now={props.snapshot.takenAt.getTime()} />}
      />
    </Panel>
  );
}
