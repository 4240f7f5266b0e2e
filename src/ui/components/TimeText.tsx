/**
 * A cell whose text moves with the clock: an age (`45s ago`), a run time (`next 07:14` turning `late`).
 *
 * On the full-screen writer (src/ui/screen.ts) it is a live cell: React renders a placeholder `width`
 * columns wide once, and the writer fills in `text(now)` against the real clock on its 1 s tick, writing
 * the row only when the text changed — an age moving on costs no React render, no layout, no frame.
 * Without the writer (tests, `STUDIO_CONSOLE_REPAINT=full`) it renders `text(now)` with the `now` it is
 * given (the snapshot's time); the refresh loop takes the snapshot again when such a text would change
 * (`nextAgeChangeAt`, use-snapshot.ts).
 */
import React, { useEffect, useRef } from 'react';
import { useConsoleSettings } from '../ConsoleApiContext.js';
import { pad } from '../format.js';
import { liveCell } from '../screen.js';

export interface TimeTextProps {
  /** The text at time `now` (ms epoch). */
  text: (now: number) => string;
  /** The time to render against without the writer: the snapshot's `takenAt`. */
  now: number;
  /** Columns: the text is padded or cut to this. */
  width: number;
  /** @default 'left' */
  align?: 'left' | 'right';
}

export function TimeText({ text, now, width, align = 'left' }: TimeTextProps) {
  const { liveCells, clock } = useConsoleSettings();
  const latest = useRef({ text, width, align });
  latest.current = { text, width, align };
  const id = useRef<number | null>(null);
  // allocated while rendering (the placeholder needs the id), given back when the row goes
  if (liveCells && id.current === null) {
    id.current = liveCells.add({ text: () => pad(latest.current.text(clock.now()), latest.current.width, latest.current.align) });
  }
  useEffect(
    () => () => {
      if (id.current !== null) liveCells?.set(id.current, null);
      id.current = null;
    },
    [liveCells],
  );
  return <>{id.current !== null ? liveCell(id.current, width) : pad(text(now), width, align)}</>;
}
