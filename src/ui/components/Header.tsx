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
import { clockTime, formatDuration, truncate } from '../format.js';
import { useConsoleSettings } from '../ConsoleApiContext.js';
import type { Theme } from '../theme.js';
import { useNow } from '../hooks/use-now.js';
import { liveCell } from '../screen.js';
import { displayWidth } from '../../core/text-width.js';

/** Live cell ids (src/ui/screen.ts) of the clock and the data's age. */
const CLOCK_CELL = 0;
const AGE_CELL = 1;
/** "18:00:00 (0s old)" */
const AGE_MIN_WIDTH = 17;
/** " │ " */
const SEP = 3;
/** Each mode badge's colour. */
const BADGE_STYLE: Record<string, (theme: Theme) => object> = {
  DEMO: (t) => t.warn,
  'READ-ONLY': (t) => t.accent,
  PAUSED: (t) => t.warn,
  STALE: (t) => t.bad,
  'NO SCHEDULER': (t) => t.warn,
};

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

/**
 * The operator and SSH client in `room` terminal columns: whole, else the name alone, else the name cut
 * with `…` (never under 1). Columns, not characters: a CJK name takes two a character.
 */
export function operatorText(operator: string, sshClient: string | undefined, room: number): { operator: string; sshClient?: string } {
  if (sshClient && displayWidth(operator) + 1 + displayWidth(sshClient) <= room) return { operator, sshClient };
  if (displayWidth(operator) <= room) return { operator };
  return { operator: truncate(operator, Math.max(1, room)) };
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
  // What must show at any width: the name, the modes, the state, the data's age and the operator. The rest
  // (the clock, the database mode, the scheduler, the budget cycle, the location, the embedded owner) is
  // added, in that order, only where it fits whole: at 80 columns READ-ONLY and STALE together pushed the
  // operator off the edge, and a long scheduler note did so at 120. Widths are terminal columns
  // (text-width.ts): counted in characters, a CJK or emoji operator ran the row past the edge.
  const badges = [isDemo && 'DEMO', (readOnly || h?.readOnly) && 'READ-ONLY', paused && 'PAUSED', stale && 'STALE', h?.schedulerNote && 'NO SCHEDULER'].filter(
    (b): b is string => typeof b === 'string',
  );
  const ageWidth = liveHeader.live ? liveHeader.ageWidth : ageText(props, now).length;
  const essentials =
    'studio'.length +
    badges.reduce((n, b) => n + b.length + 2, 0) +
    SEP + (h ? h.systemLevel.length : 'loading…'.length) +
    (snapshot ? SEP + ageWidth : 0) +
    (h ? SEP : 0);
  // Who is at the console, in what is left: "operator@ssh-client", else without the client, else the
  // name cut with an ellipsis (every badge, the state and the age come first; nothing is cut at the edge).
  const who = h ? operatorText(h.operator, h.sshClient, width - essentials) : { operator: '', sshClient: undefined };
  let used = essentials + displayWidth(who.operator) + (who.sshClient ? 1 + displayWidth(who.sshClient) : 0);
  // the age's label shortens before anything essential is cut: "data as of", "as of", none ("(5s old)" still says it)
  const ageLabel = !snapshot ? '' : ['data as of ', 'as of ', ''].find((label) => used + label.length <= width) ?? '';
  used += ageLabel.length;
  const fits = (wanted: boolean, length: number) => {
    if (!wanted || used + length > width) return false;
    used += length;
    return true;
  };
  const showClock = fits(width >= 100 || !snapshot, SEP + 12);
  const showMode = h ? fits(true, SEP + h.mode.length) : false;
  const schedulerText = h ? (h.schedulerNote ? ` (${h.schedulerNote})` : h.schedulerHosted ? ' · scheduler in-process' : ' · scheduler elsewhere') : '';
  const showScheduler = showMode && fits(width >= 120, displayWidth(schedulerText));
  const showCycle = snapshot ? fits(width >= 120, SEP + displayWidth(snapshot.budget.cycleId)) : false;
  // a data directory's path may hold any name (a home directory in CJK): measured in columns like the operator
  const showLocation = h && showMode ? fits(width >= 180, 1 + displayWidth(h.location)) : false;
  const ownerText = h?.owner
    ? ` · db ${h.owner.self ? 'owned here' : `owner pid ${h.owner.pid} ${h.owner.command}`} since ${clockTime(h.owner.since)}, ${h.owner.clients} client${h.owner.clients === 1 ? '' : 's'}`
    : '';
  const showOwner = fits(Boolean(h?.owner) && width >= 140, displayWidth(ownerText));
  return (
    <Text wrap="truncate">
      <Text bold={theme.mode !== 'none'}>studio</Text>
      {badges.map((b) => (
        <React.Fragment key={b}>{badge(b, BADGE_STYLE[b]!(theme))}</React.Fragment>
      ))}
      {sep}
      {h ? <Text {...theme.level(h.systemLevel)}>{h.systemLevel}</Text> : <Text {...theme.muted}>loading…</Text>}
      {showClock ? (
        <>
          {sep}
          {liveHeader.live ? liveCell(CLOCK_CELL, 8) : clockTime(new Date(now))} UTC
        </>
      ) : null}
      {snapshot ? (
        <>
          {sep}
          <Text {...(stale ? theme.bad : theme.muted)}>
            {ageLabel}
            {liveHeader.live ? liveCell(AGE_CELL, liveHeader.ageWidth) : ageText(props, now)}
          </Text>
        </>
      ) : null}
      {h ? (
        <>
          {showMode ? (
            <>
              {sep}
              {h.mode}
            </>
          ) : null}
          {showScheduler ? <Text {...theme.muted}>{schedulerText}</Text> : null}
          {showLocation ? <Text {...theme.muted}> {h.location}</Text> : null}
          {showCycle ? (
            <>
              {sep}
              {snapshot!.budget.cycleId}
            </>
          ) : null}
          {sep}
          {who.operator}
          {who.sshClient ? <Text {...theme.muted}>@{who.sshClient}</Text> : null}
          {showOwner ? <Text {...theme.muted}>{ownerText}</Text> : null}
        </>
      ) : null}
    </Text>
  );
}
