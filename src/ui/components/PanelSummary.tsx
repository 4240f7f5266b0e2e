/** One line per panel for the compact layout: enough to see at a glance whether anything is wrong. */
import React from 'react';
import { Text } from 'ink';
import type { ConsoleSnapshot } from '../../core/console-api.js';
import { worstLevel, type Level } from '../../core/types.js';
import { bar, clockTime, money, pad, withUnit } from '../format.js';
import { formatAge } from '../ages.js';
import { TimeText } from './TimeText.js';
import { PANEL_TITLES, type PanelId } from '../layout.js';
import { useTheme } from '../ConsoleApiContext.js';
import { sortIncidents } from '../panel-items.js';
import { incidentCountsText } from './IncidentsPanel.js';

function Summary({ panel, s }: { panel: PanelId; s: ConsoleSnapshot }) {
  const theme = useTheme();
  const now = s.takenAt.getTime();
  const lvl = (level: Level | string, text: string = level) => <Text {...theme.level(level)}>{text}</Text>;
  switch (panel) {
    case 'budget': {
      const t = s.budget.total;
      return (
        <Text>
          <Text {...theme.level(t.level)}>{bar(t.usagePct / 100, 10)}</Text> {t.usagePct.toFixed(1)}% {money(t.spentCents)}/{money(t.allocatedCents)} {lvl(s.budget.level)}
          {' · burn '}
          {money(s.budget.burnRateCentsPerHour)}/h
          {s.budget.emergencyShutdown ? <Text {...theme.level('EMERGENCY')}> EMERGENCY SHUTDOWN</Text> : null}
          {!s.budget.emergencyShutdown && s.budget.circuitBreakerActive ? <Text {...theme.bad}> breaker OPEN</Text> : null}
        </Text>
      );
    }
    case 'services': {
      // as the panel says it: before the first health check there is nothing to list (an empty line read as a fault)
      if (s.services.length === 0) return <Text {...theme.muted}>no services checked yet</Text>;
      return (
        <Text>
          {s.services.map((x) => (
            <Text key={x.name}>
              <Text {...theme.level(x.level)}>●</Text>
              {`${x.name}${x.level === 'HEALTHY' ? '' : ` ${x.level}`} `}
            </Text>
          ))}
        </Text>
      );
    }
    case 'kpis': {
      const bad = s.kpis.filter((k) => k.level !== 'HEALTHY');
      const worst = worstLevel(...s.kpis.map((k) => k.level));
      return (
        <Text>
          {lvl(worst)} {s.kpis.length - bad.length}/{s.kpis.length} on target
          {bad.map((k) => (
            <Text key={k.name}>
              {' · '}
              {k.name} {lvl(k.level, withUnit(k.value, k.unit))}
            </Text>
          ))}
        </Text>
      );
    }
    case 'pipeline': {
      const p = s.pipeline;
      return (
        <Text>
          processing {p.processing} · <Text {...(stuckOnly(p.stuck) > 0 ? theme.bad : theme.ok)}>stuck {stuckOnly(p.stuck)}</Text> · waiting on budget {p.waitingOnBudget} · parked{' '}
          {p.parked} · done 24h {p.completedLast24h}
        </Text>
      );
    }
    case 'jobs': {
      const running = s.jobs.filter((j) => j.running);
      const failed = s.jobs.filter((j) => !j.running && (j.lastStatus === 'failed' || j.lastStatus === 'timed_out'));
      const paused = s.jobs.filter((j) => j.paused);
      return (
        <Text>
          {s.jobs.length} jobs · {running.length} running · {paused.length} paused ·{' '}
          <Text {...(failed.length > 0 ? theme.bad : {})}>
            {failed.length} failed{failed.length > 0 ? ` (${failed.map((j) => j.name).join(', ')})` : ''}
          </Text>
        </Text>
      );
    }
    case 'incidents': {
      const open = sortIncidents(s.incidents.filter((i) => i.status !== 'resolved'));
      const first = open[0];
      return (
        <Text>
          {incidentCountsText(s)}
          {first ? (
            <Text {...theme.muted}>
              {` · ${first.severity} ${first.title} `}
              <TimeText text={(t) => `(${formatAge(t - first.openedAt.getTime())})`} now={now} width={9} />
            </Text>
          ) : null}
        </Text>
      );
    }
    case 'logs': {
      const last = s.logs[s.logs.length - 1];
      return last ? (
        <Text>
          <Text {...theme.muted}>{clockTime(last.time)} </Text>
          <Text {...theme.logLevel(last.level)}>{last.level.toUpperCase()}</Text> {last.msg}
        </Text>
      ) : (
        <Text {...theme.muted}>no log lines yet</Text>
      );
    }
  }
}

export function PanelSummary({ panel, snapshot, focused }: { panel: PanelId; snapshot: ConsoleSnapshot; focused: boolean }) {
  const theme = useTheme();
  return (
    <Text wrap="truncate" {...(focused ? theme.selected : {})}>
      {focused ? '›' : ' '}
      <Text bold={theme.mode !== 'none'}>{pad(PANEL_TITLES[panel], 10)}</Text>
      <Summary panel={panel} s={snapshot} />
    </Text>
  );
}

/** Stuck ideas proper (the list also carries the parked and budget-waiting ones, counted on their own). */
const stuckOnly = (list: Array<{ kind?: string }>) => list.filter((s) => (s.kind ?? 'stuck') === 'stuck').length;
