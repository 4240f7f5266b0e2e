/** Shared bench helpers: timing, percentiles, the PostgreSQL URL to use, and a result line. */
import { spawnSync } from 'node:child_process';

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
