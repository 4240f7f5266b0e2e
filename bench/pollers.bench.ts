/**
 * What CLI clients polling an embedded owner cost: (1) the CPU time of one `budget status --json` as a
 * socket client against `node -e 0`, (2) the console's snapshot p50/p95 in the owner alone and while 4
 * processes poll it once a second, each variant in turn within every round so that all of them see the
 * same machine. Targets (issue 13): the client <= 1.8x node -e 0 by CPU; snapshot p95 with 4 pollers
 * within 1.3x of alone.
 *
 * The pollers start at the same instant every second (aligned: one script starting four loops, the worst
 * case) or at independent phases (i * 250 ms, or seeded random offsets: four operators' `watch -n 1`);
 * in this process's session (nice counts against the owner) or each in its own (another terminal: with
 * the kernel's autogroup on, a scheduling group of its own, where only the group's nice counts).
 *
 * The pollers are started by a small driver process (bench/pollers-driver.mjs), as a `watch` in another
 * terminal is: a spawn from the owner itself would block its main thread for the fork.
 * The pollers run `studio` as a user does (bin/studio, the launcher: SCHED_IDLE and nice 10 from the
 * process's start), and for comparison `node bin/studio.js` (studio lowers its own nice once its code
 * runs) and under the caller's `nice` or `chrt --idle`.
 *
 * Beside each phase's p50/p95: how long the owner's main thread waited for a CPU during a snapshot
 * (/proc/self/schedstat), which says how much of a slower snapshot is the pollers' CPU, and the rest split
 * into on the CPU and blocked (off the CPU, not waiting for one). At the end every round's snapshots of a
 * variant pooled.
 *
 * BENCH_POLLER_HOGS=N: N processes spinning on a CPU meanwhile, each in its own session (other work).
 * BENCH_POLLER_VARIANTS=<labels,...>: only the variants whose label contains one of them ('alone' always).
 * BENCH_CLIENT_BEFORE=<dir>: an older build to compare (a copy of its bin/, dist/, migrations/, examples/,
 * package.json and a node_modules link). BENCH_POLLER_ROUNDS (3), BENCH_POLLER_SNAPSHOTS (30 a phase),
 * BENCH_RUNS (20: CPU samples per command).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app/app.js';
import { loadConfig } from '../src/core/config.js';
import { createConsoleBackend } from '../src/app/console-backend.js';
import { childCpuMs, median, percentile, report, waitForSocket } from './helpers.js';
// @ts-expect-error a plain .mjs script beside the bench, no declarations
import { runPollers } from './pollers-driver.mjs';

const node = process.execPath;
// `studio` as a user runs it (the launcher, bin/studio, which starts Node itself), and its Node script
// run as `node bin/studio.js` (no launcher: only the priority studio sets once it runs)
const after = fileURLToPath(new URL('../bin/studio', import.meta.url));
const afterJs = fileURLToPath(new URL('../bin/studio.js', import.meta.url));
const driverScript = fileURLToPath(new URL('./pollers-driver.mjs', import.meta.url));
const beforeDir = process.env.BENCH_CLIENT_BEFORE;
const before = beforeDir ? join(beforeDir, 'bin/studio.js') : undefined;
if (before && !existsSync(before)) throw new Error(`BENCH_CLIENT_BEFORE=${beforeDir} has no bin/studio.js`);
const rounds = Number(process.env.BENCH_POLLER_ROUNDS ?? 3);
const perPhase = Number(process.env.BENCH_POLLER_SNAPSHOTS ?? 30);
const runs = Number(process.env.BENCH_RUNS ?? 20);
const load = () => loadavg()[0]!.toFixed(1);

/**
 * How long this process's main thread has waited for a CPU so far, ms (/proc/self/schedstat: on-CPU ns,
 * run-queue ns, slices): the part of a snapshot's time that is other processes' CPU, not our own work.
 */
function runQueueMs(): number {
  return Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]) / 1e6;
}
let queued: number[] = [];
/** How long this process's main thread has run on a CPU so far, ms (the same file's first field). */
function onCpuMs(): number {
  return Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[0]) / 1e6;
}
let ran: number[] = [];

