/** Jobs: last run (when, status, how long), next run, paused, and the progress of a running job. */
import React from 'react';
import { Text } from 'ink';
import type { JobView } from '../../core/console-api.js';
import { pad } from '../format.js';
import { agoText, nextRunText } from '../ages.js';
import { TimeText } from './TimeText.js';
import { useTheme } from '../ConsoleApiContext.js';
import { Flash } from './Flash.js';
import { ListRows } from './ListRows.js';
import { Panel, contentRows } from './Panel.js';
import { panelNote, payloads, type PanelViewProps } from './panel-props.js';

function JobRow({ job, now }: { job: JobView; now: number }) {
  const theme = useTheme();
  const status = job.running ? 'running' : (job.lastStatus ?? 'never');
  const duration = job.lastDurationMs === null ? '' : ` ${(job.lastDurationMs / 1000).toFixed(1)}s`;
  return (
    <Text>
      {pad(job.name, 20)}{' '}
      <Flash value={`${status}${job.lastRunAt?.getTime()}`} style={theme.level(status)}>
        {pad(status, 10)}
      </Flash>
      <TimeText text={(t) => `${agoText(job.lastRunAt, t)}${duration}`} now={now} width={18} />
      {job.paused ? (
        <Text {...theme.warn}>{pad('paused', 12)}</Text>
      ) : (
        <Text {...theme.muted}>
          <TimeText text={(t) => nextRunText(job.nextRunAt, t)} now={now} width={16} />
        </Text>
      )}
      {job.running && job.progress ? <Text {...theme.accent}> {job.progress}</Text> : null}
      {!job.running && job.lastError ? <Text {...theme.bad}> {job.lastError}</Text> : null}
    </Text>
  );
}

export function JobsPanel(props: PanelViewProps) {
  const now = props.snapshot.takenAt.getTime();
  return (
    <Panel title="Jobs" note={panelNote(props)} width={props.width} height={props.height} focused={props.focused}>
      <ListRows
        items={payloads<JobView>(props.items)}
        selected={props.selected}
        focused={props.focused}
        rows={contentRows(props.height)}
        empty={props.filter ? 'no job matches the filter' : 'no jobs registered'}
        render={(job) => <JobRow job={job} now={now} />}
      />
    </Panel>
  );
}
