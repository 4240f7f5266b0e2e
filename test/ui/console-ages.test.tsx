/**
 * Ages in the list panels (#17 item 13, "cheap when idle"): k9s-style text (seconds only under two
 * minutes), run times instead of countdowns, and a screen drawn again only when such a text would read
 * differently. Without the screen writer, frames are counted as ink-testing-library records them over a
 * fake clock; with it, the rows the writer puts on the terminal and the frames Ink hands it.
 */
import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render as inkRender } from 'ink';
import { App } from '../../src/ui/App.js';
import { ConsoleProvider } from '../../src/ui/ConsoleApiContext.js';
import { Screen } from '../../src/ui/screen.js';
import { ageChangesAt, formatAge, nextAgeChangeAt, nextRunText } from '../../src/ui/ages.js';
import { createDemoApi } from '../helpers/demo-api.js';
import { FakeKeyboard } from '../helpers/keyboard.js';
import { renderConsole, TEST_NOW } from '../helpers/render.js';
import { FakeTerminal, rowsOf } from '../helpers/terminal.js';
import { createManualClock, type Clock } from '../../src/core/clock.js';
import type { ConsoleApi, ConsoleSnapshot } from '../../src/core/console-api.js';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('age text', () => {
  it('to the second under two minutes, whole minutes under an hour, then h m and d h; truncated', () => {
    const cases: Array<[number, string]> = [
      [-5 * S, '0s'],
      [0, '0s'],
      [999, '0s'],
      [45 * S, '45s'],
      [90 * S, '90s'],
      [119_999, '119s'],
      [2 * M, '2m'],
      [5 * M + 3 * S, '5m'],
      [59 * M + 59 * S, '59m'],
      [H + 5 * M + 30 * S, '1h 5m'],
      [23 * H + 59 * M, '23h 59m'],
      [3 * D + 4 * H + 59 * M, '3d 4h'],
    ];
    for (const [ms, text] of cases) expect([ms, formatAge(ms)]).toEqual([ms, text]);
  });

  it('says when the text changes next: each second, then each minute, then each hour', () => {
    const at = TEST_NOW;
    expect(ageChangesAt(at, at + 30_400)).toBe(at + 31 * S);
    expect(ageChangesAt(at, at + 119_500)).toBe(at + 2 * M); // 119s -> 2m
    expect(ageChangesAt(at, at + 2 * M)).toBe(at + 3 * M);
    expect(ageChangesAt(at, at + 5 * M + 10 * S)).toBe(at + 6 * M);
    expect(ageChangesAt(at, at + 2 * D + 10 * M)).toBe(at + 2 * D + H);
    for (const age of [0, 999, 30_400, 119_500, 2 * M, 3 * H + 7 * S, 2 * D + 10 * M]) {
      const change = ageChangesAt(at, at + age);
      expect(formatAge(change - at - 1)).toBe(formatAge(age)); // the same text up to the change
      expect(formatAge(change - at)).not.toBe(formatAge(age)); // and a different one from it
    }
  });

  it('a next run shows its time, not a countdown: next, due in its first minute, then late; the date beyond a day', () => {
    const now = Date.UTC(2026, 11, 7, 7, 10, 30);
    expect(nextRunText(new Date(Date.UTC(2026, 11, 7, 7, 14)), now)).toBe('next 07:14');
    expect(nextRunText(new Date(Date.UTC(2026, 11, 7, 7, 10)), now)).toBe('due 07:10');
    expect(nextRunText(new Date(Date.UTC(2026, 11, 7, 7, 9)), now)).toBe('late 07:09');
    expect(nextRunText(new Date(Date.UTC(2026, 11, 13, 2, 0)), now)).toBe('next 12-13 02:00');
    expect(nextRunText(null, now)).toBe('next -');
    // none of it moves between those points: the same text a second and thirty seconds on
    const at = new Date(Date.UTC(2026, 11, 7, 7, 14));
    expect(nextRunText(at, now + S)).toBe('next 07:14');
    expect(nextRunText(at, now + 30 * S)).toBe('next 07:14');
  });
});

/** A snapshot whose ages are all `age` old at `now` (services, incidents, stuck ideas, jobs' last runs); next runs a day away. */
function agedSnapshot(base: ConsoleSnapshot, now: number, age: number): ConsoleSnapshot {
  const s = structuredClone(base);
  s.takenAt = new Date(now);
  const at = new Date(now - age);
  s.services = s.services.map((x) => ({ ...x, live: undefined, checkedAt: at }));
  s.incidents = s.incidents.map((i) => ({ ...i, openedAt: at }));
  s.pipeline.stuck = s.pipeline.stuck.map((i) => ({ ...i, heldForMs: age }));
  s.jobs = s.jobs.map((j) => ({ ...j, running: false, lastRunAt: j.lastRunAt ? at : null, nextRunAt: new Date(now + 2 * D) }));
  return s;
}

describe('nextAgeChangeAt', () => {
  it('is the earliest change of any age the panels show', async () => {
    const base = await createDemoApi({ clock: { now: () => TEST_NOW, date: () => new Date(TEST_NOW) } as Clock, seed: 7, stepDelayMs: 0 }).snapshot();
    const old = agedSnapshot(base, TEST_NOW, 10 * M + 20 * S);
    expect(nextAgeChangeAt(old)).toBe(TEST_NOW + 40 * S); // 10m -> 11m
    const young = structuredClone(old);
    young.incidents[0]!.openedAt = new Date(TEST_NOW - 30_500);
    expect(nextAgeChangeAt(young)).toBe(TEST_NOW + 500); // 30s -> 31s
    const due = structuredClone(old);
    due.jobs[0]!.nextRunAt = new Date(TEST_NOW + 7 * S);
    expect(nextAgeChangeAt(due)).toBe(TEST_NOW + 7 * S + 1); // next -> due
  });
});