// the owner: this process, with the console's backend, as the console would run it
const home = mkdtempSync(join(tmpdir(), 'bench-pollers-'));
const config = loadConfig({ env: { STUDIO_HOME: home, LOG_LEVEL: 'warn' }, dotenv: false });
const app = await createApp({ config });
try {
  await waitForSocket(home);
  const env = { STUDIO_HOME: home, LOG_LEVEL: 'warn', CLI_READ_NICE: '0' };

  // (1) one client's CPU, interleaved with node -e 0 (and the older build)
  console.log(`client CPU (median of ${runs}, interleaved; load ${load()})`);
  const commands: Array<[string, string[]]> = [
    ['node -e 0 (baseline)', [node, '-e', '0']],
    ...(before ? [['budget status --json, before', [node, before, 'budget', 'status', '--json']] as [string, string[]]] : []),
    ['budget status --json (node bin/studio.js)', [node, afterJs, 'budget', 'status', '--json']],
    ['budget status --json (studio, the launcher)', [after, 'budget', 'status', '--json']],
    ['config --json (no database)', [node, afterJs, 'config', '--json']],
  ];
  const samples = commands.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) for (const [j, [, command]] of commands.entries()) samples[j]!.push(await childCpuMs(command, env));
  const base = median(samples[0]!);
  commands.forEach(([label], j) => report(label, `${median(samples[j]!).toFixed(1)} ms CPU`, j === 0 ? '' : `${(median(samples[j]!) / base).toFixed(2)}x baseline`));

  // (2) snapshots in the owner, alone and with 4 pollers of each variant, in turn
  const backend = await createConsoleBackend(app, { readOnly: true });
  for (let i = 0; i < 3; i++) await backend.snapshot();
  console.log(`the owner (this process): ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB RSS; the pollers are started by bench/pollers-driver.mjs`);
  // BENCH_POLLER_HOGS=N: N processes spinning on a CPU throughout, each in a session of its own (other
  // work on the machine: a build, another service), so that what the pollers' priority is worth shows
  // when the console has no idle core to fall back on
  const hogs = Array.from({ length: Number(process.env.BENCH_POLLER_HOGS ?? 0) }, () =>
    spawn(node, ['-e', 'for (;;) {}'], { stdio: 'ignore', detached: true }),
  );
  hogs.forEach((hog) => hog.unref());
  if (hogs.length > 0) console.log(`${hogs.length} CPU hog(s) running, each in its own session`);
  process.once('exit', () => hogs.forEach((hog) => hog.kill('SIGKILL')));
  const snapshots = async (n: number) => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const waited = runQueueMs();
      const cpu = onCpuMs();
      await backend.snapshot();
      ms.push(performance.now() - t);
      queued.push(runQueueMs() - waited);
      ran.push(onCpuMs() - cpu);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return ms;
  };
  const cliEnv = { ...process.env, STUDIO_HOME: home, LOG_LEVEL: 'warn' };
  // 4 offsets in [0, 1000) ms from a fixed seed (mulberry32), for the 'random phases' variants
  const randomOffsets = (() => {
    let seed = 0x5eed1313;
    const next = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return Array.from({ length: 4 }, () => Math.floor(next() * 1000));
  })();
  /**
   * 4 pollers, each starting its command once a second. `phases` 'aligned': all four start at the same
   * instant every second (one script starting four loops at once: the worst case, both cores saturated
   * for a few hundred ms a second); 'spread': poller i first starts at i * 250 ms (four operators'
   * `watch -n 1` started by hand, at independent phases); 'random': at offsets drawn once from a seeded
   * generator (the same offsets in every round and run).
   */
  const withPollers = async (bin: string, pollEnv: NodeJS.ProcessEnv, args = ['budget', 'status', '--json'], prefix: string[] = [], ownSession: boolean | number = false, phases: 'aligned' | 'spread' | 'random' = 'aligned', fromOwner = false) => {
    const offsets = phases === 'spread' ? [0, 250, 500, 750] : phases === 'random' ? randomOffsets : [0, 0, 0, 0];
    // a .js script starts with node (after the prefix: nice, chrt); the launcher starts node itself
    const command = bin.endsWith('.js') ? [...prefix, node, bin, ...args] : [...prefix, bin, ...args];
    const pollers = { command, env: { ...cliEnv, ...pollEnv }, offsets, ownSession };
    // started by a driver process, not by this one (bench/pollers-driver.mjs says why), unless fromOwner
    let polling = true;
    const driver = fromOwner ? undefined : spawn(node, [driverScript, JSON.stringify(pollers)], { stdio: ['pipe', 'inherit', 'inherit'] });
    const stopped = driver ? new Promise((resolve) => driver.once('exit', resolve)) : runPollers(pollers, () => polling);
    await new Promise((resolve) => setTimeout(resolve, 1500 + Math.max(...offsets)));
    const ms = await snapshots(perPhase);
    polling = false;
    driver?.stdin!.end();
    await stopped;
    return ms;
  };
  const only = process.env.BENCH_POLLER_VARIANTS?.split(',');
  const allVariants: Array<[string, () => Promise<number[]>]> = [
    ['alone', () => snapshots(perPhase)],
    ...(before
      ? ([
          ['4 pollers, before build (its default nice)', () => withPollers(before, {})],
          ['4 pollers at spread phases, before build', () => withPollers(before, {}, undefined, [], false, 'spread')],
        ] as Array<[string, () => Promise<number[]>]>)
      : []),
    // `studio` as a user runs it: the launcher starts every poller at SCHED_IDLE and nice 10
    ['4 pollers, studio (the launcher; default)', () => withPollers(after, {})],
    // the same at independent phases: four operators' `watch -n 1`, not one script starting four at once
    ['4 pollers at spread phases (i * 250 ms), studio', () => withPollers(after, {}, undefined, [], false, 'spread')],
    [`4 pollers at seeded random phases (${randomOffsets.join(', ')} ms), studio`, () => withPollers(after, {}, undefined, [], false, 'random')],
    // each poller in a session of its own (setsid), as a command typed in another terminal or run by
    // watch/cron is: with the kernel's autogroup scheduling on, a session is a scheduling group of its own
    ['4 pollers, each in its own session (another terminal), studio', () => withPollers(after, {}, undefined, [], true)],
    ['4 pollers at spread phases, each in its own session, studio', () => withPollers(after, {}, undefined, [], true, 'spread')],
    // the same with each session's group niced (autogroup nice 19): across groups only a group's nice counts
    ['4 pollers at spread phases, own sessions, autogroup nice 19', () => withPollers(after, {}, undefined, [], 19, 'spread')],
    // the same pollers started by this process (the owner) itself, as the bench did before: every spawn
    // blocks the owner's main thread for the fork
    ['4 pollers, studio, started by the owner itself (as the bench did before)', () => withPollers(after, {}, undefined, [], false, 'aligned', true)],
    // without the launcher (`node bin/studio.js`): studio lowers its nice once its code runs, after Node's
    // start-up, and cannot set SCHED_IDLE
    ['4 pollers, node bin/studio.js, CLI_READ_NICE=10', () => withPollers(afterJs, {})],
    ['4 pollers, node bin/studio.js, each in its own session', () => withPollers(afterJs, {}, undefined, [], true)],
    ['4 pollers, node bin/studio.js, CLI_READ_NICE=0 (no lowering at all)', () => withPollers(afterJs, { CLI_READ_NICE: '0' })],
    // the whole process lowered by the caller, from Node's start (the launcher does this, with SCHED_IDLE)
    ['4 pollers under nice -n 19 (the whole process)', () => withPollers(afterJs, {}, undefined, ['nice', '-n', '19'])],
    ['4 pollers under nice -n 10 (the whole process)', () => withPollers(afterJs, {}, undefined, ['nice', '-n', '10'])],
    // SCHED_IDLE alone (what `chrt --idle 0` sets): a waking normal task preempts an idle-policy one at once,
    // across scheduling groups too
    ['4 pollers under chrt --idle 0 (the whole process)', () => withPollers(afterJs, { CLI_READ_NICE: '0' }, undefined, ['chrt', '--idle', '0'])],
    // the control: the same process starts without a database, so what is left is CPU the machine shares
    ['4 pollers of config --json (no database, no launcher)', () => withPollers(afterJs, { CLI_READ_NICE: '0' }, ['config', '--json'])],
  ];
  // BENCH_POLLER_VARIANTS=alone,nice -n 19,...: only the variants whose label contains one of these
  const variants = only ? allVariants.filter(([label]) => label === 'alone' || only.some((o) => label.includes(o))) : allVariants;
  // every round's snapshots of a variant together: a p95 of 30-40 snapshots is its second or third largest,
  // which one burst of another process on the machine decides; the pooled figures are steadier
  const pooled = new Map<string, { ms: number[]; queued: number[]; ran: number[] }>(variants.map(([label]) => [label, { ms: [], queued: [], ran: [] }]));
  for (let round = 1; round <= rounds; round++) {
    console.log(`snapshot round ${round} (p50 / p95; load ${load()})`);
    let alone = NaN;
    // 'alone' first, the others in a different order each round: a variant never always follows the same one
    const [first, ...rest] = variants;
    const order = [first!, ...rest.slice((round - 1) % rest.length), ...rest.slice(0, (round - 1) % rest.length)];
    for (const [label, run] of order) {
      queued = [];
      ran = [];
      const ms = await run();
      if (label === 'alone') alone = percentile(ms, 95);
      pooled.get(label)!.ms.push(...ms);
      pooled.get(label)!.queued.push(...queued);
      pooled.get(label)!.ran.push(...ran);
      // the rest of a snapshot's time: the owner's own work, its turns with the clients' statements, I/O
      const own = ms.map((m, i) => m - queued[i]!);
      // and of that rest, the time off the CPU without waiting for one (blocked: I/O, page faults, a futex
      // on V8's helper threads, the event loop idle between turns)
      const off = ms.map((m, i) => m - queued[i]! - ran[i]!);
      const wait = `waiting for a CPU ${(queued.reduce((a, b) => a + b, 0) / queued.length).toFixed(1)} ms a snapshot on average, p95 ${percentile(queued, 95).toFixed(1)}; the rest p50 / p95 ${median(own).toFixed(1)} / ${percentile(own, 95).toFixed(1)}, of it on the CPU p95 ${percentile(ran, 95).toFixed(1)}, blocked p95 ${percentile(off, 95).toFixed(1)}`;
      report(label, `${median(ms).toFixed(1)} / ${percentile(ms, 95).toFixed(1)} ms`, `${label === 'alone' ? '' : `p95 ${(percentile(ms, 95) / alone).toFixed(2)}x alone; `}${wait}`);
    }
  }
  console.log(`all ${rounds} rounds together (p50 / p95)`);
  const aloneP95 = percentile(pooled.get('alone')!.ms, 95);
  for (const [label, { ms, queued: q, ran: r }] of pooled) {
    const mean = q.reduce((a, b) => a + b, 0) / q.length;
    const blocked = ms.map((m, i) => m - q[i]! - r[i]!);
    report(label, `${median(ms).toFixed(1)} / ${percentile(ms, 95).toFixed(1)} ms`, `${label === 'alone' ? '' : `p95 ${(percentile(ms, 95) / aloneP95).toFixed(2)}x alone; `}p99 ${percentile(ms, 99).toFixed(1)} ms; waiting for a CPU ${mean.toFixed(1)} ms a snapshot on average, p95 ${percentile(q, 95).toFixed(1)}; on the CPU p95 ${percentile(r, 95).toFixed(1)}; blocked p95 ${percentile(blocked, 95).toFixed(1)}`);
  }
  console.log(`load at the end ${load()}`);
} finally {
  await app.close();
}
