/**
 * Budget reservations per second with 8 concurrent clients on PostgreSQL, beside pgbench's simple-update
 * TPS (-N, 8 clients) measured on the same server in the same run: the ceiling for one-row commits.
 * Target: at least 0.75x.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/core/config.js';
import { silentLogger } from '../src/core/logger.js';
import { systemClock } from '../src/core/clock.js';
import { createPostgresDatabase } from '../src/storage/postgres.js';
import { migrate } from '../src/storage/migrate.js';
import { createSentinel } from '../src/pipeline/budget/sentinel.js';
import { benchDatabaseUrl, report } from './helpers.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const clients = 8;
const url = benchDatabaseUrl();
if (!url) {
  report('budget reservations/s', 'skipped', 'no PostgreSQL reachable (set BENCH_DATABASE_URL)');
  process.exit(0);
}

// --- baseline: pgbench simple-update in its own database
const base = new URL(url);
const pgbenchDb = 'studio_pgbench';
const psql = (db: string, sql: string) => spawnSync('psql', [`${base.protocol}//${base.username}@${base.host}/${db}`, '-Atqc', sql], { encoding: 'utf8' });
if (!psql('postgres', `select 1 from pg_database where datname = '${pgbenchDb}'`).stdout.trim()) psql('postgres', `create database ${pgbenchDb}`);
const conn = ['-h', base.hostname, '-p', base.port || '5432', '-U', base.username || 'postgres'];
spawnSync('pgbench', [...conn, '-i', '-q', '-s', '10', pgbenchDb], { stdio: 'ignore' });
const pg = spawnSync('pgbench', [...conn, '-N', '-c', String(clients), '-j', '2', '-T', String(seconds), pgbenchDb], { encoding: 'utf8' });
const tps = Number(/tps = ([\d.]+)/.exec(pg.stdout)?.[1] ?? NaN);
report('pgbench simple-update (-N, 8 clients)', `${tps.toFixed(0)} tx/s`, 'baseline');

// --- studio: reserve through the sentinel, 8 connections, never near the caps
const schema = 'bench_budget';
const admin = await createPostgresDatabase({ url });
await admin.exec(`drop schema if exists ${schema} cascade; create schema ${schema}; create extension if not exists vector schema public`);
await admin.close();
const db = await createPostgresDatabase({ url, schema, poolMax: clients });
await migrate(db, { vars: { EMBEDDING_DIM: 8 } });
const config = loadConfig({ env: { STUDIO_HOME: mkdtempSync(join(tmpdir(), 'bench-')), BUDGET_TOTAL: '100000000', BUDGET_OPENAI_TOKENS: '100000000', BUDGET_GOOGLE_ADS: '0', BUDGET_INFRASTRUCTURE: '0', BUDGET_EXTERNAL_APIS: '0' }, dotenv: false });
const sentinel = createSentinel({ db, config, clock: systemClock, logger: silentLogger() });
await sentinel.ensureCycle();
// warm every connection
await Promise.all(Array.from({ length: clients }, () => db.query('select 1')));

let done = 0;
const deadline = performance.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: clients }, async (_, c) => {
    let i = 0;
    while (performance.now() < deadline) {
      await sentinel.reserve({ category: 'openai_tokens', service: 'bench', operation: 'reserve', estimateCents: 1, idempotencyKey: `b${c}-${i++}` });
      done++;
    }
  }),
);
const rps = done / seconds;
report('studio budget reserve (8 clients)', `${rps.toFixed(0)} /s`, `${(rps / tps).toFixed(2)}x pgbench (target >= 0.75x)`);

// settle throughput too, for the record
const ids = (await db.query<{ id: string }>("select id from spend_ledger where state = 'reserved' limit 4000")).rows.map((r) => r.id);
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: clients }, async () => {
    while (next < ids.length) await sentinel.settle(ids[next++]!, 1);
  }),
);
report('studio budget settle (8 clients)', `${(ids.length / ((performance.now() - started) / 1000)).toFixed(0)} /s`);
await db.close();
const cleanup = await createPostgresDatabase({ url });
await cleanup.exec(`drop schema if exists ${schema} cascade`);
await cleanup.close();
