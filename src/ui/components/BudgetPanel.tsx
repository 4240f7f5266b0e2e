/**
 * Budget: the cycle's total and each category as a bar (settled █, reserved ▒) in its level's colour,
 * with burn rate, projected time to the cap, and the breaker / emergency flags on top.
 */
import React from 'react';
import { Text } from 'ink';
import type { CategoryView } from '../../core/console-api.js';
import { money, pad, shortDateTime } from '../format.js';
import { formatAge } from '../ages.js';
import { useTheme } from '../ConsoleApiContext.js';
import { Flash } from './Flash.js';
import { ListRows } from './ListRows.js';
import { Panel, contentRows, contentWidth } from './Panel.js';
import { panelNote, payloads, type PanelViewProps } from './panel-props.js';

/** The category bar: settled, then reserved, then what is left. */
export function budgetBar(c: CategoryView, width: number): { settled: string; reserved: string; free: string } {
  const alloc = Math.max(1, c.allocatedCents);
  const settledCells = Math.min(width, Math.round((Math.max(0, c.spentCents) / alloc) * width));
  const reservedCells = Math.min(width - settledCells, Math.round((Math.max(0, c.reservedCents) / alloc) * width));
  return { settled: '█'.repeat(settledCells), reserved: '▒'.repeat(reservedCells), free: '░'.repeat(width - settledCells - reservedCells) };
}

function CategoryRow({ c, inner }: { c: CategoryView; inner: number }) {
  const theme = useTheme();
  // Narrow panels drop the reserved amount, then the level word (the bar's colour still says it).
  const showReserved = inner >= 66;
  const showLevel = inner >= 52;
  const fixed = 14 + 1 + 1 + 6 + 1 + 15 + (showReserved ? 9 : 0) + (showLevel ? 10 : 0);
  const barWidth = Math.max(4, Math.min(30, inner - fixed));
  const { settled, reserved, free } = budgetBar(c, barWidth);
  const style = theme.level(c.level);
  return (
    <Text>
      <Text bold={c.name === 'total' && theme.mode !== 'none'}>{pad(c.name, 14)} </Text>
      <Text {...style}>{settled}</Text>
      <Text {...theme.warn}>{reserved}</Text>
      <Text {...theme.muted}>{free}</Text>
      <Text> </Text>
      <Flash value={c.usagePct.toFixed(1)} style={style}>
        {pad(`${c.usagePct.toFixed(1)}%`, 6, 'right')}
      </Flash>
      <Text> </Text>
      <Flash value={c.spentCents}>{pad(`${money(c.spentCents)}/${money(c.allocatedCents)}`, 15, 'right')}</Flash>
      {showReserved ? <Text {...theme.muted}>{pad(c.reservedCents ? ` +${money(c.reservedCents)}` : '', 9)}</Text> : null}
      {showLevel ? <Text {...style}> {c.level}</Text> : null}
    </Text>
  );
}

export function BudgetPanel(props: PanelViewProps) {
  const { snapshot, width, height, focused, selected } = props;
  const theme = useTheme();
  const b = snapshot.budget;
  const inner = contentWidth(width);
  const now = snapshot.takenAt.getTime();
  const rows = contentRows(height);
  const flags: React.ReactNode[] = [];
  if (b.emergencyShutdown) {
    flags.push(
      <Text key="e" wrap="truncate" {...theme.level('EMERGENCY')}>
        ⚠ EMERGENCY SHUTDOWN{b.shutdownReason ? `: ${b.shutdownReason}` : ''} — R to resume
      </Text>,
    );
  } else if (b.circuitBreakerActive) {
    flags.push(
      <Text key="b" wrap="truncate" {...theme.bad}>
        ⚠ circuit breaker OPEN{b.shutdownReason ? `: ${b.shutdownReason}` : ''}
      </Text>,
    );
  }
  const reserved = b.total.reservedCents;
  const info = (
    <Text key="i" wrap="truncate">
      <Text {...theme.level(b.level)}>{b.level}</Text>
      <Text>
        {' · burn '}
        <Flash value={b.burnRateCentsPerHour}>{`${money(b.burnRateCentsPerHour)}/h`}</Flash>
        {' · '}
        {b.projectedCapAt ? `cap in ~${formatAge(b.projectedCapAt.getTime() - now)}` : 'nothing burning'}
        {` · settled ${money(b.total.spentCents)} · reserved ${money(reserved)}`}
      </Text>
      <Text {...theme.muted}>{` · cycle ${b.cycleId} since ${shortDateTime(b.cycleStart)}`}</Text>
    </Text>
  );
  const header = [...flags, info];
  return (
    <Panel title="Budget" note={panelNote(props)} width={width} height={height} focused={focused}>
      {header.slice(0, Math.max(0, rows - 1))}
      <ListRows
        items={payloads<CategoryView>(props.items)}
        selected={selected}
        focused={focused}
        rows={rows - Math.min(header.length, Math.max(0, rows - 1))}
        empty="no category matches the filter"
        render={(c) => <CategoryRow c={c} inner={inner - 1} />}
      />
    </Panel>
  );
}
