/**
 * One line: studio (DEMO when the data is made up), the system state, mode and location, budget cycle,
 * operator (and SSH client), the clock, and READ-ONLY / PAUSED / STALE badges.
 */
import React from 'react';
import { Text } from 'ink';
import type { ConsoleSnapshot } from '../../core/console-api.js';
import { clockTime } from '../format.js';
import { useConsoleSettings } from '../ConsoleApiContext.js';

export interface HeaderProps {
  snapshot: ConsoleSnapshot | null;
  now: number;
  paused: boolean;
  stale: boolean;
  width: number;
}

export function Header({ snapshot, now, paused, stale, width }: HeaderProps) {
  const { theme, readOnly, demo } = useConsoleSettings();
  const h = snapshot?.header;
  const sep = <Text {...theme.muted}> │ </Text>;
  const isDemo = demo || h?.demo === true;
  return (
    <Text wrap="truncate">
      <Text bold={theme.mode !== 'none'}>studio</Text>
      {isDemo ? (
        <Text {...theme.warn} inverse={theme.mode !== 'none'}>
          {' DEMO '}
        </Text>
      ) : null}
      {sep}
      {h ? <Text {...theme.level(h.systemLevel)}>{h.systemLevel}</Text> : <Text {...theme.muted}>loading…</Text>}
      {sep}
      {clockTime(new Date(now))} UTC
      {h ? (
        <>
          {sep}
          {h.mode}
          {width >= 120 ? <Text {...theme.muted}> {h.location}</Text> : null}
          {sep}
          {snapshot!.budget.cycleId}
          {sep}
          {h.operator}
          {h.sshClient ? <Text {...theme.muted}>@{h.sshClient}</Text> : null}
          {width >= 120 ? <Text {...theme.muted}>{h.schedulerHosted ? ' │ scheduler in-process' : ' │ scheduler elsewhere'}</Text> : null}
          {h.owner && width >= 100 ? (
            <Text {...theme.muted}>
              {` │ db ${h.owner.self ? 'owner here' : `owner pid ${h.owner.pid} ${h.owner.command}`} since ${clockTime(h.owner.since)}, ${h.owner.clients} client${h.owner.clients === 1 ? '' : 's'}`}
            </Text>
          ) : null}
        </>
      ) : null}
      {readOnly || h?.readOnly ? (
        <Text {...theme.accent} inverse={theme.mode !== 'none'}>
          {' READ-ONLY '}
        </Text>
      ) : null}
      {paused ? (
        <Text {...theme.warn} inverse={theme.mode !== 'none'}>
          {' PAUSED '}
        </Text>
      ) : null}
      {stale ? (
        <Text {...theme.bad} inverse={theme.mode !== 'none'}>
          {' STALE '}
        </Text>
      ) : null}
    </Text>
  );
}
