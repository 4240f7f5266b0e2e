/** Incidents: the open ones by severity (P1 first), with age, count and whether acknowledged. */
import React from 'react';
import { Text } from 'ink';
import type { IncidentView } from '../../core/console-api.js';
import { formatDuration, pad } from '../format.js';
import { useTheme } from '../ConsoleApiContext.js';
import type { Theme, TextStyle } from '../theme.js';
import { ListRows } from './ListRows.js';
import { Panel, contentRows } from './Panel.js';
import { panelNote, payloads, type PanelViewProps } from './panel-props.js';

export function severityStyle(theme: Theme, severity: IncidentView['severity']): TextStyle {
  switch (severity) {
    case 'P1':
      return theme.level('EMERGENCY');
    case 'P2':
      return theme.bad;
    case 'P3':
      return theme.warn;
    case 'P4':
      return theme.muted;
  }
}

function IncidentRow({ incident, now }: { incident: IncidentView; now: number }) {
  const theme = useTheme();
  return (
    <Text>
      <Text {...severityStyle(theme, incident.severity)}>{incident.severity}</Text>
      {' '}
      {pad(formatDuration(now - incident.openedAt.getTime()), 8, 'right')}{' '}
      <Text {...(incident.status === 'acknowledged' ? theme.muted : {})}>{pad(incident.status === 'acknowledged' ? 'ack' : 'OPEN', 5)}</Text>
      {incident.title}
      <Text {...theme.muted}>
        {' '}
        ({incident.source}
        {incident.count > 1 ? ` ×${incident.count}` : ''})
      </Text>
    </Text>
  );
}

export function IncidentsPanel(props: PanelViewProps) {
  const now = props.snapshot.takenAt.getTime();
  const open = props.snapshot.incidents.filter((i) => i.status !== 'resolved');
  const bySeverity = (['P1', 'P2', 'P3', 'P4'] as const).map((s) => `${s} ${open.filter((i) => i.severity === s).length}`).join(' · ');
  return (
    <Panel title="Incidents" note={panelNote(props) || bySeverity} width={props.width} height={props.height} focused={props.focused}>
      <ListRows
        items={payloads<IncidentView>(props.items)}
        selected={props.selected}
        focused={props.focused}
        rows={contentRows(props.height)}
        empty={props.filter ? 'no incident matches the filter' : 'no open incidents'}
        render={(incident) => <IncidentRow incident={incident} now={now} />}
      />
    </Panel>
  );
}
