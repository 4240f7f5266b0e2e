/**
 * The console's database cost: one snapshot read (what every refresh does) with 100,000 ideas and
 * 1,000,000 ledger rows on PostgreSQL, p50 / p95 over repeated reads, beside a `select 1` round trip
 * measured in the same run. Target: p95 <= 5 ms.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app/app.js';
import { loadConfig } from '../src/core/config.js';
import { createConsoleBackend } from '../src/app/console-backend.js';
import { benchDatabaseUrl, percentile, report } from './helpers.js';

const url = benchDatabaseUrl();
if (!url) {
  report('console snapshot', 'skipped', 'no PostgreSQL reachable (set BENCH_DATABASE_URL)');
  process.exit(0);
}
const ideas = Number(process.env.BENCH_IDEAS ?? 100_000);
const ledger = Number(process.env.BENCH_LEDGER ?? 1_000_000);
const schema = 'bench_console';
const home = mkdtempSync(join(tmpdir(), 'bench-console-'));
const config = loadConfig({ env: { DATABASE_URL: url, DATABASE_SCHEMA: schema, STUDIO_HOME: home, EMBEDDING_DIM: '8' }, dotenv: false });
const app = await createApp({ config });
const have = await app.db.query<{ n: number }>('select count(*)::int as n from ideas');
if ((have.rows[0]?.n ?? 0) < ideas) {
  const started = performance.now();
  await app.budget.ensureCycle();
  const cycle = (await app.budget.snapshot()).cycleId;
  await app.db.exec(`
    insert into ideas (id, title, description, category, status, current_stage, stage_entered_at, created_at, updated_at)
    select gen_random_uuid(), 'Bench idea number ' || g, 'A generated idea for the console bench, number ' || g, 'saas',
           (array['DRAFT','RESEARCHING','BUILDING','VALIDATING','BUILDING','TESTING','DEPLOYED'])[1 + g % 7],
           (array['IDEATE','RESEARCH','DECK','INVESTORS','MVP','SMOKE_TEST','COMPLETE'])[1 + g % 7],
           now() - (g % 1000) * interval '1 minute', now() - (g % 5000) * interval '1 minute', now()
      from generate_series(1, ${ideas}) g;
    insert into spend_ledger (id, cycle_id, category, service, operation, estimate_cents, amount_cents, state, idempotency_key, holder, created_at, settled_at)
    select gen_random_uuid(), '${cycle}', 'openai_tokens', 'bench', 'op' || (g % 20), 0, 0, 'settled', 'bench-' || g, 'bench', now(), now()
      from generate_series(1, ${ledger}) g;
    analyze;`);
  report('seed', `${((performance.now() - started) / 1000).toFixed(1)} s`, `${ideas} ideas, ${ledger} ledger rows`);
}
const backend = await createConsoleBackend(app, { readOnly: true });
for (let i = 0; i < 5; i++) await backend.snapshot();
const snaps: number[] = [];
const trips: number[] = [];
for (let i = 0; i < 50; i++) {
  const t = performance.now();
  await app.db.query('select 1');
  trips.push(performance.now() - t);
  const snap = await backend.snapshot();
  snaps.push(snap.readMs);
}
const p50 = percentile(snaps, 50);
const p95 = percentile(snaps, 95);
report('select 1 round trip (baseline)', `${percentile(trips, 50).toFixed(2)} ms`, `p95 ${percentile(trips, 95).toFixed(2)} ms`);
report(`console snapshot, ${ideas / 1000}k ideas / ${ledger / 1e6}M ledger`, `p50 ${p50.toFixed(1)} ms`, `p95 ${p95.toFixed(1)} ms (target p95 <= 5 ms); ${(p50 / percentile(trips, 50)).toFixed(0)}x a round trip`);
await app.close();
