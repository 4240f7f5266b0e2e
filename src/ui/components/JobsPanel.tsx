/**
 * Jobs: last run (when, status, how long), next run, paused, the progress of a running job, and a failed
 * job's error on a row of its own under it.
 */
import React from 'react';
import { Text } from 'ink';
import type { JobView } from '../../core/console-api.js';
import { pad, truncate } from '../format.js';
import { agoText, nextRunText } from '../ages.js';
import { TimeText } from './TimeText.js';
import { useTheme } from '../ConsoleApiContext.js';
import { Flash } from './Flash.js';
import { ListRows } from './ListRows.js';
import { Panel, contentRows } from './Panel.js';
import { panelNote, payloads, type PanelViewProps } from './panel-props.js';

/**
 * The last-run and next-run columns in `width` (the row's text, after the selection mark): 18 and 16 where
 * they fit; narrower (a 120-column terminal's half-width panel has 23 for both, and a space between), the next run keeps the 11
 * that `next 07:14` / `late 07:14` need (a run more than a day away shows its date, `next 12-13…`) and the
 * last run takes the rest. It was cut to `next …` there.
 */
export function jobColumns(width: number): { last: number; next: number } {
  const rest = Math.max(0, width - 32); // name 20, a space, status 10; a space between last and next
  if (rest >= 33) return { last: 17, next: 16 };
  const next = Math.min(11, rest);
  return { last: rest - next, next };
}

/**
 * The last run in `width`: when it ran and how long it took, or when it ran alone where both do not fit
 * (the half-width panel at 120 columns cut `9h 45m ago 0.3s` to `9h 45m ago …`); the duration is in the
 * job's history.
 */
export function lastRunText(ago: string, duration: string, width: number): string {
  return ago.length + duration.length <= width ? `${ago}${duration}` : ago;
}

function JobRow({ job, now, columns }: { job: JobView; now: number; columns: { last: number; next: number } }) {
  const theme = useTheme();
  const status = job.running ? 'running' : (job.lastStatus ?? 'never');
  const duration = job.lastDurationMs === null ? '' : ` ${(job.lastDurationMs / 1000).toFixed(1)}s`;
  return (
    <Text>
      {pad(job.name, 20)}{' '}
      <Flash value={`${status}${job.lastRunAt?.getTime()}`} style={theme.level(status)}>
        {pad(status, 10)}
      </Flash>
      <TimeText text={(t) => lastRunText(agoText(job.lastRunAt, t), duration, columns.last)} now={now} width={columns.last} />{' '}
      {job.paused ? (
        <Text {...theme.warn}>{pad('paused', columns.next)}</Text>
      ) : (
        <Text {...theme.muted}>
          <TimeText text={(t) => nextRunText(job.nextRunAt, t)} now={now} width={columns.next} />
        </Text>
      )}
      {job.running && job.progress ? <Text {...theme.accent}> {job.progress}</Text> : null}
    </Text>
  );
}

/** The error shown on a row under the job: its last run's, unless it is running again. */
export function errorBelow(job: JobView): string | null {
  return !job.running && job.lastError ? job.lastError : null;
}

/**
 * A failed job's error, on a second row under the job, indented two columns and cut to `width`: after
 * the job's columns the row had 10 columns left for it at 160 columns and none at 120 (`next 19:57…`),
 * so the one thing to know about the failure was cut to a few characters. Its history has it whole.
 */
function ErrorRow({ error, width }: { error: string; width: number }) {
  const theme = useTheme();
  // one row: an error of several lines (a database's message with its detail) is joined, not broken
  return <Text {...theme.bad}>{`  ${truncate(error.replace(/\s*\n\s*/g, ' '), width - 2)}`}</Text>;
}

export function JobsPanel(props: PanelViewProps) {
  const now = props.snapshot.takenAt.getTime();
  const columns = jobColumns(props.width - 5); // borders, padding, the selection mark
  return (
    <Panel title="Jobs" note={panelNote(props)} width={props.width} height={props.height} focused={props.focused}>
      <ListRows
        items={payloads<JobView>(props.items)}
        selected={props.selected}
        focused={props.focused}
        rows={contentRows(props.height)}
        empty={props.filter ? 'no job matches the filter' : 'no jobs registered'}
        render={(job) => <JobRow job={job} now={now} columns={columns} />}
        below={(job) => {
          const error = errorBelow(job);
          return error === null ? null : <ErrorRow error={error} width={props.width - 5} />;
        }}
      />
    </Panel>
  );
}