/** Move the fake clock on, then give React's scheduler (real event-loop turns) the chance to render. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

afterEach(() => {
  vi.useRealTimers();
});

/** The console on the fake clock, every read the same content taken now, with ages `age` old at the start. */
async function idleConsole(age: number) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  const clock = { now: () => Date.now(), date: () => new Date() } as Clock;
  const demo = createDemoApi({ clock, seed: 7, stepDelayMs: 0 });
  const base = await demo.snapshot();
  const start = Date.now();
  const fixed = agedSnapshot(base, start, age);
  // the content stays; only the read's time moves (and with it how long the stuck ideas have been held), as in an idle real console
  const read = (): ConsoleSnapshot => {
    const s = structuredClone(fixed);
    s.takenAt = new Date();
    for (const idea of s.pipeline.stuck) idea.heldForMs += s.takenAt.getTime() - start;
    // the cap is projected from the read's time (console-backend.ts): the time left stays
    if (s.budget.projectedCapAt) s.budget.projectedCapAt = new Date(s.budget.projectedCapAt.getTime() + s.takenAt.getTime() - start);
    return s;
  };
  const api: ConsoleApi = { ...demo, snapshot: async () => read(), awaySummary: async () => null };
  return { api, clock, start };
}

describe('the screen is drawn again only when an age on it would read differently', () => {
  it('ages of minutes: a minute of 1 s refreshes draws one frame (at the minute), not one a second', async () => {
    const { api } = await idleConsole(10 * M + 30 * S);
    // The reads' time moves (Date is fake); the console's own clock does not, so the header's clock
    // (a React render each second without the screen writer) stays still and every frame counted here
    // is a render for the snapshot.
    const instance = renderConsole({ api, clock: createManualClock(Date.now()), refreshMs: 1_000 });
    await advance(3_000);
    expect(instance.lastFrame()).toMatch(/10m ago/);
    const frames = instance.frames.length;
    await advance(25_000); // 10m 33s .. 10m 58s: 25 reads, nothing visible changes
    expect(instance.frames.length).toBe(frames);
    await advance(30_000); // past 11m
    expect(instance.lastFrame()).toMatch(/11m ago/);
    expect(instance.lastFrame()).not.toMatch(/10m ago/);
    expect(instance.frames.length).toBe(frames + 1);
    instance.unmount();
  });

  it('ages under two minutes move each second', async () => {
    const { api, clock } = await idleConsole(30 * S);
    const instance = renderConsole({ api, clock, refreshMs: 1_000 });
    await advance(2_000);
    const first = instance.lastFrame()!.match(/(\d+)s ago/)?.[1];
    await advance(5_000);
    const later = instance.lastFrame()!.match(/(\d+)s ago/)?.[1];
    expect(Number(later) - Number(first)).toBeGreaterThanOrEqual(4);
    instance.unmount();
  });
});

describe('with the screen writer, ages are live cells', () => {
  async function writerConsole(age: number) {
    const { api, clock } = await idleConsole(age);
    const terminal = new FakeTerminal(160, 48);
    const screen = new Screen(terminal as unknown as NodeJS.WriteStream);
    let frames = 0;
    const write = screen.stream.write;
    screen.stream.write = ((data: string) => (frames++, write(data))) as typeof write;
    const instance = inkRender(
      <ConsoleProvider api={api} clock={clock} demo liveCells={screen}>
        <App refreshMs={1_000} />
      </ConsoleProvider>,
      { stdout: screen.stream, stdin: new FakeKeyboard() as unknown as NodeJS.ReadStream, patchConsole: false, exitOnCtrlC: false, debug: true },
    );
    await advance(3_000);
    return {
      terminal,
      screen,
      frames: () => frames,
      close: () => {
        instance.unmount();
        screen.close();
      },
    };
  }

  it('idle with ages of minutes: a minute of ticks writes the header row each second, nothing else, and no frame', async () => {
    const c = await writerConsole(10 * M + 30 * S);
    expect(c.screen.rows().join('\n')).toMatch(/10m ago/);
    expect(c.screen.rows().join('\n')).not.toMatch(/[\ue000-\uf8ff]/);
    const frames = c.frames();
    const writes = c.terminal.writes.length;
    await advance(25_000);
    expect(c.frames()).toBe(frames); // not one React render, not one Ink frame
    const rows = new Set(c.terminal.writes.slice(writes).flatMap(rowsOf));
    expect([...rows]).toEqual([1]); // the clock
    await advance(30_000); // past 11m: the rows with ages, still no frame
    expect(c.screen.rows().join('\n')).toMatch(/11m ago/);
    expect(c.frames()).toBe(frames);
    c.close();
  });

  it('an age under two minutes moves each second by rewriting its rows only, with no frame', async () => {
    const c = await writerConsole(30 * S);
    const frames = c.frames();
    const first = Number(c.screen.rows().join('\n').match(/(\d+)s ago/)?.[1]);
    await advance(5_000);
    expect(Number(c.screen.rows().join('\n').match(/(\d+)s ago/)?.[1]) - first).toBeGreaterThanOrEqual(4);
    expect(c.frames()).toBe(frames);
    c.close();
  });
});
