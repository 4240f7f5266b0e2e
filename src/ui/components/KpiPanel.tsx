/** KPIs: value against its threshold, level, and a sparkline of recent values. */
import React from 'react';
import { Text } from 'ink';
import type { KpiView } from '../../core/console-api.js';
import { pad, sparkline, withUnit } from '../format.js';
import { useTheme } from '../ConsoleApiContext.js';
import { Flash } from './Flash.js';
import { ListRows } from './ListRows.js';
import { Panel, contentRows, contentWidth } from './Panel.js';
import { panelNote, payloads, type PanelViewProps } from './panel-props.js';

function KpiRow({ k, inner }: { k: KpiView; inner: number }) {
  const theme = useTheme();
  const style = theme.level(k.level);
  // The sparkline takes what the name, value, level and target leave (at least 8 cells).
  const sparkWidth = Math.max(8, Math.min(24, inner - 20 - 10 - 10 - 10));
  return (
    <Text>
      {pad(k.name, 20)}
      <Flash value={k.value} style={style}>
        {pad(withUnit(k.value, k.unit), 9, 'right')}
      </Flash>{' '}
      <Text {...style}>{pad(k.level, 10)}</Text>
      <Text {...theme.accent}>{pad(sparkline(k.history, sparkWidth), sparkWidth)}</Text>
      <Text {...theme.muted}> {k.target}</Text>
    </Text>
  );
}

export function KpiPanel(props: PanelViewProps) {
  const inner = contentWidth(props.width) - 1;
  return (
    <Panel title="KPIs" note={panelNote(props)} width={props.width} height={props.height} focused={props.focused}>
      <ListRows
        items={payloads<KpiView>(props.items)}
        selected={props.selected}
        focused={props.focused}
        rows={contentRows(props.height)}
        empty={props.filter ? 'no KPI matches the filter' : 'no KPIs measured yet'}
        render={(k) => <KpiRow k={k} inner={inner} />}
      />
    </Panel>
  );
}
