import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProviderError } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/logger.js';
import { loadConfig } from '../../src/core/config.js';
import { buildProviders, createApp } from '../../src/app/app.js';
import { apiHostFor, createPostHogAnalytics, createPostHogProbe, SIGNUPS_HOGQL, type PostHogAnalyticsOptions } from '../../src/providers/posthog/index.js';
import { createOfflineAnalytics } from '../../src/providers/offline/analytics.js';
import { submitIdeas } from '../../src/pipeline/ideas/intake.js';
import { ingestEvidence } from '../../src/pipeline/evidence/ingest.js';
import { createOrchestrator } from '../../src/pipeline/orchestrator.js';
import { createSentinel } from '../../src/pipeline/budget/sentinel.js';
import { budgetLevelEvent } from '../../src/pipeline/analytics.js';
import { silentLogger } from '../../src/core/logger.js';
import { systemClock } from '../../src/core/clock.js';
import type { Analytics } from '../../src/core/providers.js';
import { randomUUID } from 'node:crypto';
import { getIdea } from '../../src/storage/ideas.js';
import { insertCampaign } from '../../src/storage/campaigns.js';
import { pauseAllCampaigns } from '../../src/pipeline/campaigns.js';
import { describeEachEngine, embeddedHomeFromTemplate, TEST_EMBEDDING_DIM, useTestDatabase } from '../helpers/db.js';
import { CLI_TEST_TIMEOUT, parseJson, runCli } from '../helpers/cli.js';
import { bakeryIdea, pipelineDeps, writeBakeryCorpus } from '../helpers/pipeline.js';
import { startFakePostHog, type FakePostHog } from '../helpers/fake-posthog.js';

// neither matches redact.ts's key patterns, so only redaction of the configured values can hide them
const PROJECT_KEY = 'projkey-SECRETPROJECT-0123456789';
const PERSONAL_KEY = 'perskey-SECRETPERSONAL-0123456789';
const IDEA = '00000000-0000-0000-0000-0000000000a1';

/** Everything written to console.* or process.stderr while it is on. */
function captureConsole() {
  const lines: string[] = [];
  const methods = ['error', 'warn', 'log', 'info', 'debug'] as const;
  const saved = methods.map((m) => console[m]);
  const savedWrite = process.stderr.write.bind(process.stderr);
  methods.forEach((m) => {
    console[m] = (...args: unknown[]) => void lines.push(`console.${m}: ${args.map(String).join(' ')}`);
  });
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(`stderr: ${String(chunk)}`);
    return true;
  }) as typeof process.stderr.write;
  return {
    lines,
    restore() {
      methods.forEach((m, i) => {
        console[m] = saved[i]!;
      });
      process.stderr.write = savedWrite;
    },
  };
}

