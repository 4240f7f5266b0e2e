/**
 * Console, UI side:
 * 1. Frame time at 160x48: from asking for a refresh (`r`) to the frame written, through Ink's real
 *    renderer (React, Yoga layout, output), for the demo snapshot (baseline) and a large one (500 stuck
 *    ideas, 60 jobs, 300 incidents, 200 log lines). p50 / p95 over BENCH_FRAMES (60) frames.
 * 2. Idle cost of the BUILT demo console at a 1 s refresh in a real terminal (tmux): CPU share of one
 *    core and RSS over BENCH_CONSOLE_SECONDS (60; the figure is 300), against a bare Node process
 *    holding a 1 s timer. Targets: idle CPU <= 1% of a core, RSS flat and under 150 MB.
 * 3. Quit while a stage runs: the BUILT console on an embedded database in tmux, hosting the scheduler,
 *    `pipeline.tick` run with `j` while the model (a fake OpenAI on 127.0.0.1 that never answers chat)
 *    holds a stage in flight; from `q` to the shell's prompt (the process gone), p50 / p95 over
 *    BENCH_QUIT_RUNS (8), against the demo console's quit with nothing running (baseline). Target p95 <= 1 s.
 * 4. Idle with data that does not change (#17 item 13), in process through Ink's real renderer at 160x48
 *    and a 1 s refresh, over BENCH_IDLE_SAME_SECONDS (20): CPU of this process, writes and bytes written
 *    per second; and key press (↓ in the focused panel) to frame written, p50 / p95 over BENCH_FRAMES.
 *    Three ways in the same run: repaint 'full' (every read re-renders every panel, Ink repaints the
 *    frame: before #17 item 13), 'changes' through Ink's own output (memoised panels, deduplicated
 *    snapshots: the first step), and 'changes' through the screen writer (src/ui/screen.ts: changed rows
 *    only, the clock and data age as live cells without a render: what runConsole uses now). Section 2
 *    runs the built demo console (whose data moves every second) both ways too, and counts the bytes the
 *    terminal received (tmux pipe-pane).
 * 5. Key to frame as built: bench/console-keys.harness.ts bundled with esbuild and Ink's patches
 *    (scripts/ink-patches.mjs, as `npm run build` does), run on its own: with all patches (now) against
 *    the same bundle without the shared output caches (baseline). p50 / p95 over BENCH_FRAMES.
 * The database side (snapshot read time at 100k ideas / 1M ledger rows) belongs to the real ConsoleApi.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsoleApi, ConsoleSnapshot } from '../src/core/console-api.js';
import { createManualClock } from '../src/core/clock.js';
import { cpuPercent, cpuTicks, percentile, report, rssMb } from './helpers.js';
import { FakeKeyboard } from '../test/helpers/keyboard.js';
import { Terminal } from './terminal.js';
import { startFakeOpenAi } from '../test/helpers/fake-openai.js';

// React as the built console runs it (the bundle defines NODE_ENV=production); set before React loads.
process.env.NODE_ENV = 'production';
const React = (await import('react')).default;
const { render } = await import('ink');
const { App } = await import('../src/ui/App.js');
const { ConsoleProvider } = await import('../src/ui/ConsoleApiContext.js');
const { createDemoBackend } = await import('../src/app/demo/backend.js');
const { Screen } = await import('../src/ui/screen.js');

const FRAMES = Number(process.env.BENCH_FRAMES ?? 60);
const IDLE_SECONDS = Number(process.env.BENCH_CONSOLE_SECONDS ?? 60);
const QUIT_RUNS = Number(process.env.BENCH_QUIT_RUNS ?? 8);
/** Terminal of the idle run, e.g. 80x24. @default 160x48 */
const [IDLE_COLUMNS, IDLE_ROWS] = (process.env.BENCH_CONSOLE_SIZE ?? '160x48').split('x');


