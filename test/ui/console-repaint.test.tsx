/**
 * Cheap when idle (#17 item 13): a read that brings the same content as the one on screen renders no
 * frame; a read with changed content renders one. Frames counted as ink-testing-library records them
 * (one per render Ink does), with fake timers driving the 1 s refresh and the header's clock.
 */
import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render } from 'ink-testing-library';
import { App } from '../../src/ui/App.js';
import { ConsoleProvider } from '../../src/ui/ConsoleApiContext.js';
import { createDemoApi } from '../helpers/demo-api.js';
import { createManualClock } from '../../src/core/clock.js';
import type { ConsoleApi, ConsoleSnapshot } from '../../src/core/console-api.js';
import { TEST_NOW } from '../helpers/render.js';

/** Move the fake clock on, then give React's scheduler (real event-loop turns) the chance to render. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

afterEach(() => {
  vi.useRealTimers();
});

async function setUp(repaint: 'changes' | 'full') {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  const clock = createManualClock(TEST_NOW); // never advanced: the clock line stays the same
  const demo = createDemoApi({ clock, seed: 7, stepDelayMs: 0 });
  const fixed = await demo.snapshot();
  let next: ConsoleSnapshot = fixed;
  let reads = 0;
  // every read is a new object (a fresh copy), so only a comparison of content can tell it is the same
  const api: ConsoleApi = { ...demo, snapshot: async () => (reads++, structuredClone(next)), awaySummary: async () => null };
  const instance = render(
    <ConsoleProvider api={api} clock={clock} colorMode="none" demo>
      <App refreshMs={1_000} repaint={repaint} />
    </ConsoleProvider>,
  );
  Object.defineProperty(instance.stdout, 'columns', { configurable: true, get: () => 160 });
  Object.defineProperty(instance.stdout, 'rows', { configurable: true, get: () => 48 });
  instance.stdout.emit('resize');
  await advance(3_000); // first read, layout settled
  return { instance, fixed, set: (s: ConsoleSnapshot) => (next = s), reads: () => reads };
}

describe('render only when something changed', () => {
  it('ten refreshes with an identical snapshot write no frame; a changed one writes one', async () => {
    const c = await setUp('changes');
    expect(c.instance.lastFrame()).toContain('Jobs');
    const frames = c.instance.frames.length;
    const reads = c.reads();
    await advance(10_000);
    expect(c.reads() - reads).toBeGreaterThanOrEqual(9); // the refresh loop did run
    expect(c.instance.frames.length).toBe(frames);

    const changed = structuredClone(c.fixed);
    changed.header.operator = 'someone-else';
    c.set(changed);
    await advance(1_500);
    expect(c.instance.frames.length).toBe(frames + 1);
    expect(c.instance.lastFrame()).toContain('someone-else');
    await advance(5_000);
    expect(c.instance.frames.length).toBe(frames + 1);
    c.instance.unmount();
  });

  it('the old behaviour (repaint full) renders a frame on every read', async () => {
    const c = await setUp('full');
    const frames = c.instance.frames.length;
    await advance(10_000);
    expect(c.instance.frames.length - frames).toBeGreaterThanOrEqual(9);
    c.instance.unmount();
  });
});

describe('80 columns (#17 item 10)', () => {
  it('a long detail line wraps under its indent, nothing is cut', async () => {
    const { wrapLine } = await import('../../src/ui/components/DetailView.js');
    const reason = 'parked    research found no evidence for the market size after 3 attempts; the web search provider returned only forum posts and the summary gate needs two independent sources';
    const rows = wrapLine(reason, 76);
    expect(rows.length).toBeGreaterThan(2);
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(76);
    expect(rows.slice(1).every((r) => r.startsWith(' '.repeat(10)))).toBe(true);
    expect(rows.map((r) => r.trim()).join(' ').replace(/\s+/g, ' ')).toBe(reason.replace(/\s+/g, ' '));
  });
});
