/** Shared bench helpers: timing, percentiles, the PostgreSQL URL to use, and a result line. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** Wall time of a command, in ms, run `runs` times after `warmup` unmeasured runs. */
export function timeCommand(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; runs?: number; warmup?: number } = {}): number[] {
  const samples: number[] = [];
  const runs = options.runs ?? 15;
  for (let i = 0; i < (options.warmup ?? 2) + runs; i++) {
    const start = performance.now();
    const result = spawnSync(command, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = performance.now() - start;
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    if (i >= (options.warmup ?? 2)) samples.push(ms);
  }
  return samples;
}

/** The PostgreSQL to bench against: BENCH_DATABASE_URL, TEST_DATABASE_URL, or the local default if it answers. */
export function benchDatabaseUrl(): string | undefined {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/studio_test';
  const probe = spawnSync('psql', [url, '-Atqc', 'select 1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return probe.status === 0 ? url : undefined;
}

export function report(name: string, value: string, note = ''): void {
  console.log(`${name.padEnd(46)} ${value.padStart(14)}  ${note}`);
}

/** Clock ticks a second, the unit of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
export const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim() || 100);

/** CPU time a process has used so far, in clock ticks (utime + stime from /proc/<pid>/stat). */
export function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** A process's resident set size now, in MB (VmRSS from /proc/<pid>/status). */
export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.replace(/\D+/g, '')) / 1024;
}

/** The share of one core, in %, that `ticks` of CPU time are over `seconds` of wall time. */
export const cpuPercent = (ticks: number, seconds: number) => (ticks / TICKS_PER_SECOND / seconds) * 100;

/** Until the embedded database in `home` is served on its socket (its lock names the socket). */
export async function waitForSocket(home: string): Promise<void> {
  const lock = join(home, 'data/pglite.lock');
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (existsSync(lock) && (JSON.parse(readFileSync(lock, 'utf8')) as { socket?: string }).socket) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the owner did not serve its socket within 120 s');
}

/**
 * CPU time (user + system, ms) of one run of `command`, from GNU time (/usr/bin/time): the child's own
 * rusage. Spawned asynchronously, so this process can go on serving it (an embedded owner); throws when
 * the command fails.
 */
export async function childCpuMs(command: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  const child = spawn('/usr/bin/time', ['-f', 'studio-bench-cpu %x %U %S', ...command], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += String(d)));
  await new Promise((resolve) => child.once('close', resolve));
  const [, code, user, system] = /studio-bench-cpu (\d+) ([\d.]+) ([\d.]+)/.exec(err) ?? [];
  if (code !== '0') throw new Error(`${command.join(' ')} failed: ${err.trim()}`);
  return (Number(user) + Number(system)) * 1000;
}
