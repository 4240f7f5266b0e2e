/** Services: state, latency and the reason per service (database, OpenAI, Google Ads, PostHog, ...). */
import React from 'react';
import { Text } from 'ink';
import type { ServiceView } from '../../core/console-api.js';
import { pad } from '../format.js';
import { agoText } from '../ages.js';
import { TimeText } from './TimeText.js';
import { useTheme } from '../ConsoleApiContext.js';
import { Flash } from './Flash.js';
import { ListRows } from './ListRows.js';
import { Panel, contentRows } from './Panel.js';
import { panelNote, payloads, type PanelViewProps } from './panel-props.js';

function ServiceRow({ s, now }: { s: ServiceView; now: number }) {
  const theme = useTheme();
  const style = theme.level(s.level);
  return (
    <Text>
      <Text {...style}>● </Text>
      {pad(s.name, 13)}
      <Flash value={s.level} style={style}>
        {pad(s.level, 10)}
      </Flash>
      <Text {...theme.muted}>{pad(s.latencyMs === undefined ? '-' : `${Math.round(s.latencyMs)}ms`, 7, 'right')} </Text>
      {/* how old the result is: a check from an hour ago is not today's state */}
      <Text {...theme.muted}>
        {s.live || !s.checkedAt ? pad(s.live ? 'live' : 'unchecked', 10, 'right') : <TimeText text={(t) => agoText(s.checkedAt, t)} now={now} width={10} align="right" />}{' '}
      </Text>
      {s.offline ? <Text {...theme.muted}>[offline] </Text> : null}
      {s.reason}
    </Text>
  );
}

export function ServicesPanel(props: PanelViewProps) {
  return (
    <Panel title="Services" note={panelNote(props)} width={props.width} height={props.height} focused={props.focused}>
      <ListRows
        items={payloads<ServiceView>(props.items)}
        selected={props.selected}
        focused={props.focused}
        rows={contentRows(props.height)}
        empty={props.filter ? 'no service matches the filter' : 'no services checked yet'}
        render={(s) => <ServiceRow s={s} now={props.snapshot.takenAt.getTime()} />}
      />
    </Panel>
  );
}
