import { EventEmitter } from 'node:events';
import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { Text } from 'ink';
import type { ConsoleSnapshot } from '../../src/core/console-api.js';
import { createManualClock } from '../../src/core/clock.js';
import { computeLayout, share, PANELS } from '../../src/ui/layout.js';
import { detectColorMode } from '../../src/ui/theme.js';
import { captureConsole } from '../../src/ui/capture-console.js';
import { useConsoleApi } from '../../src/ui/ConsoleApiContext.js';
import { createDemoApi } from '../helpers/demo-api.js';
import { splitKeys } from '../../src/ui/hooks/use-keys.js';
import type { Key } from 'ink';
import { ENTER_ALT_SCREEN, LEAVE_ALT_SCREEN, runConsole } from '../../src/ui/run-console.js';
import { renderConsole, TEST_NOW, type RenderedConsole } from '../helpers/render.js';
import { FakeTerminal } from '../helpers/terminal.js';
import { FakeKeyboard } from '../helpers/keyboard.js';
import { PanelSummary } from '../../src/ui/components/PanelSummary.js';

describe('layout', () => {
  it('shares rows so they add up, never below the minimum', () => {
    const roomy = share(30, [10, 8, 7], 3);
    expect(roomy.reduce((a, b) => a + b, 0)).toBe(30);
    expect(roomy[0]).toBeGreaterThanOrEqual(10);
    expect(roomy[1]).toBeGreaterThanOrEqual(8);
    expect(roomy[2]).toBeGreaterThanOrEqual(7);
    const tight = share(12, [10, 8, 7], 3);
    expect(tight.reduce((a, b) => a + b, 0)).toBe(12);
    for (const h of tight) expect(h).toBeGreaterThanOrEqual(3);
  });

  it('is wide at 160x48 (frame one row short) and compact at 80x24', () => {
    const wide = computeLayout({ columns: 160, rows: 48 }, 'jobs');
    expect(wide.kind).toBe('wide');
    expect(wide.frameRows).toBe(47);
    if (wide.kind === 'wide') {
      const column = (boxes: typeof wide.left) => boxes.reduce((n, b) => n + b.height, 0);
      expect(column(wide.left) + wide.bottom.height).toBe(wide.bodyRows);
      expect(column(wide.right) + wide.bottom.height).toBe(wide.bodyRows);
    }
    const small = computeLayout({ columns: 80, rows: 24 }, 'jobs');
    expect(small).toMatchObject({ kind: 'compact', frameRows: 23, summary: true, focused: { id: 'jobs' } });
    if (small.kind === 'compact') expect(PANELS.length + small.focused.height).toBe(small.bodyRows);
    const tiny = computeLayout({ columns: 60, rows: 12 }, 'logs');
    expect(tiny).toMatchObject({ kind: 'compact', summary: false });
  });
});

describe('splitKeys', () => {
  const none = { tab: false, return: false, escape: false, ctrl: false, meta: false, shift: false, backspace: false, delete: false, upArrow: false, downArrow: false, leftArrow: false, rightArrow: false } as Key;
  it('splits keys that arrived in one read into single keys', () => {
    const keys = splitKeys('\t\tjR\r', none);
    expect(keys.map(([input, k]) => (k.tab ? 'TAB' : k.return ? 'ENTER' : `${input}${k.shift ? '(shift)' : ''}`))).toEqual(['TAB', 'TAB', 'j', 'R(shift)', 'ENTER']);
  });
  it('leaves single keys and escape sequences alone', () => {
    expect(splitKeys('x', none)).toEqual([['x', none]]);
    const up = { ...none, upArrow: true };
    expect(splitKeys('[A', up)).toEqual([['[A', up]]);
  });
});

describe('colour mode', () => {
  it('is decided from NO_COLOR, FORCE_COLOR, TERM and the TTY', () => {
    expect(detectColorMode({ NO_COLOR: '1', TERM: 'xterm-256color' }, true)).toBe('none');
    expect(detectColorMode({ NO_COLOR: '1', FORCE_COLOR: '3' }, true)).toBe('none');
    expect(detectColorMode({ TERM: 'xterm-256color' }, false)).toBe('none');
    expect(detectColorMode({ TERM: 'dumb' }, true)).toBe('none');
    expect(detectColorMode({ TERM: 'xterm' }, true)).toBe('16');
    expect(detectColorMode({ TERM: 'linux' }, true)).toBe('16');
    expect(detectColorMode({ TERM: 'xterm-256color' }, true)).toBe('256');
    expect(detectColorMode({ TERM: 'tmux-256color' }, true)).toBe('256');
    expect(detectColorMode({ FORCE_COLOR: '1' }, false)).toBe('16');
    expect(detectColorMode({ FORCE_COLOR: '0', TERM: 'xterm-256color' }, true)).toBe('none');
  });
});

