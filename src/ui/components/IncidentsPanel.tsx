/**
 * Incidents: the open ones by severity (P1 first), with age, count and whether acknowledged; then the
 * recently resolved ones, marked resolved. The counts in the title come from the database, not the list.
 */
import React from 'react';
import { Text } from 'ink';
import type { IncidentView } from '../../core/console-api.js';
import { pad } from '../format.js';
import { formatAge } from '../ages.js';
import { TimeText } from './TimeText.js';
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

const STATUS_LABEL: Record<IncidentView['status'], string> = { open: 'OPEN', acknowledged: 'ack', resolved: '✓resolved' };

/** "P1 0 · P2 1 · P3 23 · P4 0 · resolved 24h 3": from the database's counts when the snapshot has them. */
export function incidentCountsText(s: PanelViewProps['snapshot']): string {
  const open = s.incidents.filter((i) => i.status !== 'resolved');
  const counts = s.incidentCounts?.open ?? { P1: 0, P2: 0, P3: 0, P4: 0, ...Object.fromEntries((['P1', 'P2', 'P3', 'P4'] as const).map((p) => [p, open.filter((i) => i.severity === p).length])) };
  const resolved = s.incidentCounts?.resolved24h ?? s.incidents.filter((i) => i.status === 'resolved').length;
  return `${(['P1', 'P2', 'P3', 'P4'] as const).map((p) => `${p} ${counts[p]}`).join(' · ')}${resolved ? ` · resolved 24h ${resolved}` : ''}`;
}

function IncidentRow({ incident, now }: { incident: IncidentView; now: number }) {
  const theme = useTheme();
  return (
    <Text>
      <Text {...severityStyle(theme, incident.severity)}>{incident.severity}</Text>
      {' '}
      <TimeText text={(t) => formatAge(t - incident.openedAt.getTime())} now={now} width={8} align="right" />{' '}
      <Text {...(incident.status === 'open' ? {} : theme.muted)}>{pad(STATUS_LABEL[incident.status], 10)}</Text>
      <Text {...(incident.status === 'resolved' ? theme.muted : {})}>{incident.title}</Text>
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
  const bySeverity = incidentCountsText(props.snapshot);
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