function enlarge(s: ConsoleSnapshot): ConsoleSnapshot {
  const stuck = Array.from({ length: 500 }, (_, i) => ({ ...s.pipeline.stuck[i % s.pipeline.stuck.length]!, id: `idea-${i}`, heldForMs: 7 * 3_600_000 + i * 60_000 }));
  const jobs = Array.from({ length: 60 }, (_, i) => ({ ...s.jobs[i % s.jobs.length]!, name: `${s.jobs[i % s.jobs.length]!.name}-${i}` }));
  const incidents = Array.from({ length: 300 }, (_, i) => ({ ...s.incidents[i % s.incidents.length]!, id: 1000 + i }));
  const logs = Array.from({ length: 200 }, (_, i) => ({ ...s.logs[i % s.logs.length]!, msg: `${s.logs[i % s.logs.length]!.msg} #${i}` }));
  const kpis = Array.from({ length: 12 }, (_, i) => ({ ...s.kpis[i % s.kpis.length]!, name: `${s.kpis[i % s.kpis.length]!.name} ${i}`, history: Array.from({ length: 60 }, (_, j) => Math.sin(i + j / 5) + 2) }));
  return { ...s, pipeline: { ...s.pipeline, stuck }, jobs, incidents, logs, kpis };
}

async function frameTimes(label: string, large: boolean): Promise<number[]> {
  const clock = createManualClock(Date.UTC(2026, 10, 28, 18, 0, 0));
  const demo = createDemoBackend({ clock, stepDelayMs: 0 });
  let n = 0;
  const api: ConsoleApi = {
    ...demo,
    snapshot: async () => {
      clock.advance(1000); // something changes in every frame
      const s = await demo.snapshot();
      n++;
      return large ? enlarge({ ...s, logs: [...s.logs, { time: clock.date(), level: 'INFO', msg: `frame ${n}` }] }) : s;
    },
  };
  const stdout = new Terminal();
  const stdin = new FakeKeyboard();
  const nextFrame = () => new Promise<void>((resolve) => stdout.once('frame', () => resolve()));
  const instance = render(
    React.createElement(ConsoleProvider, { api, colorMode: '256', clock, demo: true, children: React.createElement(App, { refreshMs: 3_600_000 }) }),
    { stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, patchConsole: false, exitOnCtrlC: false, maxFps: 10_000 },
  );
  // Let the first snapshot land, then warm up.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const samples: number[] = [];
  for (let i = 0; i < FRAMES + 10; i++) {
    const frame = nextFrame();
    const t0 = performance.now();
    stdin.write('r');
    await frame;
    if (i >= 10) samples.push(performance.now() - t0);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  instance.unmount();
  report(`frame at 160x48, ${label}`, `${percentile(samples, 50).toFixed(1)} ms`, `p95 ${percentile(samples, 95).toFixed(1)} ms`);
  return samples;
}

const small = await frameTimes('demo snapshot (baseline)', false);
const big = await frameTimes('large snapshot', true);
report('large / demo frame time (p50)', `${(percentile(big, 50) / percentile(small, 50)).toFixed(2)}x`);

// --- idle with unchanged data, and key to frame: repaint full (before) against changes (now) -----------
const SAME_SECONDS = Number(process.env.BENCH_IDLE_SAME_SECONDS ?? 20);
async function sameData(way: 'full' | 'changes' | 'screen'): Promise<{ cpuPct: number; frames: number; bytes: number; keyMs: number[] }> {
  const repaint = way === 'full' ? 'full' : 'changes';
  const clock = createManualClock(Date.UTC(2026, 10, 28, 18, 0, 0));
  const demo = createDemoBackend({ clock, stepDelayMs: 0 });
  const fixed = await demo.snapshot();
  // the same content every read, as a fresh object with the read's own time (the header's 'data as of'
  // moves), its figures counted from that time as a real read's are: an idea held since the same moment
  // (heldForMs grows with the read's time), the cap as far away. (Before, heldForMs stayed as read once
  // while takenAt moved: the content key, which counts the time an idea entered its stage, saw a new
  // snapshot every second, and "unchanged data" rendered every panel each second: 2 writes/s, ~6% CPU.)
  const started = Date.now();
  const api: ConsoleApi = {
    ...demo,
    snapshot: async () => {
      const s = structuredClone(fixed);
      const shift = Date.now() - started;
      for (const idea of s.pipeline.stuck) idea.heldForMs += shift;
      if (s.budget.projectedCapAt) s.budget.projectedCapAt = new Date(s.budget.projectedCapAt.getTime() + shift);
      return { ...s, takenAt: new Date(fixed.takenAt.getTime() + shift), readMs: 3 + Math.floor(Math.random() * 4) };
    },
  };
  let frames = 0;
  let bytes = 0;
  const stdout = new Terminal();
  stdout.write = (data: string) => {
    frames++;
    bytes += Buffer.byteLength(data);
    stdout.emit('frame');
    return true;
  };
  const stdin = new FakeKeyboard();
  const screen = way === 'screen' ? new Screen(stdout as unknown as NodeJS.WriteStream) : undefined;
  const instance = render(
    React.createElement(ConsoleProvider, { api, colorMode: '256', demo: true, liveCells: screen, children: React.createElement(App, { refreshMs: 1_000, repaint }) }),
    screen
      ? { stdout: screen.stream, stdin: stdin as unknown as NodeJS.ReadStream, patchConsole: false, exitOnCtrlC: false, debug: true }
      : { stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, patchConsole: false, exitOnCtrlC: false, maxFps: 20 },
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const f0 = frames;
  const b0 = bytes;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SAME_SECONDS * 1000));
  const cpu = process.cpuUsage(cpu0);
  const elapsed = (performance.now() - t0) / 1000;
  const result = { cpuPct: ((cpu.user + cpu.system) / 1e6 / elapsed) * 100, frames: (frames - f0) / elapsed, bytes: (bytes - b0) / elapsed, keyMs: [] as number[] };
  stdin.write('\t'); // focus Services, then move its selection up and down
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (let i = 0; i < FRAMES + 10; i++) {
    const frame = new Promise<void>((resolve) => stdout.once('frame', () => resolve()));
    const k0 = performance.now();
    stdin.write(i % 2 === 0 ? '\x1b[B' : '\x1b[A');
    await frame;
    if (i >= 10) result.keyMs.push(performance.now() - k0);
    await new Promise((resolve) => setTimeout(resolve, 60)); // past the 20 fps throttle
  }
  instance.unmount();
  screen?.close();
  return result;
}
{
  const before = await sameData('full');
  const ink = await sameData('changes');
  const now = await sameData('screen');
  report(`unchanged data, repaint full (before), ${SAME_SECONDS} s`, `${before.cpuPct.toFixed(2)}% CPU`, `${before.frames.toFixed(2)} writes/s, ${before.bytes.toFixed(0)} B/s`);
  report('unchanged data, changes through Ink', `${ink.cpuPct.toFixed(2)}% CPU`, `${ink.frames.toFixed(2)} writes/s, ${ink.bytes.toFixed(0)} B/s; ${(ink.cpuPct / before.cpuPct).toFixed(2)}x CPU of before`);
  report('unchanged data, screen writer (now)', `${now.cpuPct.toFixed(2)}% CPU`, `${now.frames.toFixed(2)} writes/s, ${now.bytes.toFixed(0)} B/s; ${(now.cpuPct / before.cpuPct).toFixed(2)}x CPU, ${(now.bytes / before.bytes).toFixed(3)}x bytes of before (target <= 1% CPU)`);
  report('key (↓) to frame, 160x48, before', `${percentile(before.keyMs, 50).toFixed(1)} ms`, `p95 ${percentile(before.keyMs, 95).toFixed(1)} ms`);
  report('key (↓) to frame, 160x48, changes through Ink', `${percentile(ink.keyMs, 50).toFixed(1)} ms`, `p95 ${percentile(ink.keyMs, 95).toFixed(1)} ms`);
  report('key (↓) to frame, 160x48, screen writer (now)', `${percentile(now.keyMs, 50).toFixed(1)} ms`, `p95 ${percentile(now.keyMs, 95).toFixed(1)} ms (target <= 33 ms), ${(percentile(now.keyMs, 95) / percentile(before.keyMs, 95)).toFixed(2)}x before`);
}

