/**
 * One line, modes first so no width cuts them off: studio, DEMO / READ-ONLY / PAUSED / STALE badges, the
 * system state, the clock (from 100 columns), how old the data is ("data as of hh:mm:ss (Ns old)"), mode and location, budget
 * cycle, operator (and SSH client), where the scheduler runs. The clock and the data's age tick here, from
 * this component's own timer: a database that stopped answering cannot freeze them, and a tick re-renders
 * this line only.
 */
import React, { useEffect, useReducer, useRef, useState } from 'react';
import { Text } from 'ink';
import type { ConsoleSnapshot } from '../../core/console-api.js';
import { clockTime, formatDuration } from '../format.js';
import { useConsoleSettings } from '../ConsoleApiContext.js';
import { useNow } from '../hooks/use-now.js';
import { liveCell } from '../screen.js';

/** Live cell ids (src/ui/screen.ts) of the clock and the data's age. */
const CLOCK_CELL = 0;
const AGE_CELL = 1;
/** "18:00:00 (0s old)" */
const AGE_MIN_WIDTH = 17;

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

/** "18:00:00 (5s old)": when the data was read and how old it is now. */
function ageText(p: Pick<HeaderProps, 'snapshot' | 'takenAt'>, now: number): string {
  const takenAt = p.takenAt?.() ?? p.snapshot?.takenAt.getTime() ?? now;
  const age = Math.max(0, now - takenAt);
  return `${clockTime(new Date(takenAt))} (${age < 1000 ? '0s' : formatDuration(age)} old)`;
}

/**
 * With the full-screen writer's live cells, the clock and the age are filled in there each second; this
 * component renders again only when STALE comes or goes (checked each second, a render only on a change)
 * or when an age outgrows its cell.
 */
function useLiveHeader(props: HeaderProps): { live: boolean; ageWidth: number; stale: boolean } {
  const { clock, liveCells } = useConsoleSettings();
  const latest = useRef(props);
  latest.current = props;
  const [ageWidth, setAgeWidth] = useState(AGE_MIN_WIDTH);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const stale = liveCells ? isStale(props, clock.now()) : false;
  const shownStale = useRef(stale);
  shownStale.current = stale;
  useEffect(() => {
    if (!liveCells) return;
    liveCells.set(CLOCK_CELL, { text: () => clockTime(new Date(clock.now())) });
    liveCells.set(AGE_CELL, { text: () => ageText(latest.current, clock.now()), onOverflow: (length) => setAgeWidth((w) => Math.max(w, length)) });
    const timer = setInterval(() => {
      if (isStale(latest.current, clock.now()) !== shownStale.current) rerender();
    }, 1000);
    return () => {
      clearInterval(timer);
      liveCells.set(CLOCK_CELL, null);
      liveCells.set(AGE_CELL, null);
    };
  }, [liveCells, clock]);
  return { live: liveCells !== undefined, ageWidth, stale };
}

export function Header(props: HeaderProps) {
  const { snapshot, paused, width } = props;
  const { theme, readOnly, demo, liveCells } = useConsoleSettings();
  const liveHeader = useLiveHeader(props);
  // without live cells (tests), React renders the clock and the age each second
  const now = useNow(1000, liveCells !== undefined);
  const h = snapshot?.header;
  const sep = <Text {...theme.muted}> │ </Text>;
  const isDemo = demo || h?.demo === true;
  const stale = liveHeader.live ? liveHeader.stale : isStale(props, now);
  const badge = (text: string, style: object) => (
    <Text {...style} inverse={theme.mode !== 'none'}>
      {` ${text} `}
    </Text>
  );
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
          {liveHeader.live ? liveCell(CLOCK_CELL, 8) : clockTime(new Date(now))} UTC
        </>
      ) : null}
      {snapshot ? (
        <>
          {sep}
          <Text {...(stale ? theme.bad : theme.muted)}>
            data as of {liveHeader.live ? liveCell(AGE_CELL, liveHeader.ageWidth) : ageText(props, now)}
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
