/**
 * Provider overhead: what our wrapper adds per model call against a zero-latency fake OpenAI server on
 * 127.0.0.1, as a ratio to the bare SDK call (`client.chat.completions.create`) measured in the same run.
 *
 * - provider: our OpenAI text generator behind its circuit breaker (schema, zod check, error mapping).
 * - stage call: a pipeline stage's `generate` (response-cache lookup, budget reservation, the call,
 *   cache write, settlement), on PostgreSQL and on embedded PGlite: every call a cache miss.
 * - cache hit: the same request again (no reservation, no call).
 * Target: the provider layer within 1.2x of the bare SDK; the database work of a stage call is what costs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { loadConfig, type Config } from '../src/core/config.js';
import { silentLogger } from '../src/core/logger.js';
import { systemClock } from '../src/core/clock.js';
import type { Database } from '../src/core/ports.js';
import { buildProviders } from '../src/app/app.js';
import { createSentinel } from '../src/pipeline/budget/sentinel.js';
import { createStageContext, type StageDeps } from '../src/pipeline/stages/context.js';
import { submitIdeas } from '../src/pipeline/ideas/intake.js';
import { getIdea } from '../src/storage/ideas.js';
import { createOfflineProviders } from '../src/providers/offline/index.js';
import { openDatabase } from '../src/storage/open.js';
import { createPostgresDatabase } from '../src/storage/postgres.js';
import { benchDatabaseUrl, percentile, report } from './helpers.js';

const calls = Number(process.env.BENCH_CALLS ?? 400);
const KEY = 'sk-bench-0000000000000000';

const answer = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 0,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: JSON.stringify({ headline: 'Order bread online', subheadline: 'Pickup slots', bullets: ['a', 'b', 'c'], callToAction: 'Join' }), refusal: null } }],
  usage: { prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200, prompt_tokens_details: { cached_tokens: 0 } },
});
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(answer);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;

async function sample(n: number, call: (i: number) => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 30; i++) await call(-1 - i); // warm up
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await call(i);
    ms.push(performance.now() - start);
  }
  return { p50: percentile(ms, 50), p95: percentile(ms, 95) };
}
const fmt = (s: { p50: number; p95: number }) => `${(s.p50 * 1000).toFixed(0)} µs`;
const ratio = (s: { p50: number; p95: number }, base: { p50: number }) => `${(s.p50 / base.p50).toFixed(2)}x bare SDK (p95 ${(s.p95 * 1000).toFixed(0)} µs)`;

// --- baseline: the bare SDK, the same request our provider sends
const bare = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 0 });
const request = (i: number) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user' as const, content: `landing copy ${i}` }],
  response_format: { type: 'json_schema' as const, json_schema: { name: 'landing_copy', strict: true, schema: { type: 'object' } } },
  max_completion_tokens: 2000,
});
const home = mkdtempSync(join(tmpdir(), 'bench-providers-'));
const env = { STUDIO_HOME: home, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: baseURL, OPENAI_MAX_RETRIES: '0', EMBEDDING_DIM: '8', BUDGET_TOTAL: '1000000', BUDGET_OPENAI_TOKENS: '999000', BUDGET_GOOGLE_ADS: '1000', BUDGET_INFRASTRUCTURE: '0', BUDGET_EXTERNAL_APIS: '0' };
const config = loadConfig({ env, dotenv: false });
const providers = buildProviders(config);
const idea = { id: '00000000-0000-0000-0000-00000000be01', title: 'Bakery ordering', description: 'Online ordering for bakeries', category: 'ecommerce', evidenceLinks: [] };
const research = { summary: 's', marketSize: 'm', risks: [] };

// bare and wrapped calls take turns in rounds, so neither gains from running later (JIT, connection reuse)
const bareMs: number[] = [];
const providerMs: number[] = [];
const timed = async (into: number[], call: () => Promise<unknown>) => {
  const start = performance.now();
  await call();
  into.push(performance.now() - start);
};
for (let i = 0; i < 30; i++) {
  await bare.chat.completions.create(request(-i));
  await providers.text.writeLanding({ idea, research });
}
for (let round = 0; round < 10; round++) {
  for (let i = 0; i < calls / 10; i++) await timed(bareMs, async () => JSON.parse((await bare.chat.completions.create(request(i))).choices[0]!.message.content!));
  for (let i = 0; i < calls / 10; i++) await timed(providerMs, () => providers.text.writeLanding({ idea: { ...idea, title: `Bakery ${i}` }, research }));
}
const bareStats = { p50: percentile(bareMs, 50), p95: percentile(bareMs, 95) };
const providerStats = { p50: percentile(providerMs, 50), p95: percentile(providerMs, 95) };
report('bare SDK chat call (baseline)', fmt(bareStats), `p95 ${(bareStats.p95 * 1000).toFixed(0)} µs`);
report('provider call (text generator + breaker)', fmt(providerStats), ratio(providerStats, bareStats));

async function stageCalls(label: string, db: Database, cfg: Config): Promise<void> {
  const logger = silentLogger();
  const deps: StageDeps = { db, config: cfg, clock: systemClock, logger, budget: createSentinel({ db, config: cfg, clock: systemClock, logger }), providers };
  await deps.budget.reset({ operator: { user: 'bench' }, reason: 'providers bench', confirm: true });
  const intakeDeps = { ...deps, providers: createOfflineProviders(cfg) };
  const [created] = await submitIdeas(intakeDeps, [{ input: { title: 'Online ordering for independent bakeries', description: 'Customers order bread online and pick it up in a slot; bakeries waste less.', category: 'ecommerce', createdBy: 'bench' }, label: 'b' }], { force: true });
  const row = (await getIdea(db, created!.id!))!;
  const ctx = createStageContext(deps, { idea: row, stage: 'MVP', attempt: 1, worker: 'bench', critical: false });
  const miss = await sample(calls, (i) => {
    const input = { idea: { ...ctx.brief, title: `${label} ${i}` }, research };
    return ctx.generate(`landing-${i}`, 'mvp.landing', input, 500, (o) => providers.text.writeLanding(input, o));
  });
  report(`stage call, cache miss (${label})`, fmt(miss), ratio(miss, bareStats));
  const hit = await sample(calls, () => {
    const input = { idea: { ...ctx.brief, title: `${label} 0` }, research };
    return ctx.generate('landing-0', 'mvp.landing', input, 500, (o) => providers.text.writeLanding(input, o));
  });
  report(`stage call, cache hit (${label})`, fmt(hit), ratio(hit, bareStats));
}

const url = benchDatabaseUrl();
if (url) {
  const schema = 'bench_providers';
  const admin = await createPostgresDatabase({ url });
  await admin.exec(`drop schema if exists ${schema} cascade`);
  await admin.close();
  const cfg = loadConfig({ env: { ...env, DATABASE_URL: url, DATABASE_SCHEMA: schema }, dotenv: false });
  const db = await openDatabase(cfg, { logger: silentLogger() });
  await stageCalls('PostgreSQL', db, cfg);
  await db.close();
  const cleanup = await createPostgresDatabase({ url });
  await cleanup.exec(`drop schema if exists ${schema} cascade`);
  await cleanup.close();
} else report('stage call (PostgreSQL)', 'skipped', 'no PostgreSQL reachable (set BENCH_DATABASE_URL)');

const embedded = await openDatabase(config, { logger: silentLogger() });
await stageCalls('PGlite', embedded, config);
await embedded.close();
server.close();
