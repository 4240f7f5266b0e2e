/**
 * The REAL console in server mode, idle (#17 item 13: idle CPU <= 1% of a core at 160x48, 1 s refresh).
 * 1. The built console (bin/studio.js console --refresh 1s) in tmux at BENCH_CONSOLE_SIZE (160x48) against
 *    PostgreSQL, each on its own fresh schema with the migrations applied and nothing else writing, over
 *    BENCH_IDLE_SERVER_SECONDS (60; the figure is 300), side by side in the same period: a bare
 *    Node process holding a 1 s timer (the floor), the console reading every panel on every refresh
 *    (STUDIO_CONSOLE_READS=every: the baseline, before the change check), and the console as built (the
 *    slow panels read only when the change check says they moved). With BENCH_CONSOLE_BEFORE=<dir> (a
 *    copy of an older build: its bin/, dist/, migrations/ and a node_modules link), that build as well.
 *    CPU share of one core from /proc/<pid>/stat, RSS, and the load average (other processes on the
 *    machine inflate every figure alike; compare the ratios).
 * 2. In process, one snapshot read as the console does it each refresh: statements sent and CPU per read,
 *    every panel read against change-checked, over BENCH_SNAPSHOTS (200) reads each.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app/app.js';
import { loadConfig } from '../src/core/config.js';
import { createConsoleBackend } from '../src/app/console-backend.js';
import { benchDatabaseUrl, cpuPercent, cpuTicks, report, rssMb } from './helpers.js';

const url = benchDatabaseUrl();
if (!url) {
  report('idle server console', 'skipped', 'no PostgreSQL reachable (set BENCH_DATABASE_URL)');
  process.exit(0);
}
const SECONDS = Number(process.env.BENCH_IDLE_SERVER_SECONDS ?? 60);
const SNAPSHOTS = Number(process.env.BENCH_SNAPSHOTS ?? 200);
const [COLUMNS, ROWS] = (process.env.BENCH_CONSOLE_SIZE ?? '160x48').split('x');
const BEFORE = process.env.BENCH_CONSOLE_BEFORE;
const root = fileURLToPath(new URL('..', import.meta.url));
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

/** CPU share of one core and the last RSS of each pid over the same `seconds`. */
async function watchAll(pids: number[], seconds: number): Promise<Array<{ cpuPct: number; rssMb: number }>> {
  const t0 = pids.map(cpuTicks);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = (performance.now() - started) / 1000;
  return pids.map((pid, i) => ({ cpuPct: cpuPercent(cpuTicks(pid) - t0[i]!, elapsed), rssMb: rssMb(pid) }));
}

const psql = (sql: string) => execFileSync('psql', [url, '-Atqc', sql], { stdio: ['ignore', 'pipe', 'pipe'] });
const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

// --- 1. the built console in tmux ---------------------------------------------------------------------
const runs = [
  { label: 'console, every panel every refresh (baseline)', dir: root, env: 'STUDIO_CONSOLE_READS=every' },
  { label: 'console, change-checked (now)', dir: root, env: '' },
  ...(BEFORE ? [{ label: `console built at ${BEFORE}`, dir: BEFORE, env: '' }] : []),
];
if (!hasTmux) {
  report('idle server console in tmux', 'skipped', 'tmux is not installed');
} else if (BEFORE && !existsSync(join(BEFORE, 'bin', 'studio.js'))) {
  report('idle server console in tmux', 'skipped', `BENCH_CONSOLE_BEFORE=${BEFORE} has no bin/studio.js`);
} else {
  const homes: string[] = [];
  const sessions: string[] = [];
  const schemas: string[] = [];
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    const pids = runs.map((run, i) => {
      const schema = `bench_idle_${i}_${process.pid}`;
      const home = mkdtempSync(join(tmpdir(), 'bench-idle-'));
      schemas.push(schema);
      homes.push(home);
      const env = `env -u CI STUDIO_HOME=${home} DATABASE_URL=${url} DATABASE_SCHEMA=${schema} ${run.env}`;
      // the tables first (as `studio db migrate` makes them), then the console on them
      execFileSync('sh', ['-c', `cd ${run.dir} && ${env} ${process.execPath} bin/studio.js db migrate`], { stdio: 'ignore' });
      const session = `studio-bench-idle-${i}-${process.pid}`;
      sessions.push(session);
      execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', COLUMNS!, '-y', ROWS!, `cd ${run.dir} && exec ${env} ${process.execPath} bin/studio.js console --refresh 1s`]);
      return Number(execFileSync('tmux', ['list-panes', '-t', session, '-F', '#{pane_pid}'], { encoding: 'utf8' }).trim());
    });
    await new Promise((resolve) => setTimeout(resolve, 12_000)); // start-up and the first health check are not idle
    for (const session of sessions) {
      const top = execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' }).split('\n')[0] ?? '';
      if (!top.includes('data as of')) throw new Error(`bench: the console in ${session} did not come up: ${top}`);
    }
    const loadBefore = load();
    const [floor, ...consoles] = await watchAll([bare.pid!, ...pids], SECONDS);
    report(`bare node, 1 s timer (floor, ${SECONDS} s)`, `${floor!.cpuPct.toFixed(2)}% CPU`, `load average ${loadBefore} -> ${load()} (2 cores here)`);
    consoles.forEach((c, i) => {
      const ratio = i === 0 ? '' : `, ${(c.cpuPct / consoles[0]!.cpuPct).toFixed(2)}x the baseline`;
      report(`${runs[i]!.label}, ${COLUMNS}x${ROWS}`, `${c.cpuPct.toFixed(2)}% CPU`, `RSS ${c.rssMb.toFixed(0)} MB${ratio}${i === 1 ? ' (target <= 1%)' : ''}`);
    });
  } finally {
    bare.kill();
    for (const session of sessions) spawnSync('tmux', ['kill-session', '-t', session], { stdio: 'ignore' });
    for (const schema of schemas) spawnSync('psql', [url, '-Atqc', `drop schema if exists ${schema} cascade`], { stdio: 'ignore' });
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  }
}

// --- 2. one snapshot read, in process -----------------------------------------------------------------
const schema = `bench_idle_reads_${process.pid}`;
const home = mkdtempSync(join(tmpdir(), 'bench-idle-reads-'));
const app = await createApp({ config: loadConfig({ env: { DATABASE_URL: url, DATABASE_SCHEMA: schema, STUDIO_HOME: home }, dotenv: false }) });
try {
  let statements = 0;
  const query = app.db.query.bind(app.db);
  app.db.query = ((...args: Parameters<typeof query>) => (statements++, query(...args))) as typeof query;
  for (const changeCheck of [false, true]) {
    const backend = await createConsoleBackend(app, { readOnly: true, changeCheck });
    for (let i = 0; i < 5; i++) await backend.snapshot();
    statements = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < SNAPSHOTS; i++) await backend.snapshot();
    const used = process.cpuUsage(cpu);
    const label = changeCheck ? 'snapshot read, change-checked (now)' : 'snapshot read, every panel (baseline)';
    report(label, `${((used.user + used.system) / 1000 / SNAPSHOTS).toFixed(2)} ms CPU`, `${(statements / SNAPSHOTS).toFixed(1)} statements, ${((performance.now() - started) / SNAPSHOTS).toFixed(1)} ms wall per read`);
  }
} finally {
  await app.close();
  psql(`drop schema if exists ${schema} cascade`);
  rmSync(home, { recursive: true, force: true });
}