/** A port nothing listens on (connection refused). */
async function deadPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A host that accepts connections and never answers. */
async function muteHost(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: NetServer = createNetServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

function logFile() {
  const file = join(mkdtempSync(join(tmpdir(), 'studio-posthog-log-')), 'pipeline.log');
  const handle = createLogger({ file, level: 'debug' });
  return { logger: handle.logger, read: () => readFileSync(file, 'utf8') };
}

describe('PostHog analytics through the real posthog-node against a fake host', () => {
  let fake: FakePostHog;
  beforeAll(async () => {
    fake = await startFakePostHog({ personalKey: PERSONAL_KEY });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.events.length = 0;
    fake.requests.length = 0;
    fake.signups = {};
    fake.failAll(null);
  });
  afterEach(() => {
    // we never ask for flags/decide or anything else
    expect(fake.unknown).toEqual([]);
  });
  const analytics = (over: Partial<PostHogAnalyticsOptions> = {}) =>
    createPostHogAnalytics({ projectKey: PROJECT_KEY, host: fake.url, personalKey: PERSONAL_KEY, projectId: '4242', flushIntervalMs: 60_000, retries: 0, ...over });

  it('sends events gzip-compressed to /batch/ with their properties, the project key, and a non-personal distinct id', async () => {
    const a = analytics({ flushAt: 3 });
    expect(a.info).toEqual({ name: 'posthog', offline: false });
    expect(a.publicKey).toBe(PROJECT_KEY);
    await a.capture('stage_completed', { idea_id: IDEA, stage: 'RESEARCH', attempt: 1, cost_cents: 12 });
    await a.capture('budget_level_changed', { scope: 'total', level: 'WARNING', usage_pct: 81.5 });
    expect(fake.events).toHaveLength(0); // below flushAt, interval a minute away: still queued
    await a.capture('idea_created', { idea_id: IDEA, category: 'ecommerce' });
    await fake.waitForEvents(3); // the third reaches flushAt: sent without being asked
    const batch = fake.requests.find((r) => r.path === '/batch/')!;
    expect(batch).toMatchObject({ method: 'POST', gzip: true });
    expect(fake.events.map((e) => e.event)).toEqual(['stage_completed', 'budget_level_changed', 'idea_created']);
    expect(fake.events[0]).toMatchObject({ distinct_id: IDEA, api_key: PROJECT_KEY, properties: { idea_id: IDEA, stage: 'RESEARCH', attempt: 1, cost_cents: 12, $process_person_profile: false, $lib: 'posthog-node' } });
    expect(fake.events[1]).toMatchObject({ distinct_id: 'studio', properties: { scope: 'total', level: 'WARNING', usage_pct: 81.5 } });
    await a.close!(1000);
    expect(a.stats()).toMatchObject({ queued: 3, sent: 3, failedFlushes: 0, dropped: 0 });
  });

  it('flushes queued events on its own timer, and on close', async () => {
    const a = analytics({ flushIntervalMs: 30 });
    await a.capture('idea_created', { idea_id: IDEA });
    await fake.waitForEvents(1);
    const b = analytics();
    await b.capture('gate_failed', { idea_id: IDEA, stage: 'DECK' });
    await b.capture('gate_failed', { idea_id: IDEA, stage: 'DECK' });
    await b.close!(2000);
    expect(fake.events.filter((e) => e.event === 'gate_failed')).toHaveLength(2);
    // after close, events are dropped (and say so in stats), nothing is sent
    await b.capture('gate_failed', { idea_id: IDEA });
    expect(b.stats().dropped).toBe(1);
    await a.close!(1000);
  });

  it('close() gives up within its bound on a mute host and on a dead one; nothing reaches console or stderr', async () => {
    const mute = await muteHost();
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const log = logFile();
    const out = captureConsole();
    const timings: Record<string, number> = {};
    try {
      for (const [name, host] of [['mute', mute.url], ['dead', dead]] as const) {
        // the SDK's own retries (2, a second apart) would outlast the bound; close does not wait for them
        const a = createPostHogAnalytics({ projectKey: PROJECT_KEY, host, logger: log.logger, retries: 2, retryDelayMs: 1_000, requestTimeoutMs: 5_000 });
        for (let i = 0; i < 5; i++) await a.capture('stage_completed', { idea_id: IDEA, i });
        const started = performance.now();
        await a.close!(300);
        timings[name] = performance.now() - started;
      }
      // failures that complete within the test: a refused connection, and a 500 the SDK retries once
      // (this one flushes on its timer, as in production, not when asked)
      const refused = createPostHogAnalytics({ projectKey: PROJECT_KEY, host: dead, logger: log.logger, retries: 0, flushIntervalMs: 20 });
      for (let i = 0; i < 5; i++) await refused.capture('stage_completed', { idea_id: IDEA, i });
      await vi.waitFor(() => expect(refused.stats().failedFlushes).toBeGreaterThan(0));
      await refused.close!(300);
      fake.failAll({ status: 500 });
      const c = analytics({ retries: 1, retryDelayMs: 10, logger: log.logger });
      for (let i = 0; i < 5; i++) await c.capture('gate_failed', { idea_id: IDEA, i });
      expect(await c.flush()).toMatchObject({ ok: false, status: 500 });
      await c.close!(300);
      // nothing to wait for when nothing should happen: give late SDK output a moment before we stop listening
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      out.restore();
      await mute.close();
    }
    expect(out.lines).toEqual([]);
    // the mute host holds the request until close gives up; a refused connection ends the wait at once
    expect(timings.mute).toBeGreaterThanOrEqual(290);
    expect(timings.mute).toBeLessThan(1_000);
    // (well under the bound on an idle machine; the log line below proves it did not wait the bound out)
    expect(timings.dead).toBeLessThan(1_000);
    const text = log.read();
    expect(text).toMatch(/posthog: could not deliver analytics events: HTTP 500/);
    expect(text).toMatch(/did not finish within 300 ms; 5 queued events are dropped/);
    expect(text).toMatch(/flush on shutdown failed \(could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\); 5 queued events are dropped/);
    expect(text).not.toContain('SECRETPROJECT');
    expect(text).not.toContain('SECRETPERSONAL');
  });

  it('keeps at most maxPending undelivered events while the host is down', async () => {
    const log = logFile();
    const a = createPostHogAnalytics({ projectKey: PROJECT_KEY, host: `http://127.0.0.1:${await deadPort()}`, logger: log.logger, retries: 0, maxPending: 3, flushIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) await a.capture('stage_completed', { i });
    expect(await a.flush()).toMatchObject({ ok: false });
    expect(a.stats()).toMatchObject({ queued: 3, sent: 0, dropped: 2, failedFlushes: 1 });
    await a.close!(200);
    expect(log.read().match(/3 events wait for delivery; new ones are dropped/g)).toHaveLength(1);

    // a refused batch is gone, so it no longer counts against the limit
    const b = analytics({ maxPending: 3, logger: log.logger });
    fake.failAll({ status: 400 });
    for (let i = 0; i < 3; i++) await b.capture('stage_completed', { i });
    expect(await b.flush()).toMatchObject({ ok: false, status: 400 });
    fake.failAll(null);
    for (let i = 0; i < 3; i++) await b.capture('stage_completed', { i });
    expect(await b.flush()).toMatchObject({ ok: true, sent: 3 });
    expect(b.stats()).toMatchObject({ queued: 6, sent: 3, dropped: 3 });
    await b.close!(200);
  });

  it('the capture of console output works: the bare SDK, shut down against a dead host, does print', async () => {
    // proves the previous test could fail: posthog-node used the plain way writes its error to the console
    const { PostHog } = await import('posthog-node');
    const out = captureConsole();
    try {
      const client = new PostHog(PROJECT_KEY, { host: `http://127.0.0.1:${await deadPort()}`, fetchRetryCount: 0, flushInterval: 0 });
      client.capture({ distinctId: 'x', event: 'e' });
      await client.shutdown(1000);
    } finally {
      out.restore();
    }
    expect(out.lines.join('\n')).toMatch(/Error while flushing PostHog/);
  });

  it('counts signups with a parameterised HogQL query through the query API', async () => {
    const a = analytics();
    for (const id of [IDEA, IDEA, 'other']) await a.capture('early_signup', { idea_id: id });
    await a.capture('stage_completed', { idea_id: IDEA });
    await a.flush();
    expect(await a.signups(IDEA)).toBe(2);
    expect(await a.signups('other')).toBe(1);
    const hostile = "x' OR 1=1 --";
    fake.signups[hostile] = 7;
    expect(await a.signups(hostile)).toBe(7);
    const queries = fake.requests.filter((r) => r.path === '/api/projects/4242/query/');
    expect(queries).toHaveLength(3);
    expect(queries[2]!.headers.authorization).toBe(`Bearer ${PERSONAL_KEY}`);
    // the id is a bound value, the query text never changes
    expect(queries[2]!.json).toMatchObject({ query: { kind: 'HogQLQuery', query: SIGNUPS_HOGQL, values: { idea_id: hostile } } });
    expect(queries.every((q) => (q.json as { query: { query: string } }).query.query === SIGNUPS_HOGQL)).toBe(true);
    await a.close!(500);
  });

  it('signup count failures are ProviderErrors that say what to do and never carry a key', async () => {
    const noKey = createPostHogAnalytics({ projectKey: PROJECT_KEY, host: fake.url });
    const missing = (await noKey.signups(IDEA).catch((e: unknown) => e)) as ProviderError;
    expect(missing).toBeInstanceOf(ProviderError);
    expect(missing).toMatchObject({ provider: 'posthog', retryable: false });
    expect(missing.message).toMatch(/POSTHOG_PERSONAL_KEY and POSTHOG_PROJECT_ID/);

    const wrongKey = analytics({ personalKey: 'perskey-WRONG-SECRETPERSONAL-999' });
    const refused = (await wrongKey.signups(IDEA).catch((e: unknown) => e)) as ProviderError;
    expect(refused).toMatchObject({ provider: 'posthog', status: 401, retryable: false });
    expect(refused.message).toMatch(/check POSTHOG_PERSONAL_KEY/);

    // a server that echoes the key back in its error body
    const a = analytics();
    fake.fail({ status: 500, body: { detail: `boom for key ${PERSONAL_KEY} and ${PROJECT_KEY}` } });
    const failed = (await a.signups(IDEA).catch((e: unknown) => e)) as ProviderError;
    expect(failed).toMatchObject({ provider: 'posthog', status: 500, retryable: true });
    expect(failed.message).toContain('boom for key');
    expect(failed.message).not.toContain('SECRET');

    expect(await analytics({ projectId: '999' }).signups(IDEA).catch((e: ProviderError) => e.message)).toMatch(/HTTP 404.*POSTHOG_PROJECT_ID/);

    fake.fail({ delayMs: 2_000 });
    const slow = (await analytics({ queryTimeoutMs: 150 }).signups(IDEA).catch((e: unknown) => e)) as ProviderError;
    expect(slow).toMatchObject({ provider: 'posthog', retryable: true });
    expect(slow.message).toMatch(/no answer within 150 ms/);

    const dead = (await createPostHogAnalytics({ projectKey: PROJECT_KEY, personalKey: PERSONAL_KEY, projectId: '1', host: `http://127.0.0.1:${await deadPort()}` }).signups(IDEA).catch((e: unknown) => e)) as ProviderError;
    expect(dead).toMatchObject({ provider: 'posthog', retryable: true });
    expect(dead.message).toMatch(/could not reach .*ECONNREFUSED/);
    for (const e of [missing, refused, failed, slow, dead]) expect(`${e.message} ${e.stack}`).not.toMatch(/SECRET/);
  });

  it('asks the cloud app host, not the ingestion host, for the private API', () => {
    expect(apiHostFor('https://us.i.posthog.com')).toBe('https://us.posthog.com');
    expect(apiHostFor('https://eu.i.posthog.com/')).toBe('https://eu.posthog.com');
    expect(apiHostFor('https://posthog.example.com')).toBe('https://posthog.example.com');
  });

  it('the health probe: an authenticated project GET with a personal key, else a health_check capture', async () => {
    const signal = new AbortController().signal;
    const api = createPostHogProbe({ projectKey: PROJECT_KEY, personalKey: PERSONAL_KEY, projectId: '4242', host: fake.url, timeoutMs: 500, slowMs: 200 });
    const ok = await api.probe(signal);
    expect(ok).toMatchObject({ name: 'posthog', level: 'HEALTHY', reason: 'ok', details: { check: 'project', status: 200 } });
    expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/projects/4242/' });

    fake.fail({ status: 429 });
    expect(await api.probe(signal)).toMatchObject({ level: 'WARNING', reason: expect.stringMatching(/429/) });
    fake.fail({ delayMs: 300 });
    const slow = await api.probe(signal);
    expect(slow).toMatchObject({ level: 'WARNING', reason: expect.stringMatching(/slow/) });
    expect(slow.latencyMs).toBeGreaterThanOrEqual(290);
    fake.fail({ delayMs: 2_000 });
    expect(await api.probe(signal)).toMatchObject({ level: 'CRITICAL', reason: expect.stringMatching(/no answer within 500 ms/) });
    const refused = await createPostHogProbe({ projectKey: PROJECT_KEY, personalKey: 'perskey-WRONG-0123456789', projectId: '4242', host: fake.url }).probe(signal);
    expect(refused).toMatchObject({ level: 'CRITICAL', reason: expect.stringMatching(/HTTP 401.*POSTHOG_PERSONAL_KEY/) });
    expect(refused.reason).not.toContain('WRONG');
    const dead = `http://127.0.0.1:${await deadPort()}`;
    expect(await createPostHogProbe({ projectKey: PROJECT_KEY, personalKey: PERSONAL_KEY, projectId: '4242', host: dead }).probe(signal)).toMatchObject({ level: 'CRITICAL', reason: expect.stringMatching(/ECONNREFUSED/) });

    const out = captureConsole();
    try {
      fake.events.length = 0;
      const capture = createPostHogProbe({ projectKey: PROJECT_KEY, host: fake.url, timeoutMs: 500, slowMs: 200 });
      expect(await capture.probe(signal)).toMatchObject({ level: 'HEALTHY', details: { check: 'capture' } });
      expect(fake.events).toMatchObject([{ event: 'health_check', api_key: PROJECT_KEY }]);
      fake.fail({ status: 429 });
      expect(await capture.probe(signal)).toMatchObject({ level: 'WARNING' });
      fake.fail({ status: 401 });
      expect(await capture.probe(signal)).toMatchObject({ level: 'CRITICAL', reason: expect.stringMatching(/POSTHOG_PROJECT_KEY/) });
      fake.fail({ status: 500 });
      expect(await capture.probe(signal)).toMatchObject({ level: 'CRITICAL', reason: expect.stringMatching(/HTTP 500/) });
      fake.fail({ delayMs: 2_000 });
      expect(await capture.probe(signal)).toMatchObject({ level: 'CRITICAL', reason: expect.stringMatching(/within 500 ms/) });
      const down = await createPostHogProbe({ projectKey: PROJECT_KEY, host: dead, timeoutMs: 500 }).probe(signal);
      expect(down).toMatchObject({ level: 'CRITICAL', reason: expect.stringMatching(/could not reach/) });
      expect(JSON.stringify(down)).not.toContain('SECRET');
    } finally {
      out.restore();
    }
    expect(out.lines).toEqual([]);
  });

  it('buildProviders uses PostHog when POSTHOG_PROJECT_KEY is set, offline analytics otherwise', () => {
    const config = loadConfig({ env: { STUDIO_HOME: tmpdir(), POSTHOG_PROJECT_KEY: PROJECT_KEY, POSTHOG_HOST: fake.url }, dotenv: false });
    const providers = buildProviders(config, silentLogger());
    expect(providers.analytics.info).toEqual({ name: 'posthog', offline: false });
    expect(providers.analytics.host).toBe(fake.url);
    const offline = buildProviders(loadConfig({ env: { STUDIO_HOME: tmpdir() }, dotenv: false }));
    expect(offline.analytics.info).toEqual({ name: 'offline-analytics', offline: true });
    expect(offline.analytics.publicKey).toBeUndefined();
  });
});

describe('the app flushes analytics when it closes', () => {
  let fake: FakePostHog;
  let home: string;
  beforeAll(async () => {
    fake = await startFakePostHog();
    home = await embeddedHomeFromTemplate('studio-posthog-');
  });
  afterAll(() => fake.close());

  it('App.close() sends what is queued, and is bounded when the host is mute', async () => {
    const env = { STUDIO_HOME: home, EMBEDDING_DIM: String(TEST_EMBEDDING_DIM), POSTHOG_PROJECT_KEY: PROJECT_KEY };
    const app = await createApp({ config: loadConfig({ env: { ...env, POSTHOG_HOST: fake.url }, dotenv: false }) });
    await app.providers.analytics.capture('idea_created', { idea_id: IDEA });
    expect(fake.events).toHaveLength(0);
    await app.close();
    expect(fake.events.map((e) => e.event)).toEqual(['idea_created']);

    const mute = await muteHost();
    try {
      const stuck = await createApp({ config: loadConfig({ env: { ...env, POSTHOG_HOST: mute.url }, dotenv: false }) });
      await stuck.providers.analytics.capture('idea_created', { idea_id: IDEA });
      const started = performance.now();
      await stuck.close();
      const ms = performance.now() - started;
      expect(ms).toBeGreaterThanOrEqual(1_900); // it did wait for the flush ...
      expect(ms).toBeLessThan(3_500); // ... for its bound (2 s) and not the SDK's 10 s request timeout
    } finally {
      await mute.close();
    }
  });
});

describe('studio with POSTHOG_PROJECT_KEY set (built CLI, embedded database)', () => {
  // the test process owns the home: the commands connect to it instead of each starting PGlite (what is
  // tested here is the process's flush before it exits, on either side of the socket)
  const t = useTestDatabase('pglite', {}, { ownHome: true });
  let fake: FakePostHog;
  let env: Record<string, string>;
  beforeAll(async () => {
    fake = await startFakePostHog({ personalKey: PERSONAL_KEY });
    env = { ...t.env, POSTHOG_PROJECT_KEY: PROJECT_KEY, POSTHOG_HOST: fake.url };
  });
  afterAll(() => fake.close());

  it('`studio create` sends idea_created before the process exits; `studio health` probes PostHog; no key printed', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const idea = bakeryIdea(7);
    const created = await runCli(['create', '--title', idea.title, '--description', idea.description, '--category', 'ecommerce', '--json'], { env });
    expect(created.code).toBe(0);
    expect(fake.events.filter((e) => e.event === 'idea_created')).toHaveLength(1);
    expect(fake.events[0]).toMatchObject({ api_key: PROJECT_KEY, properties: { category: 'ecommerce', source: 'studio' } });

    const health = await runCli(['health', '--json'], { env: { ...env, POSTHOG_PERSONAL_KEY: PERSONAL_KEY, POSTHOG_PROJECT_ID: '4242' } });
    const report = parseJson<{ services: Array<{ name: string; level: string; offline?: boolean; latencyMs?: number }> }>(health);
    const posthog = report.services.find((s) => s.name === 'posthog');
    expect(posthog).toMatchObject({ level: 'HEALTHY' });
    expect(typeof posthog?.latencyMs).toBe('number');
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === '/api/projects/4242/')).toBe(true);
    for (const r of [created, health]) expect(r.stdout + r.stderr).not.toMatch(/SECRET/);
  });

  it('against a dead host the command still exits promptly and PostHog writes nothing to stderr', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const idea = bakeryIdea(8);
    const result = await runCli(['create', '--title', idea.title, '--description', idea.description, '--category', 'ecommerce', '--force'], { env: { ...env, POSTHOG_HOST: `http://127.0.0.1:${await deadPort()}` } });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/posthog|flushing/i);
    expect(result.ms).toBeLessThan(15_000);
  });
});

