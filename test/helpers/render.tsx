/**
 * The one way console components are rendered in tests: ink-testing-library, inside `<ConsoleProvider>`
 * with a fake `ConsoleApi` (the demo api on a fixed clock and seed, no delays), at a chosen terminal size.
 * Assert on `lastFrame()`, type with `type()` / `press()`, wait with `waitFor()`, and always `unmount()`.
 */
import React, { type ReactElement } from 'react';
import { afterEach } from 'vitest';
import { render } from 'ink-testing-library';
import type { ConsoleApi } from '../../src/core/console-api.js';
import { createManualClock, type Clock } from '../../src/core/clock.js';
import { App } from '../../src/ui/App.js';
import { ConsoleProvider } from '../../src/ui/ConsoleApiContext.js';
import { createDemoApi, type DemoApi } from './demo-api.js';
import type { ColorMode } from '../../src/ui/theme.js';

/** 2026-11-28 18:00 UTC: the demo's fixed "now" in tests. */
export const TEST_NOW = Date.UTC(2026, 10, 28, 18, 0, 0);

export const KEY = {
  tab: '\t',
  shiftTab: '\x1b[Z',
  enter: '\r',
  escape: '\x1b',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  backspace: '\x7f',
} as const;

export interface RenderConsoleOptions<A extends ConsoleApi = DemoApi> {
  api?: A;
  readOnly?: boolean;
  colorMode?: ColorMode;
  columns?: number;
  rows?: number;
  /** @default 3_600_000 (no timed refresh during a test: reads come from mount, `r` and actions) */
  refreshMs?: number;
  clock?: Clock;
  /** Render this instead of the App (still inside the provider). */
  node?: ReactElement;
}

// The escape key alone is ambiguous on a terminal (it starts sequences); Ink waits briefly to tell.
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

export function renderConsole<A extends ConsoleApi = DemoApi>(options: RenderConsoleOptions<A> = {}) {
  const clock = options.clock ?? createManualClock(TEST_NOW);
  const api: A = options.api ?? (createDemoApi({ clock, seed: 7, stepDelayMs: 0, operator: 'alice', sshClient: '10.0.0.5' }) as unknown as A);
  const tree = (
    <ConsoleProvider api={api} readOnly={options.readOnly ?? false} colorMode={options.colorMode ?? 'none'} clock={clock} demo>
      {options.node ?? <App refreshMs={options.refreshMs ?? 3_600_000} />}
    </ConsoleProvider>
  );
  const instance = render(tree);
  // ink-testing-library records frames but announces none: announce each, so waitFor waits for frames.
  const write = instance.stdout.write;
  instance.stdout.write = (text: string) => {
    write(text);
    instance.stdout.emit('frame');
  };
  const resize = (columns: number, rows: number) => {
    Object.defineProperty(instance.stdout, 'columns', { configurable: true, get: () => columns });
    Object.defineProperty(instance.stdout, 'rows', { configurable: true, get: () => rows });
    instance.stdout.emit('resize');
  };
  resize(options.columns ?? 160, options.rows ?? 48);

  const frame = () => instance.lastFrame() ?? '';

  /**
   * Wait until the frame satisfies `test` (re-checked on every frame Ink writes); fails after 15 s with
   * the frame (generous: the suite shares two cores with PGlite and PostgreSQL tests).
   */
  const waitFor = (test: string | RegExp | ((frame: string) => boolean), what = String(test)): Promise<string> => {
    const check = () => {
      const f = frame();
      if (typeof test === 'string') return f.includes(test);
      if (test instanceof RegExp) return test.test(f);
      return test(f);
    };
    if (check()) return Promise.resolve(frame());
    return new Promise((resolve, reject) => {
      const stdout = instance.stdout;
      const timer = setTimeout(() => {
        stdout.off('frame', onFrame);
        reject(new Error(`waited 15 s for ${what}; last frame:\n${frame()}`));
      }, 15_000);
      const onFrame = () => {
        if (!check()) return;
        clearTimeout(timer);
        stdout.off('frame', onFrame);
        resolve(frame());
      };
      stdout.on('frame', onFrame);
    });
  };

  const type = async (text: string) => {
    for (const ch of text) instance.stdin.write(ch);
    await settle();
  };
  const press = async (key: string, times = 1) => {
    for (let i = 0; i < times; i++) {
      instance.stdin.write(key);
      await settle();
    }
  };

  return { ...instance, api, clock, frame, waitFor, type, press, resize };
}

export type RenderedConsole = ReturnType<typeof renderConsole<ConsoleApi>>;

/**
 * `renderConsole` for a test file: call once at its top level; what the returned function renders is
 * unmounted after each test.
 */
export function consoleOpener(): <A extends ConsoleApi = DemoApi>(options?: RenderConsoleOptions<A>) => ReturnType<typeof renderConsole<A>> {
  let current: { unmount(): void } | undefined;
  afterEach(() => {
    current?.unmount();
    current = undefined;
  });
  return <A extends ConsoleApi = DemoApi>(options: RenderConsoleOptions<A> = {}) => {
    const c = renderConsole<A>(options);
    current = c;
    return c;
  };
}
/**
 * The rows of the panel titled `title` in a frame, its top and bottom borders included, each row from
 * column `from` on (the right-hand column of the wide layout starts at half the width).
 */
export function panelRows(frame: string, title: string, from = 0): string[] {
  const lines = frame.split('\n').map((line) => line.slice(from));
  const top = lines.findIndex((l) => new RegExp(`^[╭╔][─═] ${title} `).test(l));
  const bottom = lines.findIndex((l, i) => i > top && /^[╰╚]/.test(l));
  return lines.slice(top, bottom + 1);
}

export type { DemoApi };
