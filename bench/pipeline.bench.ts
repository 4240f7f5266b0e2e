/**
 * Pipeline benches on PostgreSQL, each beside a baseline measured in the same run:
 *
 * 1. Stage advances per second with the offline providers (zero latency) and 1, 2 and 8 workers — every
 *    advance is a full stage run: claim with FOR UPDATE SKIP LOCKED + lease, the stage_runs row, the
 *    stage's work with its budget reservations and settlements, and the transition transaction.
 *    Baseline: a bare SKIP LOCKED claim + update loop (the least a queued job costs). Target: 3,000/s.
 * 2. Duplicate-check latency (exact title + nearest neighbour over the HNSW index) with 100,000 ideas
 *    embedded (inserted first, index built after). Baseline: the same nearest-neighbour query as an exact
 *    scan. Target: p95 <= 10 ms.
 *
 * BENCH_SECONDS (default 5) per measurement; BENCH_PART advances | dup | all; BENCH_IDEAS (default 100000); BENCH_EMBEDDING_DIM (default 256).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/core/config.js';
import { silentLogger } from '../src/core/logger.js';
import { systemClock } from '../src/core/clock.js';
import { createPostgresDatabase } from '../src/storage/postgres.js';
import { migrate } from '../src/storage/migrate.js';
import { createSentinel } from '../src/pipeline/budget/sentinel.js';
import { createOfflineProviders } from '../src/providers/offline/index.js';
import { createOrchestrator } from '../src/pipeline/orchestrator.js';
import { submitIdeas } from '../src/pipeline/ideas/intake.js';
import { ingestEvidence } from '../src/pipeline/evidence/ingest.js';
import { findByExactTitle, nearestIdeas, vectorLiteral } from '../src/storage/ideas.js';
import { hashedEmbedding } from '../src/providers/offline/embedder.js';
import { benchDatabaseUrl, percentile, report } from './helpers.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const totalIdeas = Number(process.env.BENCH_IDEAS ?? 100_000);
const dim = Number(process.env.BENCH_EMBEDDING_DIM ?? 256);
const serverUrl = benchDatabaseUrl();
if (!serverUrl) {
  report('pipeline advances/s', 'skipped', 'no PostgreSQL reachable (set BENCH_DATABASE_URL)');
  process.exit(0);
}
// a database of its own: 100,000 ideas in the test database would show in other suites' size reports
const url = (() => {
  const u = new URL(serverUrl);
  u.pathname = '/studio_bench';
  return u.toString();
})();
{
  const server = await createPostgresDatabase({ url: serverUrl });
  const exists = await server.query("select 1 from pg_database where datname = 'studio_bench'");
  if (exists.rowCount === 0) await server.exec('create database studio_bench');
  await server.close();
}

const schema = 'bench_pipeline';
async function freshSchema() {
  const admin = await createPostgresDatabase({ url: url! });
  await admin.exec(`drop schema if exists ${schema} cascade; create schema ${schema}; create extension if not exists vector schema public`);
  await admin.close();
}

const home = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
const config = loadConfig({
  env: { STUDIO_HOME: home, EMBEDDING_DIM: String(dim), BUDGET_TOTAL: '10000000', BUDGET_OPENAI_TOKENS: '5000000', BUDGET_GOOGLE_ADS: '5000000', BUDGET_INFRASTRUCTURE: '0', BUDGET_EXTERNAL_APIS: '0', INTAKE_PER_HOUR: '1000000', INTAKE_PER_DAY: '1000000' },
  dotenv: false,
});

const part = process.env.BENCH_PART ?? 'all'; // advances | dup | all

// ---------------------------------------------------------------------------------------------------
// 1. stage advances per second
// ---------------------------------------------------------------------------------------------------
if (part !== 'dup') {
  await freshSchema();
  const db = await createPostgresDatabase({ url, schema, poolMax: 12 });
  await migrate(db, { vars: { EMBEDDING_DIM: dim } });

  // baseline: bare claim + update on a queue table
  await db.exec(`create table bench_queue (id bigint generated always as identity primary key, stage int not null default 0, due timestamptz not null default now(), locked_by text, lease_until timestamptz);
                 create index on bench_queue (due) where stage < 6;`);
  const baseline: Record<number, number> = {};
  for (const workers of [1, 2, 8]) {
    await db.exec('truncate bench_queue; insert into bench_queue (stage) select 0 from generate_series(1, 20000)');
    let done = 0;
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        while (performance.now() < deadline) {
          const claimed = await db.query<{ id: number }>(
            `with c as (select id from bench_queue where stage < 6 and due <= now() and (lease_until is null or lease_until < now()) order by due limit 1 for update skip locked)
             update bench_queue q set locked_by = $1, lease_until = now() + interval '5 minutes' from c where q.id = c.id returning q.id`,
            [`w${w}`],
          );
          const id = claimed.rows[0]?.id;
          if (!id) break;
          await db.query('update bench_queue set stage = stage + 1, due = now(), locked_by = null, lease_until = null where id = $1', [id]);
          done++;
        }
      }),
    );
    baseline[workers] = done / seconds;
    report(`baseline: bare SKIP LOCKED claim+update, ${workers} worker${workers > 1 ? 's' : ''}`, `${baseline[workers]!.toFixed(0)} /s`);
  }

  const budget = createSentinel({ db, config, clock: systemClock, logger: silentLogger() });
  const providers = createOfflineProviders(config);
  const deps = { db, budget, providers, config: { ...config, paths: { ...config.paths, artifacts: join(home, 'artifacts') } }, clock: systemClock, logger: silentLogger() };
  await ingestEvidence({ db, embedder: providers.embedder, budget }, [new URL('../examples/corpus', import.meta.url).pathname]);
  const sample = (await import('node:fs')).readFileSync(new URL('../examples/ideas.jsonl', import.meta.url), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const workers of [1, 2, 8]) {
    await db.exec("delete from ideas; delete from stage_runs; delete from campaigns");
    // enough ideas that nobody runs out: the sample set, repeated with distinct titles
    const items = Array.from({ length: 600 }, (_, i) => {
      const s = sample[i % sample.length]!;
      return { input: { ...s, title: `${String(s.title).slice(0, 150)} #${i}`, createdBy: `bench${i % 50}` }, label: String(i) };
    });
    for (let i = 0; i < items.length; i += 200) await submitIdeas(deps, items.slice(i, i + 200), { force: true });
    const orchestrator = createOrchestrator(deps);
    const summary = await orchestrator.run({ workers, timeBudgetMs: seconds * 1000 });
    const rate = summary.steps / (summary.ms / 1000);
    report(`studio stage advances, ${workers} worker${workers > 1 ? 's' : ''}`, `${rate.toFixed(0)} /s`, `${(rate / baseline[workers]!).toFixed(2)}x baseline; target 3,000/s`);
  }
  await db.close();
}

// ---------------------------------------------------------------------------------------------------
// 2. duplicate check latency with 100,000 ideas embedded
// ---------------------------------------------------------------------------------------------------
if (part !== 'advances') {
  await freshSchema();
  const db = await createPostgresDatabase({ url, schema, poolMax: 4, statementTimeoutMs: 3_600_000 });
  await migrate(db, { vars: { EMBEDDING_DIM: dim } });
  await db.exec('drop index ideas_embedding_hnsw_idx');
  const words = 'invoice bakery clinic tutor payment ads market pet dog coffee saas ai agent support returns sizing shift law portal savings budget carbon token garden meal habit team retro repair handyman language learning insurance claims document compliance accounting remote monitoring blood pressure'.split(' ');
  const textOf = (i: number) => {
    let seed = i * 2654435761;
    const pick = () => words[(seed = (seed * 1103515245 + 12345) >>> 0) % words.length];
    return { title: `Idea ${i}: ${pick()} ${pick()} for ${pick()} teams`, description: `A ${pick()} ${pick()} product that helps ${pick()} ${pick()} with ${pick()} and ${pick()} ${pick()}.` };
  };
  let started = performance.now();
  const batch = 2000;
  for (let offset = 0; offset < totalIdeas; offset += batch) {
    const n = Math.min(batch, totalIdeas - offset);
    const ids: string[] = [];
    const titles: string[] = [];
    const descriptions: string[] = [];
    const vectors: string[] = [];
    for (let k = 0; k < n; k++) {
      const t = textOf(offset + k);
      ids.push(randomUUID());
      titles.push(t.title);
      descriptions.push(t.description);
      vectors.push(vectorLiteral(hashedEmbedding(`${t.title}\n${t.description}`, dim)));
    }
    await db.query(
      `insert into ideas (id, title, description, created_by, embedding, current_stage, status)
       select id, title, description, 'bench', embedding::vector, 'COMPLETE', 'DEPLOYED' from unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) as u(id, title, description, embedding)`,
      [ids, titles, descriptions, vectors],
    );
  }
  const insertMs = performance.now() - started;
  started = performance.now();
  await db.exec('set maintenance_work_mem = \'256MB\'; create index ideas_embedding_hnsw_idx on ideas using hnsw (embedding vector_cosine_ops); analyze ideas');
  const buildMs = performance.now() - started;
  report(`${totalIdeas} ideas x vector(${dim}): insert / HNSW build`, `${(insertMs / 1000).toFixed(1)} s / ${(buildMs / 1000).toFixed(1)} s`);

  const probes = Array.from({ length: 300 }, (_, i) => textOf(totalIdeas + i));
  const timeChecks = async (exact: boolean) => {
    const samples: number[] = [];
    await db.withConnection(async (conn) => {
      if (exact) await conn.exec('set enable_indexscan = off');
      for (const p of probes) {
        const vector = hashedEmbedding(`${p.title}\n${p.description}`, dim);
        const t0 = performance.now();
        await findByExactTitle(conn, p.title);
        await nearestIdeas(conn, vector, { limit: 1, minSimilarity: 0.8 });
        samples.push(performance.now() - t0);
      }
      if (exact) await conn.exec('reset enable_indexscan');
    });
    return samples.slice(20); // the first few warm the caches
  };
  const scan = await timeChecks(true);
  const hnsw = await timeChecks(false);
  report('baseline: duplicate check as an exact scan', `p50 ${percentile(scan, 50).toFixed(1)} ms`, `p95 ${percentile(scan, 95).toFixed(1)} ms`);
  report('studio duplicate check (title + HNSW top-1)', `p50 ${percentile(hnsw, 50).toFixed(1)} ms`, `p95 ${percentile(hnsw, 95).toFixed(1)} ms (target <= 10 ms); ${(percentile(scan, 50) / percentile(hnsw, 50)).toFixed(0)}x faster than the scan`);
  await db.close();
}
const cleanup = await createPostgresDatabase({ url });
await cleanup.exec(`drop schema if exists ${schema} cascade`);
await cleanup.close();