describe('captureConsole', () => {
  it('sends console output to the sink while active and restores the originals after', () => {
    const seen: string[] = [];
    const target = { ...console } as Console;
    const originalLog = target.log;
    const release = captureConsole((level, text) => seen.push(`${level}:${text}`), target);
    target.log('hello %s', 'world');
    target.error(new Error('boom').message);
    release();
    release(); // twice is harmless
    expect(seen).toEqual(['log:hello world', 'error:boom']);
    expect(target.log).toBe(originalLog);
  });
});

describe('useConsoleApi', () => {
  it('throws outside the provider, naming the fix', () => {
    function Probe() {
      useConsoleApi();
      return <Text>never</Text>;
    }
    const errors: unknown[] = [];
    class Catch extends React.Component<{ children: React.ReactNode }, { error: string | null }> {
      override state = { error: null as string | null };
      static getDerivedStateFromError(error: Error) {
        return { error: error.message };
      }
      override componentDidCatch(error: unknown) {
        errors.push(error);
      }
      override render() {
        return this.state.error ? <Text>caught: {this.state.error}</Text> : this.props.children;
      }
    }
    const r = render(
      <Catch>
        <Probe />
      </Catch>,
    );
    expect(r.lastFrame()).toContain('caught: console: useConsoleApi() was called outside <ConsoleProvider>');
    r.unmount();
  });
});

describe('the refresh loop', () => {
  let c: RenderedConsole | undefined;
  afterEach(() => c?.unmount());

  it('never overlaps reads: refreshes asked for during a read make one more read after it', async () => {
    const clock = createManualClock(TEST_NOW);
    const demo = createDemoApi({ clock, stepDelayMs: 0 });
    let inFlight = 0;
    let most = 0;
    let reads = 0;
    const gates: Array<() => void> = [];
    const api = {
      ...demo,
      snapshot: async (): Promise<ConsoleSnapshot> => {
        reads++;
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => gates.push(resolve));
        inFlight--;
        return demo.snapshot();
      },
    };
    c = renderConsole({ api, clock });
    await c.waitFor('reading the first snapshot');
    await c.press('r', 3);
    expect(reads).toBe(1);
    gates.shift()!();
    await c.waitFor('Incidents');
    await expect.poll(() => reads).toBe(2);
    gates.shift()!();
    expect(most).toBe(1);
  });

  it('keeps the last snapshot and says so when a read fails', async () => {
    const clock = createManualClock(TEST_NOW);
    const demo = createDemoApi({ clock, stepDelayMs: 0 });
    let fail = false;
    const api = { ...demo, snapshot: async () => (fail ? Promise.reject(new Error('database: connection refused')) : demo.snapshot()) };
    c = renderConsole({ api, clock });
    await c.waitFor('Incidents');
    fail = true;
    await c.press('r');
    const f = await c.waitFor('snapshot failed: database: connection refused');
    expect(f).toContain('STALE');
    expect(f).toContain('Incidents');
  });

  it('wraps a failed read over two rows at 80 columns: the advice at the end of the error stays readable', async () => {
    const clock = createManualClock(TEST_NOW);
    const demo = createDemoApi({ clock, stepDelayMs: 0 });
    let fail = false;
    const error = 'storage: database at 127.0.0.1:6543/studio_lead does not exist; create it (createdb) or fix DATABASE_URL';
    const api = { ...demo, snapshot: async () => (fail ? Promise.reject(new Error(error)) : demo.snapshot()) };
    c = renderConsole({ api, clock, columns: 80, rows: 24 });
    await c.waitFor('Incidents');
    fail = true;
    await c.press('r');
    const f = await c.waitFor('snapshot failed');
    const lines = f.split('\n');
    expect(lines.length).toBe(23); // the body gave the line its second row; nothing runs off the screen
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
    const at = lines.findIndex((l) => l.startsWith('✗ snapshot failed'));
    expect(`${lines[at]!.trimEnd()} ${lines[at + 1]!.trim()}`).toBe(`✗ snapshot failed: ${error} (r retries)`);
  });
});

class FakeProcess extends EventEmitter {
  env = { TERM: 'xterm-256color' } as NodeJS.ProcessEnv;
  exitCode: number | undefined;
  stderrText = '';
  stderr = { write: (text: string) => ((this.stderrText += text), true) };
  exited: Promise<void>;
  exit!: () => void;
  constructor() {
    super();
    this.exited = new Promise((resolve) => (this.exit = () => resolve()));
  }
}

