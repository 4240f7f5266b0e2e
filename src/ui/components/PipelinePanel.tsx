/**
 * Pipeline: ideas per stage, what is processing, waiting or parked, and the stuck ideas with how long.
 * The stage counts are selectable (↑ from the first idea, ↑↓ along them): enter lists that stage's ideas.
 */
import React from 'react';
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
  const header = [
    <Text key="stages" wrap="truncate">
      {p.stages.map((s, i) => (
        <Text key={s.stage}>
          {i > 0 ? <Text {...theme.muted}> › </Text> : null}
          {selectedStage && 'stage' in selectedStage && selectedStage.stage === s.stage ? (
            <Text {...theme.selected}>{`›${STAGE_SHORT[s.stage]} ${s.count}`}</Text>
          ) : (
            <>
              <Text {...theme.muted}>{STAGE_SHORT[s.stage]} </Text>
              <Flash value={s.count}>{String(s.count)}</Flash>
            </>
          )}
        </Text>
      ))}
    </Text>,
    <Text key="flow" wrap="truncate">
      processing <Flash value={p.processing}>{String(p.processing)}</Flash>
      {p.queued !== undefined ? ` · queued ${p.queued}` : ''}
      {' · '}
      <Text {...(stuckCount > 0 ? theme.bad : theme.ok)}>stuck {stuckCount}</Text>
      {' · waiting on budget '}
      <Text {...(p.waitingOnBudget > 0 ? theme.warn : {})}>{p.waitingOnBudget}</Text>
      {' · parked '}
      <Text {...(p.parked > 0 ? theme.warn : {})}>{p.parked}</Text>
      {' · done 24h '}
      <Flash value={p.completedLast24h}>{String(p.completedLast24h)}</Flash>
    </Text>,
  ];
  const shown = header.slice(0, Math.max(0, rows - 1));
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
