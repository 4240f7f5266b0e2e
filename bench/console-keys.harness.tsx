/**
 * Key (↓ / ↑ in the Services panel) to frame written at 160x48 through the screen writer, as the console
 * runs it: bundled by bench/console.bench.ts with esbuild and scripts/ink-patches.mjs (as the build does),
 * then run on its own. Prints the samples (ms) as JSON. BENCH_FRAMES samples after 10 warm-up presses.
 */
import React from 'react';
import { render } from 'ink';
import { App } from '../src/ui/App.js';
import { ConsoleProvider } from '../src/ui/ConsoleApiContext.js';
import { createDemoApi } from '../test/helpers/demo-api.js';
import { Screen } from '../src/ui/screen.js';
import { createManualClock } from '../src/core/clock.js';
import { FakeKeyboard } from '../test/helpers/keyboard.js';
import { Terminal } from './terminal.js';

const FRAMES = Number(process.env.BENCH_FRAMES ?? 60);


const clock = createManualClock(Date.UTC(2026, 10, 28, 18, 0, 0));
const demo = createDemoApi({ clock, stepDelayMs: 0 });
const fixed = await demo.snapshot();
const api = { ...demo, snapshot: async () => ({ ...structuredClone(fixed), takenAt: new Date() }) };
const stdout = new Terminal();
const screen = new Screen(stdout as unknown as NodeJS.WriteStream);
const stdin = new FakeKeyboard();
const instance = render(
  <ConsoleProvider api={api} colorMode="256" demo liveCells={screen}>
    <App refreshMs={1_000} />
  </ConsoleProvider>,
  { stdout: screen.stream, stdin: stdin as unknown as NodeJS.ReadStream, patchConsole: false, exitOnCtrlC: false, debug: true },
);
await new Promise((resolve) => setTimeout(resolve, 1500));
stdin.write('\t'); // focus Services
await new Promise((resolve) => setTimeout(resolve, 200));
const samples: number[] = [];
for (let i = 0; i < FRAMES + 10; i++) {
  const frame = new Promise<void>((resolve) => stdout.once('frame', () => resolve()));
  const t0 = performance.now();
  stdin.write(i % 2 === 0 ? '\x1b[B' : '\x1b[A');
  await frame;
  if (i >= 10) samples.push(performance.now() - t0);
  await new Promise((resolve) => setTimeout(resolve, 60));
}
instance.unmount();
screen.close();
process.stdout.write(`${JSON.stringify(samples)}\n`);
process.exit(0);
