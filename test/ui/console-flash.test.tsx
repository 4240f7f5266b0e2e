/**
 * A changed value flashes for a moment, and its end costs no frame of its own when a render comes anyway
 * (each render is a whole Ink frame). At a 1 s refresh the next read's render ends the flash; with
 * nothing else rendering, its own timer ends it FLASH_MS after the change.
 */
import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render } from 'ink-testing-library';
import { Text } from 'ink';
import { ConsoleProvider } from '../../src/ui/ConsoleApiContext.js';
import { FLASH_MIN_MS, FLASH_MS, useFlash } from '../../src/ui/hooks/use-flash.js';
import { createManualClock } from '../../src/core/clock.js';
import { createDemoApi } from '../helpers/demo-api.js';
import { TEST_NOW } from '../helpers/render.js';

afterEach(() => {
  vi.useRealTimers();
});

async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

function setUp() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  const clock = createManualClock(TEST_NOW);
  const api = createDemoApi({ clock, seed: 7, stepDelayMs: 0 });
  let renders = 0;
  function Probe({ a, b }: { a: number; b: number }) {
    renders++;
    const flashA = useFlash(a);
    const flashB = useFlash(b);
    return <Text>{`a=${a}${flashA ? '*' : ''} b=${b}${flashB ? '*' : ''}`}</Text>;
  }
  const tree = (a: number, b: number) => (
    <ConsoleProvider api={api} clock={clock}>
      <Probe a={a} b={b} />
    </ConsoleProvider>
  );
  const instance = render(tree(1, 1));
  return { clock, instance, renders: () => renders, show: (a: number, b: number) => instance.rerender(tree(a, b)) };
}

describe('flashes (useFlash)', () => {
  it('the next read one second later ends the flash of a value that moved at the read before: no frame of its own', async () => {
    const p = setUp();
    expect(p.instance.lastFrame()).toBe('a=1 b=1');
    p.show(2, 1); // a read: a moved
    expect(p.instance.lastFrame()).toBe('a=2* b=1');
    p.clock.advance(1_000);
    p.show(2, 2); // the next read, 1 s later: b moved, a did not
    expect(p.instance.lastFrame()).toBe('a=2 b=2*');
    const renders = p.renders();
    // a's flash would have ended by its own timer at 1.5 s: nothing renders for it now
    p.clock.advance(600);
    await advance(600);
    expect(p.renders()).toBe(renders);
    expect(p.instance.lastFrame()).toBe('a=2 b=2*');
    p.instance.unmount();
  });

  it('a flash with no render after it ends on its own FLASH_MS after the change, in one render', async () => {
    const p = setUp();
    p.show(2, 2); // both moved in one read
    expect(p.instance.lastFrame()).toBe('a=2* b=2*');
    const renders = p.renders();
    p.clock.advance(FLASH_MS - 100);
    await advance(FLASH_MS - 100);
    expect(p.instance.lastFrame()).toBe('a=2* b=2*');
    p.clock.advance(100);
    await advance(100);
    expect(p.instance.lastFrame()).toBe('a=2 b=2');
    expect(p.renders()).toBe(renders + 1);
    p.instance.unmount();
  });

  it('a render sooner than FLASH_MIN_MS after the change keeps it flashing (a key press, a quick read)', async () => {
    const p = setUp();
    p.show(2, 1);
    p.clock.advance(FLASH_MIN_MS - 50);
    p.show(2, 1);
    expect(p.instance.lastFrame()).toBe('a=2* b=1');
    p.instance.unmount();
  });
});