describe('runConsole', () => {
  const start = (stop: { shutdown?: () => Promise<void>; stopping?: () => string[] } = {}) => {
    const stdout = new FakeTerminal(120, 40);
    const stdin = new FakeKeyboard();
    const proc = new FakeProcess();
    const api = createDemoApi({ clock: createManualClock(TEST_NOW), stepDelayMs: 0 });
    const captured: string[] = [];
    let closed = 0;
    const run = runConsole({
      api,
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      process: proc as unknown as NodeJS.Process,
      onConsoleOutput: (_level, text) => captured.push(text),
      shutdown: stop.shutdown ?? (async () => void closed++),
      stopping: stop.stopping,
    });
    const started = () => expect.poll(() => api.calls.some((x) => x.method === 'snapshot')).toBe(true);
    const leaves = () => stdout.writes.join('').split(LEAVE_ALT_SCREEN).length - 1;
    return { stdout, stdin, proc, api, run, captured, started, leaves, closed: () => closed };
  };

  it('takes the alternate screen, captures console output, and gives the terminal back once on q', async () => {
    const t = start();
    expect(t.stdout.writes[0]).toBe(ENTER_ALT_SCREEN);
    await t.started();
    console.log('an SDK talking');
    expect(t.stdout.writes.join('')).not.toContain('an SDK talking');
    t.stdin.write('q');
    await expect(t.run).resolves.toEqual({ reason: 'quit', stop: 'clean' });
    expect(t.captured).toEqual(['an SDK talking']);
    expect(t.leaves()).toBe(1);
    expect(t.stdout.writes.join('').lastIndexOf(LEAVE_ALT_SCREEN)).toBeGreaterThan(t.stdout.writes.join('').lastIndexOf('\x1b[?25l'));
    expect(t.proc.listenerCount('SIGTERM')).toBe(0);
    expect(t.proc.listenerCount('uncaughtException')).toBe(0);
  });

  it('restores the terminal once on SIGTERM (then SIGHUP), closes, and exits 143', async () => {
    const t = start();
    await t.started();
    t.proc.emit('SIGTERM', 'SIGTERM');
    t.proc.emit('SIGHUP', 'SIGHUP');
    await t.proc.exited;
    expect(t.leaves()).toBe(1);
    expect(t.proc.exitCode).toBe(143);
    expect(t.closed()).toBe(1);
    await expect(t.run).resolves.toMatchObject({ reason: 'signal', signal: 'SIGTERM' });
  });

  it('restores the terminal on an uncaught exception and an unhandled rejection, once', async () => {
    const t = start();
    await t.started();
    t.proc.emit('uncaughtException', new Error('boom'));
    t.proc.emit('unhandledRejection', new Error('second'));
    await t.proc.exited;
    expect(t.leaves()).toBe(1);
    expect(t.proc.exitCode).toBe(1);
    expect(t.proc.stderrText).toContain('console: crashed: boom');
  });

  it('q during a running job: the main screen says what it waits for, and a clean stop returns exit 0', async () => {
    let finishStop!: () => void;
    const t = start({ shutdown: () => new Promise<void>((resolve) => (finishStop = resolve)), stopping: () => ['pipeline.tick (RESEARCH "Bakery finder")'] });
    await t.started();
    t.stdin.write('q');
    await expect.poll(() => t.stdout.writes.join('')).toContain('stopping: pipeline.tick (RESEARCH "Bakery finder") — q again to force');
    const all = t.stdout.writes.join('');
    expect(all.indexOf('stopping:')).toBeGreaterThan(all.lastIndexOf(LEAVE_ALT_SCREEN)); // on the main screen, after the restore
    finishStop();
    await expect(t.run).resolves.toEqual({ reason: 'quit', stop: 'clean' });
    expect(t.proc.exitCode).toBeUndefined();
    expect(t.leaves()).toBe(1);
  });

  it('a second q while stopping forces the exit (130), without waiting, the terminal restored once', async () => {
    const t = start({ shutdown: () => new Promise<void>(() => undefined), stopping: () => ['backup.daily'] });
    await t.started();
    t.stdin.write('q');
    await expect.poll(() => t.stdout.writes.join('')).toContain('stopping: backup.daily');
    t.stdin.emit('data', 'q');
    await t.proc.exited;
    expect(t.proc.exitCode).toBe(130);
    expect(t.stdout.writes.join('')).toContain('forced: did not wait for backup.daily');
    expect(t.leaves()).toBe(1);
    await expect(t.run).resolves.toMatchObject({ reason: 'quit', stop: 'forced' });
  });
});

describe('the compact summary lines', () => {
  it('say "no services checked yet" before the first health check, as the panel does, instead of an empty line', async () => {
    const api = createDemoApi({ clock: createManualClock(TEST_NOW), stepDelayMs: 0 });
    const snapshot = await api.snapshot();
    const line = (s: ConsoleSnapshot) => renderConsole({ node: <PanelSummary panel="services" snapshot={s} focused={false} /> });
    const none = line({ ...snapshot, services: [] });
    expect(none.lastFrame()).toContain('Services');
    expect(none.lastFrame()).toContain('no services checked yet');
    none.unmount();
    const some = line(snapshot);
    expect(some.lastFrame()).toContain(`●${snapshot.services[0]!.name}`);
    expect(some.lastFrame()).not.toContain('no services checked yet');
    some.unmount();
  });
});
