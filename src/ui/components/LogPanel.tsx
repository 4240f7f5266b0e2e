/** Logs: the live tail, newest at the bottom, level in its colour. */
import React from 'react';
import { Text } from 'ink';
import type { LogLineView } from '../../core/console-api.js';
import { clockTime, pad } from '../format.js';
import { useTheme } from '../ConsoleApiContext.js';
import { ListRows } from './ListRows.js';
import { Panel, contentRows } from './Panel.js';
import { panelNote, payloads, type PanelViewProps } from './panel-props.js';

function LogRow({ line }: { line: LogLineView }) {
  const theme = useTheme();
  return (
    <Text>
      <Text {...theme.muted}>{clockTime(line.time)} </Text>
      <Text {...theme.logLevel(line.level)}>{pad(line.level.toUpperCase(), 8)}</Text>
      {line.scope ? <Text {...theme.accent}>{line.scope}: </Text> : null}
      {line.msg}
    </Text>
  );
}

export function LogPanel(props: PanelViewProps) {
  const items = payloads<LogLineView>(props.items);
  // Not focused: follow the tail. Focused: the selection (which starts at the newest line) decides.
  const selected = props.focused ? props.selected : items.length - 1;
  return (
    <Panel title="Logs" note={panelNote(props)} width={props.width} height={props.height} focused={props.focused}>
      <ListRows
        items={items}
        selected={selected}
        focused={props.focused}
        rows={contentRows(props.height)}
        anchorEnd
        empty={props.filter ? 'no log line matches the filter' : 'no log lines yet'}
        render={(line) => <LogRow line={line} />}
      />
    </Panel>
  );
}
