/**
 * The real console left running (issue 17, item 13: "RSS flat over an hour"): the BUILT console in tmux at
 * 160x48 with a 1 s refresh, in server mode (PostgreSQL, no scheduler hosted) and in embedded mode (PGlite
 * in the process, the scheduler hosted, the sample ideas moving at first), side by side for SOAK_MINUTES
 * (default 60). RSS and CPU come from /proc every SOAK_SAMPLE seconds (default 30). The baseline, in the
 * same run: a bare Node process with a 1 s timer.
 *
 * Long by design, so `npm run bench` skips it unless named: `npm run bench -- soak`
 * (SOAK_MINUTES=5 for a quick look). It prints RSS at 1 min, 5 min and the end, the peak, the growth
 * after warm-up (least squares over the samples from minute 5, in MB per hour), and CPU per 10-minute
 * window.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDatabaseUrl, cpuPercent, cpuTicks, report, rssMb } from './helpers.js';

const minutes = Number(process.env.SOAK_MINUTES ?? 60);
const sampleSeconds = Number(process.env.SOAK_SAMPLE ?? 30);
const bin = fileURLToPath(new URL('../bin/studio.js', import.meta.url));

if (spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status !== 0) {
  report('console soak', 'skipped', 'tmux is not installed');
  process.exit(0);
}

interface Sample {
  at: number;
  rssMb: number;
  cpuTicks: number;
}

interface Subject {
  name: string;
  pid: number;
  samples: Sample[];
  stop(): void;
}

function sample(pid: number): Sample {
  return { at: Date.now(), rssMb: rssMb(pid), cpuTicks: cpuTicks(pid) };
}

function inTmux(name: string, env: Record<string, string>, args: string[]): Subject {
  const session = `soak-${name}-${process.pid}`;
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ');
  execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '160', '-y', '48', `exec env -u CI ${vars} ${process.execPath} ${bin} ${args.join(' ')}`]);
  const pid = Number(execFileSync('tmux', ['list-panes', '-t', session, '-F', '#{pane_pid}'], { encoding: 'utf8' }).trim());
  return { name, pid, samples: [], stop: () => spawnSync('tmux', ['kill-session', '-t', session], { stdio: 'ignore' }) };
}

function slopeMbPerHour(samples: Sample[]): number {
  if (samples.length < 2) return NaN;
  const xs = samples.map((s) => s.at / 3_600_000);
  const ys = samples.map((s) => s.rssMb);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

function rssAt(samples: Sample[], minute: number): string {
  const s = samples.find((x) => x.at - started >= minute * 60_000);
  return s ? s.rssMb.toFixed(0) : '-';
}

const homes: string[] = [];
const home = (label: string) => {
  const dir = mkdtempSync(join(tmpdir(), `soak-${label}-`));
  homes.push(dir);
  return dir;
};

const subjects: Subject[] = [];
const url = benchDatabaseUrl();
let database: string | undefined;
if (url) {
  database = `studio_soak_${process.pid}`;
  spawnSync('psql', [url, '-qc', `create database ${database}`], { stdio: 'ignore' });
  const serverUrl = url.replace(/\/[^/]*$/, `/${database}`);
  const serverHome = home('server');
  spawnSync(process.execPath, [bin, 'db', 'migrate'], { env: { ...process.env, STUDIO_HOME: serverHome, DATABASE_URL: serverUrl }, stdio: 'ignore' });
  subjects.push(inTmux('server', { STUDIO_HOME: serverHome, DATABASE_URL: serverUrl }, ['console', '--refresh', '1s', '--no-scheduler']));
} else {
  report('console soak, server mode', 'skipped', 'no PostgreSQL answers (BENCH_DATABASE_URL)');
}
subjects.push(inTmux('embedded', { STUDIO_HOME: home('embedded') }, ['console', '--refresh', '1s']));
const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
subjects.push({ name: 'bare', pid: bare.pid!, samples: [], stop: () => bare.kill() });

const stopAll = () => {
  for (const s of subjects) s.stop();
  if (url && database) spawnSync('psql', [url, '-qc', `drop database if exists ${database} with (force)`], { stdio: 'ignore' });
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
};
process.once('SIGINT', () => {
  stopAll();
  process.exit(130);
});

const started = Date.now();
const end = started + minutes * 60_000;
console.log(`soak: ${subjects.map((s) => `${s.name} pid ${s.pid}`).join(', ')}; ${minutes} min, a sample every ${sampleSeconds} s`);
try {
  while (Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, sampleSeconds * 1000));
    for (const s of subjects) s.samples.push(sample(s.pid));
    const last = subjects.map((s) => `${s.name} ${s.samples.at(-1)!.rssMb.toFixed(0)} MB`).join(', ');
    if (subjects[0]!.samples.length % Math.max(1, Math.round(300 / sampleSeconds)) === 0) console.log(`  ${new Date().toISOString().slice(11, 19)} ${last}; load ${loadavg()[0]!.toFixed(2)}`);
  }
} finally {
  stopAll();
}

for (const s of subjects) {
  const { samples } = s;
  const warm = samples.filter((x) => x.at - started >= 5 * 60_000);
  const peak = Math.max(...samples.map((x) => x.rssMb));
  const windows: string[] = [];
  for (let i = 0; i < samples.length; ) {
    const from = samples[i]!;
    let j = i;
    while (j + 1 < samples.length && samples[j + 1]!.at - from.at <= 10 * 60_000) j++;
    if (j > i) windows.push(`${cpuPercent(samples[j]!.cpuTicks - from.cpuTicks, (samples[j]!.at - from.at) / 1000).toFixed(2)}%`);
    i = j + 1;
  }
  report(`${s.name}: RSS 1 min / 5 min / end (MB)`, `${rssAt(samples, 1)} / ${rssAt(samples, 5)} / ${samples.at(-1)!.rssMb.toFixed(0)}`, `peak ${peak.toFixed(0)} MB`);
  if (warm.length >= 2) report(`${s.name}: RSS growth after warm-up`, `${slopeMbPerHour(warm).toFixed(1)} MB/h`, `least squares over the last ${((warm.at(-1)!.at - warm[0]!.at) / 60_000).toFixed(0)} min`);
  report(`${s.name}: CPU per 10-minute window`, windows.join(' ') || '-', 'of one core');
}