// --- key to frame as built: the bundle with Ink's patches, with and without the shared output caches ------
{
  const { build } = await import('esbuild');
  const patches = '../scripts/ink-patches.mjs'; // plain JS, no types
  const { inkPatchPlugin } = (await import(patches)) as { inkPatchPlugin(files?: string[]): import('esbuild').Plugin };
  const dir = mkdtempSync(join(tmpdir(), 'studio-bench-keys-'));
  try {
    const stub = join(dir, 'devtools-stub.mjs');
    writeFileSync(stub, 'export default {};\n');
    const bundle = async (name: string, files?: string[]) => {
      const outfile = join(dir, `${name}.mjs`);
      await build({
        entryPoints: [fileURLToPath(new URL('./console-keys.harness.tsx', import.meta.url))],
        outfile,
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        alias: { 'react-devtools-core': stub },
        define: { 'process.env.NODE_ENV': '"production"' },
        banner: { js: "import { createRequire as __studioCreateRequire } from 'node:module'; const require = __studioCreateRequire(import.meta.url);" },
        plugins: [inkPatchPlugin(files)],
        logLevel: 'error',
      });
      return outfile;
    };
    const run = (file: string): number[] => JSON.parse(execFileSync(process.execPath, [file], { encoding: 'utf8', env: { ...process.env, BENCH_FRAMES: String(FRAMES) } }).trim().split('\n').at(-1)!);
    const without = await bundle('without-output-caches', ['measure-text.js', 'wrap-text.js']);
    const withAll = await bundle('as-built');
    const base = run(without);
    const now = run(withAll);
    report('key (↓) to frame as built, no shared output caches', `${percentile(base, 50).toFixed(1)} ms`, `p95 ${percentile(base, 95).toFixed(1)} ms`);
    report('key (↓) to frame as built (now)', `${percentile(now, 50).toFixed(1)} ms`, `p95 ${percentile(now, 95).toFixed(1)} ms (target <= 33 ms), ${(percentile(now, 95) / percentile(base, 95)).toFixed(2)}x p95, ${(percentile(now, 50) / percentile(base, 50)).toFixed(2)}x p50`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- idle cost of the built console ------------------------------------------------------------------
const bin = fileURLToPath(new URL('../bin/studio.js', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

async function watch(pid: number, seconds: number): Promise<{ cpuPct: number; rss: number[] }> {
  const rss: number[] = [];
  const t0 = cpuTicks(pid);
  const started = performance.now();
  for (let s = 0; s < seconds; s += 5) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(5, seconds - s) * 1000));
    rss.push(rssMb(pid));
  }
  const elapsed = (performance.now() - started) / 1000;
  return { cpuPct: cpuPercent(cpuTicks(pid) - t0, elapsed), rss };
}

const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
if (!hasTmux) {
  report('idle console at 1 s refresh', 'skipped', 'tmux is not installed');
} else {
  const bytesDir = mkdtempSync(join(tmpdir(), 'studio-bench-bytes-'));
  const sessions: string[] = [];
  /** Start the built demo console in tmux with STUDIO_CONSOLE_REPAINT=`repaint`; its pid and a byte counter. */
  const start = (repaint: 'full' | 'changes') => {
    const session = `studio-bench-${repaint}-${process.pid}`;
    sessions.push(session);
    execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', IDLE_COLUMNS!, '-y', IDLE_ROWS!, `exec env -u CI STUDIO_CONSOLE_REPAINT=${repaint} ${process.execPath} ${bin} console --demo --refresh 1s`]);
    return session;
  };
  try {
    const both = (['full', 'changes'] as const).map((repaint) => ({ repaint, session: start(repaint) }));
    await new Promise((resolve) => setTimeout(resolve, 4000)); // start-up is not idle
    const runs = both.map(({ repaint, session }) => {
      const file = join(bytesDir, `${repaint}.out`);
      execFileSync('tmux', ['pipe-pane', '-t', session, `cat > ${file}`]);
      return { repaint, file, pid: Number(execFileSync('tmux', ['list-panes', '-t', session, '-F', '#{pane_pid}'], { encoding: 'utf8' }).trim()) };
    });
    const [fullIdle, changesIdle, bareIdle] = await Promise.all([watch(runs[0]!.pid, IDLE_SECONDS), watch(runs[1]!.pid, IDLE_SECONDS), watch(bare.pid!, IDLE_SECONDS)]);
    const perSecond = (file: string) => statSync(file).size / IDLE_SECONDS;
    const fullBytes = perSecond(runs[0]!.file);
    const changesBytes = perSecond(runs[1]!.file);
    report(`bare node, 1 s timer (baseline, ${IDLE_SECONDS} s)`, `${bareIdle.cpuPct.toFixed(2)}% CPU`, `RSS ${bareIdle.rss.at(-1)!.toFixed(0)} MB`);
    report(`demo console, repaint full (before), ${IDLE_COLUMNS}x${IDLE_ROWS}`, `${fullIdle.cpuPct.toFixed(2)}% CPU`, `${fullBytes.toFixed(0)} B/s to the terminal`);
    report(`demo console, repaint changes (now)`, `${changesIdle.cpuPct.toFixed(2)}% CPU`, `${changesBytes!.toFixed(0)} B/s; ${(changesIdle.cpuPct / fullIdle.cpuPct).toFixed(2)}x CPU, ${(changesBytes! / fullBytes!).toFixed(2)}x bytes of before (target <= 1% CPU)`);
    const consoleIdle = changesIdle;
    const first = consoleIdle.rss[0]!;
    const last = consoleIdle.rss.at(-1)!;
    report('  its RSS first / last / max', `${first.toFixed(0)} / ${last.toFixed(0)} MB`, `max ${Math.max(...consoleIdle.rss).toFixed(0)} MB, ${(last / bareIdle.rss.at(-1)!).toFixed(2)}x bare node (target < 150 MB, flat)`);
  } finally {
    for (const session of sessions) spawnSync('tmux', ['kill-session', '-t', session], { stdio: 'ignore' });
    rmSync(bytesDir, { recursive: true, force: true });
  }
}
bare.kill();


// --- quit while a stage runs ------------------------------------------------------------------------
const pane = (session: string) => execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' });
async function until(probe: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`bench: waited ${ms} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
/** Start a console in tmux, let `prepare` get it busy, press q: ms from q until the process is gone. */
async function quitTime(args: string, env: string, prepare: (session: string) => Promise<void>): Promise<{ ms: number; said: string }> {
  const session = `studio-quit-${process.pid}-${Date.now().toString(36)}`;
  execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '160', '-y', '48', `env -u CI ${env} ${process.execPath} ${bin} console ${args}; echo "EXITED $? $(date +%s%3N)"; sleep 600`]);
  try {
    await until(() => pane(session).includes('Jobs'), 60_000, 'the console');
    await prepare(session);
    const t0 = Date.now();
    execFileSync('tmux', ['send-keys', '-t', session, 'q']);
    await until(() => pane(session).includes('EXITED'), 30_000, 'the exit');
    const text = pane(session);
    const at = Number(/EXITED \d+ (\d+)/.exec(text)![1]);
    return { ms: at - t0, said: /stopping: [^\n]*/.exec(text)?.[0] ?? '' };
  } finally {
    spawnSync('tmux', ['kill-session', '-t', session], { stdio: 'ignore' });
  }
}
const keysTo = async (session: string, keys: string[]) => {
  for (const k of keys) {
    execFileSync('tmux', ['send-keys', '-t', session, k]);
    await new Promise((resolve) => setTimeout(resolve, 120));
  }
};

if (!hasTmux || QUIT_RUNS === 0) {
  report('quit while a stage runs', 'skipped', hasTmux ? 'BENCH_QUIT_RUNS=0' : 'tmux is not installed');
} else {
  const demoQuit: number[] = [];
  for (let i = 0; i < QUIT_RUNS; i++) demoQuit.push((await quitTime('--demo', '', async () => undefined)).ms);
  report('quit, demo console, nothing running (baseline)', `${percentile(demoQuit, 50).toFixed(0)} ms`, `p95 ${percentile(demoQuit, 95).toFixed(0)} ms`);

  const fake = await startFakeOpenAi();
  fake.chatDelayMs = 3_600_000; // the model never answers: the stage is in flight when q comes
  const home = mkdtempSync(join(tmpdir(), 'studio-bench-quit-'));
  const env = `STUDIO_HOME=${home} OPENAI_API_KEY=sk-test-BENCHQUIT0123456789 OPENAI_BASE_URL=${fake.url} OPENAI_MAX_RETRIES=0`;
  const busy: number[] = [];
  let said = '';
  try {
    for (let i = 0; i < QUIT_RUNS; i++) {
      const calls = () => fake.requests.filter((r) => r.path.startsWith('/chat/')).length;
      const before = calls();
      const run = await quitTime('', env, async (session) => {
        // run pipeline.tick now: focus Jobs, filter to it, j
        await keysTo(session, ['Tab', 'Tab', 'Tab', 'Tab', '/', 'pipeline.tick', 'Enter', 'j']);
        await until(() => calls() > before, 90_000, 'a stage calling the model');
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
      busy.push(run.ms);
      said ||= run.said;
    }
  } finally {
    await fake.close();
    rmSync(home, { recursive: true, force: true });
  }
  report('quit, embedded console, a stage in flight', `${percentile(busy, 50).toFixed(0)} ms`, `p95 ${percentile(busy, 95).toFixed(0)} ms (target <= 1000 ms), ${(percentile(busy, 50) / percentile(demoQuit, 50)).toFixed(2)}x baseline`);
  report('  it said', said.slice(0, 60) || '(nothing)', '');
}