describeEachEngine('the pipeline sends its analytics events', (t) => {
  let fake: FakePostHog;
  beforeAll(async () => {
    fake = await startFakePostHog();
  });
  afterAll(() => fake.close());

  const run = async (analytics: Analytics) => {
    const d = pipelineDeps(t.db, { ...t.config, paths: { ...t.config.paths, artifacts: join(t.home, 'artifacts') } }, {
      pipeline: { retryBaseMs: 1, maxRetries: 1, budgetWaitMs: 60_000 },
      budget: { totalCents: 100_000, categories: { ...t.config.budget.categories, google_ads: 90_000 } },
    });
    d.providers.analytics = analytics;
    d.budget = createSentinel({ db: t.db, config: d.config, clock: systemClock, logger: silentLogger(), onLevelCrossed: budgetLevelEvent(analytics) });
    await d.budget.reset({ operator: { user: 'tester' }, reason: 'a cycle for this run', confirm: true });
    await ingestEvidence({ db: t.db, embedder: d.providers.embedder, budget: d.budget }, [writeBakeryCorpus(join(t.home, 'corpus'))]);
    const n = Math.floor(Math.random() * 1000) + 20;
    const created = await submitIdeas(d, [
      { input: bakeryIdea(n), label: 'good' },
      { input: { title: `Tokenised synthesizer knobs on a blockchain ${n}`, description: 'Vintage synthesizer knob collectors mint tokens for each knob and trade them peer to peer.', createdBy: 'x' }, label: 'thin' },
    ], { force: true });
    const [good, thin] = created.map((o) => o.id!);
    const summary = await createOrchestrator(d).run({ workers: 2, untilIdle: true });
    expect(summary.stoppedBecause).toBe('idle');
    return { good: good!, thin: thin! };
  };

  it('idea_created, stage_completed and gate_failed reach PostHog (and the offline analytics alike)', async () => {
    const posthog = createPostHogAnalytics({ projectKey: PROJECT_KEY, host: fake.url, flushIntervalMs: 60_000, personalKey: fake.personalKey, projectId: '4242' });
    const { good, thin } = await run(posthog);
    // the smoke test asked the query API for the landing page's signups
    const smoke = JSON.parse(readFileSync(join(t.home, 'artifacts', good, 'smoke-test.json'), 'utf8'));
    expect(smoke.signups).toBe(0);
    expect(fake.requests.some((r) => r.path === '/api/projects/4242/query/' && (r.json as { query: { values: { idea_id: string } } }).query.values.idea_id === good)).toBe(true);
    await posthog.close!(2000);
    expect(fake.unknown).toEqual([]);
    const of = (id: string, event: string) => fake.events.filter((e) => e.event === event && e.properties.idea_id === id);
    expect(of(good, 'idea_created')).toHaveLength(1);
    expect(of(good, 'idea_created')[0]).toMatchObject({ distinct_id: good, properties: { category: 'ecommerce', forced: true, source: 'studio' } });
    expect(of(thin, 'idea_created')).toHaveLength(1);
    const stages = of(good, 'stage_completed');
    expect(stages.map((e) => e.properties.stage)).toEqual(['IDEATE', 'RESEARCH', 'DECK', 'INVESTORS', 'MVP', 'SMOKE_TEST']);
    expect(stages.at(-1)!.properties).toMatchObject({ to_stage: 'COMPLETE', attempt: 1 });
    for (const e of stages) {
      expect(typeof e.properties.duration_ms).toBe('number');
      expect(typeof e.properties.cost_cents).toBe('number');
    }
    expect(of(thin, 'stage_completed').map((e) => e.properties.stage)).toEqual(['IDEATE']);
    const failed = of(thin, 'gate_failed');
    expect(failed.length).toBe(2); // maxRetries 1: a retry, then parked
    expect(failed.map((e) => e.properties.outcome)).toEqual(['retry', 'parked']);
    expect(failed[0]!.properties).toMatchObject({ stage: 'RESEARCH', attempt: 1, failures: 1, error: false });
    expect(failed[1]!.properties).toMatchObject({ attempt: 2, failures: 2 });
    expect(String(failed[0]!.properties.reason)).toMatch(/research/i);
    // each of them went through the real SDK, gzip-compressed
    expect(fake.requests.filter((r) => r.path === '/batch/').every((r) => r.gzip)).toBe(true);

    const offline = createOfflineAnalytics();
    const second = await run(offline);
    const counts = offline.counts();
    expect(counts.idea_created).toBe(2);
    expect(counts.stage_completed).toBe(7); // six for the good idea, IDEATE for the thin one
    expect(counts.gate_failed).toBe(2);
    expect(offline.events().filter((e) => e.event === 'gate_failed').every((e) => e.properties.idea_id === second.thin)).toBe(true);
  });

  it('a failing analytics provider never fails or slows the pipeline', async () => {
    let calls = 0;
    const broken: Analytics = {
      info: { name: 'broken', offline: false },
      host: 'http://broken',
      capture: () => {
        calls++;
        // half reject, half never settle
        return calls % 2 ? Promise.reject(new Error('analytics down')) : new Promise<void>(() => undefined);
      },
      signups: async () => 0,
    };
    const started = performance.now();
    const { good } = await run(broken);
    expect(calls).toBeGreaterThanOrEqual(10);
    expect(await getIdea(t.db, good)).toMatchObject({ currentStage: 'COMPLETE' });
    expect(performance.now() - started).toBeLessThan(60_000);
  });

  it('budget_level_changed once per crossing, and campaign_paused for each campaign paused', async () => {
    const offline = createOfflineAnalytics();
    const d = pipelineDeps(t.db, t.config, { budget: { totalCents: 10_000, categories: { openai_tokens: 5_000, google_ads: 3_000, infrastructure: 500, external_apis: 1_000 } } });
    const budget = createSentinel({ db: t.db, config: d.config, clock: systemClock, logger: silentLogger(), onLevelCrossed: budgetLevelEvent(offline) });
    await budget.reset({ operator: { user: 'tester' }, reason: 'a small cycle', confirm: true });
    const charge = (key: string, cents: number) => budget.record({ category: 'external_apis', service: 'posthog', operation: 'test', idempotencyKey: key, amountCents: cents });
    await charge('a', 500);
    expect(offline.counts().budget_level_changed ?? 0).toBe(0);
    await charge('b', 350); // 85%: WARNING
    await charge('c', 10); // still WARNING: no second event
    await charge('d', 100); // 96%: CRITICAL
    const levels = offline.events().filter((e) => e.event === 'budget_level_changed').map((e) => e.properties);
    expect(levels).toMatchObject([
      { scope: 'external_apis', level: 'WARNING', usage_pct: 85 },
      { scope: 'external_apis', level: 'CRITICAL', usage_pct: 96 },
    ]);

    const [idea] = await submitIdeas(d, [{ input: bakeryIdea(555), label: 'c' }], { force: true });
    const ads = d.providers.ads;
    const { campaignId } = await ads.createCampaign({ name: 'c1', ideaId: idea!.id!, budgetMicros: 25e6, dailyBudgetMicros: 25e6 / 7, days: 7, headlines: ['a', 'b', 'c'], descriptions: ['d', 'e', 'f'], keywords: ['k'], bidding: 'MAXIMIZE_CONVERSIONS', locations: ['US'], finalUrl: 'file:///x' });
    await insertCampaign(t.db, { id: randomUUID(), ideaId: idea!.id!, attempt: 1, externalId: campaignId, account: 'simulated', budgetMicros: 25e6, dailyBudgetMicros: Math.floor(25e6 / 7), days: 7, spec: {}, reservationId: randomUUID() });
    const paused = await pauseAllCampaigns({ db: t.db, ads, logger: silentLogger(), analytics: offline }, 'google_ads budget CRITICAL');
    expect(paused).toBeGreaterThanOrEqual(1);
    const event = offline.events().find((e) => e.event === 'campaign_paused' && e.properties.campaign_id === campaignId);
    expect(event?.properties).toMatchObject({ idea_id: idea!.id, account: 'simulated', reason: 'google_ads budget CRITICAL', trigger: 'budget', days_reported: 0, cost_cents: 0 });
  });
});
