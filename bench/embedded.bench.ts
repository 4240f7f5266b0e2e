/**
 * Embedded mode with an owner running: what a second shell's command costs when it connects to the
 * owner's socket instead of starting PGlite itself, against `node -e 0` measured in the same run; and
 * the console's snapshot p50/p95 in the owner, alone and while 4 CLI clients poll every second.
 * Targets: `budget status --json` <= 3x node -e 0; `health --json` <= 1.5 s; snapshot p95 no worse.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app/app.js';
import { loadConfig } from '../src/core/config.js';
import { createConsoleBackend } from '../src/app/console-backend.js';
import { childCpuMs, median, percentile, report, timeCommand, waitForSocket } from './helpers.js';

const bin = fileURLToPath(new URL('../bin/studio.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 10);
const node = process.execPath;

/** Wall times of a command whose exit code may be 0-2 (health reports WARNING as 1). */
function timeAny(args: string[], env: NodeJS.ProcessEnv, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n + 1; i++) {
    const start = performance.now();
    const r = spawnSync(node, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = performance.now() - start;
    if (r.status === null || r.status > 2) throw new Error(`studio ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i > 0) out.push(ms);
  }
  return out;
}

const baseline = median(timeCommand(node, ['-e', '0'], { runs }));
report('node -e 0 (baseline)', `${baseline.toFixed(1)} ms`);

// alone: the command opens PGlite itself (no owner)
const alone = mkdtempSync(join(tmpdir(), 'bench-alone-'));
spawnSync(node, [bin, 'db', 'migrate'], { env: { ...process.env, STUDIO_HOME: alone } });
// timed at the baseline's priority (CLI_READ_NICE=0): what the command costs, not how long a busy machine
// makes a niced process wait
const aloneMs = median(timeCommand(node, [bin, 'budget', 'status', '--json'], { env: { STUDIO_HOME: alone, CLI_READ_NICE: '0' }, runs: Math.min(runs, 5), warmup: 1 }));
report('budget status --json, no owner (opens PGlite)', `${aloneMs.toFixed(1)} ms`, `${(aloneMs / baseline).toFixed(2)}x baseline`);

// its CPU time (GNU time: the child's user + system), Liftoff only (what a one-shot command chooses, see
// src/cli/wasm-tiers.ts) against both of V8's tiers for PGlite (`node --no-liftoff-only`: an explicit flag
// wins), interleaved
const cpuMs = (nodeArgs: string[]) => childCpuMs([node, ...nodeArgs, bin, 'budget', 'status', '--json'], { STUDIO_HOME: alone, CLI_READ_NICE: '0' });
if (spawnSync('/usr/bin/time', ['true']).status === 0) {
  const liftoff: number[] = [];
  const tiers: number[] = [];
  for (let i = 0; i < Math.min(runs, 5); i++) {
    liftoff.push(await cpuMs([]));
    tiers.push(await cpuMs(['--no-liftoff-only']));
  }
  report('budget status --json, no owner: CPU, Liftoff only (now)', `${median(liftoff).toFixed(0)} ms CPU`, `both tiers ${median(tiers).toFixed(0)} ms CPU; ${(median(liftoff) / median(tiers)).toFixed(2)}x`);
}

// an owner: the headless scheduler, as a server would run it
const home = mkdtempSync(join(tmpdir(), 'bench-owner-'));
const env = { STUDIO_HOME: home, LOG_LEVEL: 'warn', CLI_READ_NICE: '0' };
const owner: ChildProcess = spawn(node, [bin, 'scheduler', '--no-metrics'], { env: { ...process.env, ...env }, stdio: 'ignore' });
try {
  await waitForSocket(home);
  const status = median(timeCommand(node, [bin, 'budget', 'status', '--json'], { env, runs }));
  report('budget status --json, owner running', `${status.toFixed(1)} ms`, `${(status / baseline).toFixed(2)}x baseline (target <= 3x); ${(aloneMs / status).toFixed(1)}x faster than alone`);
  const health = median(timeAny(['health', '--json'], env, runs));
  report('health --json, owner running', `${health.toFixed(1)} ms`, `target <= 1500 ms`);
} finally {
  owner.kill('SIGTERM');
  await new Promise((resolve) => owner.once('exit', resolve));
}

// the console in the owner process: snapshot reads alone, then with 4 CLI clients polling every second
const consoleHome = mkdtempSync(join(tmpdir(), 'bench-console-owner-'));
const config = loadConfig({ env: { STUDIO_HOME: consoleHome, LOG_LEVEL: 'warn' }, dotenv: false });
const app = await createApp({ config });
try {
  const backend = await createConsoleBackend(app, { readOnly: true });
  const snapshots = async (n: number) => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await backend.snapshot();
      ms.push(performance.now() - t);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return ms;
  };
  for (let i = 0; i < 3; i++) await backend.snapshot();
  // what the owner's turn-taking with the socket's clients costs a statement: its Database vs PGlite directly
  const raw = (app.db as unknown as { raw: { query(sql: string): Promise<unknown> } }).raw;
  const inTurns: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < 200; i++) {
    let t = performance.now();
    await app.db.query('select 1');
    inTurns.push(performance.now() - t);
    t = performance.now();
    await raw.query('select 1');
    direct.push(performance.now() - t);
  }
  report('owner select 1, in turns with clients (p50)', `${median(inTurns).toFixed(2)} ms`, `PGlite directly ${median(direct).toFixed(2)} ms`);
  const quiet = await snapshots(30);
  report('console snapshot, alone (p50 / p95)', `${median(quiet).toFixed(1)} / ${percentile(quiet, 95).toFixed(1)} ms`);
  const cliEnv = { ...process.env, STUDIO_HOME: consoleHome, LOG_LEVEL: 'warn' };
  /** Snapshots while 4 processes run `studio <args>` once a second each (with `env` added to theirs). */
  const withPollers = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    let polling = true;
    let ran = 0;
    const pollers = Array.from({ length: 4 }, async () => {
      while (polling) {
        const started = Date.now();
        await new Promise((resolve) => spawn(node, [bin, ...args], { env: { ...cliEnv, ...env }, stdio: 'ignore' }).once('exit', resolve));
        ran++;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - started))));
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const ms = await snapshots(30);
    polling = false;
    await Promise.all(pollers);
    return { ms, ran };
  };
  const line = (label: string, ms: number[], extra = '') =>
    report(label, `${median(ms).toFixed(1)} / ${percentile(ms, 95).toFixed(1)} ms`, `p95 ${(percentile(ms, 95) / percentile(quiet, 95)).toFixed(2)}x alone${extra}`);
  // the control: the same process start-up (config, modules) without a database, so the difference to the
  // next line is what the clients' statements cost the owner (its queue), the rest is CPU the machine shares
  const control = await withPollers(['config', '--json']);
  line('console snapshot, 4 processes polling `config --json` 1/s, no database (p50 / p95)', control.ms);
  const busy = await withPollers(['budget', 'status', '--json']);
  line('console snapshot, 4 clients polling 1/s (p50 / p95)', busy.ms, `; ${(percentile(busy.ms, 95) / percentile(control.ms, 95)).toFixed(2)}x the no-database control`);
  // the same clients at the caller's priority: what their lowering themselves to CLI_READ_NICE is worth
  const unniced = await withPollers(['budget', 'status', '--json'], { CLI_READ_NICE: '0' });
  line('the same, clients not niced (CLI_READ_NICE=0)', unniced.ms, `; p95 ${(percentile(unniced.ms, 95) / percentile(busy.ms, 95)).toFixed(2)}x niced`);
  const quietAgain = await snapshots(30);
  report('console snapshot, alone again (p50 / p95)', `${median(quietAgain).toFixed(1)} / ${percentile(quietAgain, 95).toFixed(1)} ms`, 'the spread of "alone" on this machine now');
} finally {
  await app.close();
}
