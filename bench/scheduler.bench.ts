/**
 * Scheduler on PostgreSQL with 1,000 registered jobs:
 * - idle CPU share of the process (process.cpuUsage over a window) with 1,000 jobs not due, against the
 *   same scheduler with no jobs (target: under 1% of a core);
 * - delay from a slot's time to its run row being inserted (the job starts right after), with 1,000
 *   per-minute jobs (about 17 slots at each second mark), and as a stress case 1,000 jobs every 10 s
 *   (100 slots at the same instant each second) (target: p95 under 50 ms);
 * - slot claims per second (the claim statement, 8 concurrent clients) against plain one-row inserts.
 */
import { randomBytes } from 'node:crypto';
import { createPostgresDatabase } from '../src/storage/postgres.js';
import { migrate } from '../src/storage/migrate.js';
import { claimSlot } from '../src/storage/job-runs.js';
import { createScheduler } from '../src/jobs/scheduler.js';
import { silentLogger } from '../src/core/logger.js';
import type { JobDefinition } from '../src/core/jobs.js';
import { benchDatabaseUrl, percentile, report } from './helpers.js';

const url = benchDatabaseUrl();
if (!url) {
  report('scheduler bench', 'skipped', 'no PostgreSQL reachable (set BENCH_DATABASE_URL)');
  process.exit(0);
}
const JOBS = 1_000;
const IDLE_WINDOW_MS = Number(process.env.BENCH_IDLE_MS ?? 15_000);
const FIRE_WINDOW_MS = Number(process.env.BENCH_FIRE_MS ?? 30_000);
const settings = { heartbeatMs: 5_000, nodeTimeoutMs: 30_000, shutdownGraceMs: 5_000, deadmanGraceMs: 120_000, retryBaseMs: 10_000, retryMaxMs: 600_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const schema = 'bench_scheduler';
const admin = await createPostgresDatabase({ url });
await admin.exec(`drop schema if exists ${schema} cascade; create extension if not exists vector schema public; create schema ${schema}`);
await admin.close();
const db = await createPostgresDatabase({ url, schema, poolMax: 10 });
await migrate(db, { vars: { EMBEDDING_DIM: 64 } });

async function cpuShare(jobs: JobDefinition[]): Promise<number> {
  const scheduler = createScheduler({ db, logger: silentLogger(), jobs, settings });
  await (await scheduler.start()).caughtUp;
  await sleep(2_000); // let start-up settle
  const before = process.cpuUsage();
  const t0 = performance.now();
  await sleep(IDLE_WINDOW_MS);
  const used = process.cpuUsage(before);
  const wall = performance.now() - t0;
  await scheduler.stop();
  return (used.user + used.system) / 1000 / wall;
}

// 1. idle CPU: 1,000 jobs that are not due in the window (yearly, at scattered minutes) vs none.
const idleJobs: JobDefinition[] = Array.from({ length: JOBS }, (_, i) => ({
  name: `idle.${i}`,
  description: 'bench',
  schedule: `${i % 60} ${Math.floor(i / 60) % 24} 1 1 *`,
  run: async () => undefined,
}));
const baselineCpu = await cpuShare([]);
report('idle CPU, scheduler with 0 jobs (baseline)', `${(baselineCpu * 100).toFixed(3)} %`, `of one core over ${IDLE_WINDOW_MS / 1000} s`);
const idleCpu = await cpuShare(idleJobs);
report(`idle CPU, scheduler with ${JOBS} jobs`, `${(idleCpu * 100).toFixed(3)} %`, `${baselineCpu > 0 ? (idleCpu / baselineCpu).toFixed(1) : '∞'}x baseline (target < 1 %)`);

// 2. slot delay: time from a slot to its run row inserted (the job records it as it starts).
async function slotDelays(label: string, jobs: (delays: number[]) => JobDefinition[], windowMs: number): Promise<void> {
  const delays: number[] = [];
  const scheduler = createScheduler({ db, logger: silentLogger(), jobs: jobs(delays), settings });
  await (await scheduler.start()).caughtUp;
  await sleep(1_000);
  delays.length = 0;
  const cpu0 = process.cpuUsage();
  await sleep(windowMs);
  const cpu = process.cpuUsage(cpu0);
  await scheduler.stop();
  report(`${label}: slots run in ${windowMs / 1000} s`, String(delays.length), `CPU ${(((cpu.user + cpu.system) / 1000 / windowMs) * 100).toFixed(1)} % of a core`);
  report(`${label}: slot -> run row, p50`, `${percentile(delays, 50).toFixed(1)} ms`);
  report(`${label}: slot -> run row, p95`, `${percentile(delays, 95).toFixed(1)} ms`, '(target < 50 ms)');
  report(`${label}: slot -> run row, max`, `${Math.max(...delays).toFixed(1)} ms`);
}
const recorder = (delays: number[]): JobDefinition['run'] => async ({ scheduledFor }) => void delays.push(Date.now() - scheduledFor.getTime());
// Realistic: 1,000 jobs each once a minute, at second i % 60 (about 17 slots at each second mark).
await slotDelays(
  '1,000 per-minute jobs',
  (delays) => Array.from({ length: JOBS }, (_, i) => ({ name: `minute.${i}`, description: 'bench', schedule: `${i % 60} * * * * *`, catchUp: 'none', run: recorder(delays) })),
  FIRE_WINDOW_MS,
);
// Stress: 1,000 jobs every 10 s, staggered by second: 100 slots at the same instant every second.
await slotDelays(
  '1,000 jobs every 10 s',
  (delays) =>
    Array.from({ length: JOBS }, (_, i) => ({
      name: `fire.${i}`,
      description: 'bench',
      schedule: `${[0, 1, 2, 3, 4, 5].map((k) => (i % 10) + 10 * k).join(',')} * * * * *`,
      catchUp: 'none',
      run: recorder(delays),
    })),
  Math.min(FIRE_WINDOW_MS, 15_000),
);

// 3. claims per second vs plain single-row inserts, 8 concurrent clients, 5 s each.
await db.exec('create table bench_plain (id bigint generated always as identity primary key, v text not null, at timestamptz not null)');
const CLIENTS = 8;
const WINDOW = 5_000;
async function rate(op: (client: number, i: number) => Promise<unknown>): Promise<number> {
  let count = 0;
  const end = performance.now() + WINDOW;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = 0; performance.now() < end; i++) {
        await op(client, i);
        count++;
      }
    }),
  );
  return count / (WINDOW / 1000);
}
const tag = randomBytes(3).toString('hex');
const plain = await rate((client, i) => db.query('insert into bench_plain (v, at) values ($1, $2)', [`${client}:${i}`, new Date()]));
report('plain one-row inserts/s (baseline)', plain.toFixed(0), `${CLIENTS} clients`);
const base = Date.UTC(2030, 0, 1);
const claims = await rate((client, i) =>
  claimSlot(db, {
    job: `claim.${tag}.${client}`,
    name: `claim.${tag}.${client}`,
    scheduledFor: new Date(base + i * 1000),
    now: new Date(),
    maxAttempts: 1,
    critical: false,
    nodeId: 'bench',
    host: 'bench',
    pid: process.pid,
  }),
);
report('slot claims/s', claims.toFixed(0), `${(claims / plain).toFixed(2)}x baseline`);
// contended: every client claims the same slots; one wins each
const contended = await rate((_client, i) =>
  claimSlot(db, { job: `contended.${tag}`, name: `contended.${tag}`, scheduledFor: new Date(base + Math.floor(i) * 1000), now: new Date(), maxAttempts: 1, critical: false, nodeId: 'bench', host: 'bench', pid: process.pid }),
);
report('slot claim attempts/s, 8 clients on the same slots', contended.toFixed(0), `${(contended / plain).toFixed(2)}x baseline`);

const admin2 = await createPostgresDatabase({ url });
await db.close();
await admin2.exec(`drop schema if exists ${schema} cascade`);
await admin2.close();
