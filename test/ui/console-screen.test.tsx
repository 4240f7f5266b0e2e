/**
 * The full-screen writer (#17 item 13): Ink's frames through src/ui/screen.ts, as `runConsole` draws
 * them. Only changed rows are written, each at its own row; the clock and the data's age are live cells
 * the writer fills in on its own tick, without a React render.
 */
import React from 'react';
import { render } from 'ink';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/ui/App.js';
import { ConsoleProvider } from '../../src/ui/ConsoleApiContext.js';
import { createDemoApi } from '../helpers/demo-api.js';
import { createManualClock } from '../../src/core/clock.js';
import { Screen, changedSpan } from '../../src/ui/screen.js';
import { FakeKeyboard } from '../helpers/keyboard.js';
import { TEST_NOW } from '../helpers/render.js';
import { FakeTerminal, rowsOf } from '../helpers/terminal.js';

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

function start() {
  const clock = createManualClock(TEST_NOW);
  const api = createDemoApi({ clock, seed: 7, stepDelayMs: 0 });
  const terminal = new FakeTerminal(120, 36);
  const screen = new Screen(terminal as unknown as NodeJS.WriteStream, { tickMs: 50 });
  const stdin = new FakeKeyboard();
  const instance = render(
    <ConsoleProvider api={api} clock={clock} demo liveCells={screen}>
      <App refreshMs={3_600_000} />
    </ConsoleProvider>,
    { stdout: screen.stream, stdin: stdin as unknown as NodeJS.ReadStream, patchConsole: false, exitOnCtrlC: false, debug: true },
  );
  cleanup = () => {
    instance.unmount();
    screen.close();
  };
  const until = (test: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (test()) return resolve();
      const timer = setTimeout(() => reject(new Error(`waited for ${what}; rows:\n${screen.rows().join('\n')}`)), 10_000);
      const check = () => {
        if (!test()) return;
        clearTimeout(timer);
        terminal.off('data', check);
        resolve();
      };
      terminal.on('data', check);
    });
  return { clock, terminal, screen, stdin, until };
}

describe('screen writer', () => {
  it('fills the clock and the data age in the header row; a tick rewrites that row and the rows with ages under two minutes only', async () => {
    const { clock, terminal, screen, until } = start();
    await until(() => screen.rows().some((r) => r.includes('Budget')) && screen.rows()[0]!.includes('data as of'), 'the first frame');
    expect(screen.rows()[0]).toMatch(/│ 18:00:00 UTC │ data as of 18:00:00 \(0s old\)/);
    expect(screen.rows().join('\n')).not.toMatch(/[\ue000-\ue00f]/);
    const before = terminal.writes.length;
    clock.advance(3_000);
    await until(() => screen.rows()[0]!.includes('18:00:03 UTC'), 'the clock to tick');
    expect(screen.rows()[0]).toContain('data as of 18:00:00 (3s old)');
    const tickWrites = terminal.writes.slice(before);
    // the header row, and the rows whose ages count seconds (live cells too); nothing else
    const rows = screen.rows();
    expect(tickWrites.map((w) => rowsOf(w)[0])).toEqual(tickWrites.map(() => 1));
    for (const row of new Set(tickWrites.flatMap(rowsOf))) if (row !== 1) expect(rows[row - 1]).toMatch(/\b\d{1,3}s\b/);
  });

  it('a key that moves the selection rewrites the rows that changed, not the screen', async () => {
    const { terminal, screen, stdin, until } = start();
    await until(() => screen.rows().some((r) => r.includes('›openai_tokens')), 'the first frame');
    const before = terminal.writes.length;
    stdin.write('\x1b[B');
    await until(() => screen.rows().some((r) => r.includes('›google_ads')), 'the selection to move');
    const rows = new Set(terminal.writes.slice(before).flatMap(rowsOf));
    rows.delete(1); // a clock tick may fall in between
    expect(rows.size).toBeGreaterThanOrEqual(2); // the row that lost the marker and the one that got it
    expect(rows.size).toBeLessThan(8);
  });

  it('a resize clears the screen and draws every row again; after close nothing is written', async () => {
    const { terminal, screen, until } = start();
    await until(() => screen.rows().some((r) => r.includes('Budget')), 'the first frame');
    const before = terminal.writes.length;
    terminal.columns = 100;
    terminal.emit('resize');
    await until(() => terminal.writes.slice(before).some((w) => rowsOf(w).length > 20), 'the full repaint');
    expect(terminal.writes[before]).toBe('\x1b[H\x1b[2J');
    screen.close();
    const after = terminal.writes.length;
    screen.stream.write('anything');
    expect(terminal.writes.length).toBe(after);
  });
});

describe('a live cell that moved is written alone', () => {
  const shown = '\x1b[1mstudio\x1b[22m │ \x1b[2m07:14:04 (9s old)\x1b[22m │ root';
  it('writes only the changed characters at their column, in the attributes in force there', () => {
    const next = '\x1b[1mstudio\x1b[22m │ \x1b[2m07:14:04 (10s old\x1b[22m │ root'.replace('(10s old', '(8s old)');
    // "studio │ 07:14:04 (" is 19 columns: the change starts at column 20, dim (after bold on and off)
    expect(changedSpan(shown, next)).toEqual({ column: 20, sgr: '\x1b[1m\x1b[22m\x1b[2m', text: '8' });
  });
  it('writes the row whole when the change crosses an escape code, changes its length, or follows a wide character', () => {
    expect(changedSpan(shown, shown.replace('\x1b[2m', '\x1b[1m'))).toBeNull();
    expect(changedSpan(shown, shown.replace('(9s old)', '(10s old)'))).toBeNull();
    const wide = shown.replace('studio', 'stu漢o');
    expect(changedSpan(wide, wide.replace('(9s', '(8s'))).toBeNull();
    expect(changedSpan(undefined, shown)).toBeNull();
  });
});
