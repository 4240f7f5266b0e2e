/**
 * One line, modes first so no width cuts them off: studio, DEMO / READ-ONLY / PAUSED / STALE badges, the
 * system state, the clock (from 100 columns), how old the data is ("data as of hh:mm:ss (Ns old)"), mode and location, budget
 * cycle, operator (and SSH client), where the scheduler runs. The clock and the data's age tick here, from
 * this component's own timer: a database that stopped answering cannot freeze them, and a tick re-renders
 * this line only.
 */
import React from 'react';
import { Text } from 'ink';
import type { ConsoleSnapshot } from '../../core/console-api.js';
import { clockTime, formatDuration } from '../format.js';
import { useConsoleSettings } from '../ConsoleApiContext.js';
import { useNow } from '../hooks/use-now.js';

export interface HeaderProps {
  snapshot: ConsoleSnapshot | null;
  paused: boolean;
  /** The last read failed. */
  failed: boolean;
  /** A read has been waiting past the watchdog since then (ms epoch), or null. */
  hungSince: number | null;
  /** Data older than this (and not paused) is STALE. */
  staleAfterMs: number;
  width: number;
  /** When the data was read (ms epoch), if newer than `snapshot.takenAt` (a read with the same content); read at each tick. */
  takenAt?: () => number | null;
}

/** Whether the data on screen is STALE now: the last read failed or hangs, or it is older than `staleAfterMs`. */
export function isStale(p: Pick<HeaderProps, 'snapshot' | 'paused' | 'failed' | 'hungSince' | 'staleAfterMs' | 'takenAt'>, now: number): boolean {
  if (!p.snapshot) return false;
  if (p.failed || p.hungSince !== null) return true;
  return !p.paused && now - (p.takenAt?.() ?? p.snapshot.takenAt.getTime()) > p.staleAfterMs;
}

export function Header(props: HeaderProps) {
  const { snapshot, paused, width } = props;
  const { theme, readOnly, demo } = useConsoleSettings();
  const now = useNow(1000);
  const h = snapshot?.header;
  const sep = <Text {...theme.muted}> │ </Text>;
  const isDemo = demo || h?.demo === true;
  const stale = isStale(props, now);
  const badge = (text: string, style: object) => (
    <Text {...style} inverse={theme.mode !== 'none'}>
      {` ${text} `}
    </Text>
  );
  const takenAt = props.takenAt?.() ?? snapshot?.takenAt.getTime() ?? now;
  const age = snapshot ? Math.max(0, now - takenAt) : 0;
  return (
    <Text wrap="truncate">
      <Text bold={theme.mode !== 'none'}>studio</Text>
      {isDemo ? badge('DEMO', theme.warn) : null}
      {readOnly || h?.readOnly ? badge('READ-ONLY', theme.accent) : null}
      {paused ? badge('PAUSED', theme.warn) : null}
      {stale ? badge('STALE', theme.bad) : null}
      {h?.schedulerNote ? badge('NO SCHEDULER', theme.warn) : null}
      {sep}
      {h ? <Text {...theme.level(h.systemLevel)}>{h.systemLevel}</Text> : <Text {...theme.muted}>loading…</Text>}
      {width >= 100 || !snapshot ? (
        <>
          {sep}
          {clockTime(new Date(now))} UTC
        </>
      ) : null}
      {snapshot ? (
        <>
          {sep}
          <Text {...(stale ? theme.bad : theme.muted)}>
            data as of {clockTime(new Date(takenAt))} ({age < 1000 ? '0s' : formatDuration(age)} old)
          </Text>
        </>
      ) : null}
      {h ? (
        <>
          {sep}
          {h.mode}
          {width >= 120 ? <Text {...theme.muted}>{h.schedulerNote ? ` (${h.schedulerNote})` : h.schedulerHosted ? ' · scheduler in-process' : ' · scheduler elsewhere'}</Text> : null}
          {width >= 180 ? <Text {...theme.muted}> {h.location}</Text> : null}
          {width >= 120 ? (
            <>
              {sep}
              {snapshot!.budget.cycleId}
            </>
          ) : null}
          {sep}
          {h.operator}
          {h.sshClient ? <Text {...theme.muted}>@{h.sshClient}</Text> : null}
          {h.owner && width >= 140 ? (
            <Text {...theme.muted}>
              {` · db ${h.owner.self ? 'owned here' : `owner pid ${h.owner.pid} ${h.owner.command}`} since ${clockTime(h.owner.since)}, ${h.owner.clients} client${h.owner.clients === 1 ? '' : 's'}`}
            </Text>
          ) : null}
        </>
      ) : null}
    </Text>
  );
}
