import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError, ServiceUnavailableError } from '../../src/core/errors.js';
import type { IdeaBrief } from '../../src/core/providers.js';
import { breakerEvent, buildProviders } from '../../src/app/app.js';
import { createBreaker, guardProviders, type BreakerChange } from '../../src/providers/breaker.js';
import { createOfflineProviders } from '../../src/providers/offline/index.js';
import { loadConfig } from '../../src/core/config.js';
import type { AdsAccount } from '../../src/core/providers.js';
import { createStageContext } from '../../src/pipeline/stages/context.js';
import { submitIdeas } from '../../src/pipeline/ideas/intake.js';
import { getIdea } from '../../src/storage/ideas.js';
import { describeEachEngine } from '../helpers/db.js';
import { bakeryIdea, pipelineDeps } from '../helpers/pipeline.js';
import { FAKE_ANSWERS, startFakeOpenAi, type FakeOpenAi } from '../helpers/fake-openai.js';

const KEY = 'sk-test-BREAKERSECRET0123456789';
const idea: IdeaBrief = { id: '00000000-0000-0000-0000-0000000000b1', title: 'Bakery ordering', description: 'Online ordering for bakeries', category: 'ecommerce', evidenceLinks: [] };
const research = FAKE_ANSWERS.research_summary as { summary: string; marketSize: string; risks: string[] };
const down = () => new ProviderError('svc: failed with HTTP 503', { provider: 'svc', status: 503, retryable: true });

describe('a circuit breaker', () => {
  it('opens after the configured failures in a row, refuses until the cooldown, then one trial closes it', async () => {
    let now = 1_000_000;
    const changes: BreakerChange[] = [];
    const breaker = createBreaker({ service: 'svc', failures: 3, cooldownMs: 30_000, now: () => now, onChange: (c) => changes.push(c) });
    let calls = 0;
    const failing = () => breaker.run(async () => {
      calls++;
      throw down();
    });
    // a success in between resets the count
    await expect(failing()).rejects.toThrow('HTTP 503');
    await expect(failing()).rejects.toThrow('HTTP 503');
    await breaker.run(async () => 'ok');
    await expect(failing()).rejects.toThrow('HTTP 503');
    await expect(failing()).rejects.toThrow('HTTP 503');
    expect(breaker.state().state).toBe('closed');
    await expect(failing()).rejects.toThrow('HTTP 503');
    expect(breaker.state()).toMatchObject({ state: 'open', failures: 3, opened: 1 });
    expect(calls).toBe(5);

    // open: refused without calling, with the time calls resume
    const refused = (await failing().catch((e: unknown) => e)) as ServiceUnavailableError;
    expect(refused).toBeInstanceOf(ServiceUnavailableError);
    expect(refused.retryAt.getTime()).toBe(1_000_000 + 30_000);
    expect(refused.message).toMatch(/svc: circuit breaker open after 3 failed calls in a row \(last: svc: failed with HTTP 503\); calls resume with one trial at/);
    expect(calls).toBe(5);

    // after the cooldown one trial goes through; it fails, so the breaker opens for another cooldown
    now += 30_000;
    await expect(failing()).rejects.toThrow('HTTP 503');
    expect(calls).toBe(6);
    expect(breaker.state()).toMatchObject({ state: 'open', opened: 2 });
    now += 29_999;
    await expect(failing()).rejects.toBeInstanceOf(ServiceUnavailableError);
    now += 1;
    // while a trial is in flight, other calls are refused
    let release!: () => void;
    const trial = breaker.run(() => new Promise<string>((resolve) => (release = () => resolve('back'))));
    await expect(breaker.run(async () => 'other')).rejects.toBeInstanceOf(ServiceUnavailableError);
    release();
    await expect(trial).resolves.toBe('back');
    expect(breaker.state()).toMatchObject({ state: 'closed', failures: 0 });
    expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual(['closed>open', 'open>half_open', 'half_open>open', 'open>half_open', 'half_open>closed']);
    expect(changes[0]).toMatchObject({ service: 'svc', failures: 3, retryAt: new Date(1_000_000 + 30_000) });
  });

  it('does not count a cancelled call, and 0 failures turns it off', async () => {
    const breaker = createBreaker({ service: 'svc', failures: 1, cooldownMs: 1000 });
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    await expect(breaker.run(async () => Promise.reject(abort))).rejects.toBe(abort);
    expect(breaker.state().state).toBe('closed');
    const off = createBreaker({ service: 'svc', failures: 0 });
    for (let i = 0; i < 10; i++) await expect(off.run(async () => Promise.reject(down()))).rejects.toThrow('503');
    expect(off.state().state).toBe('closed');
  });

  it('an open ads breaker refuses new campaigns and metrics, but never a pause: pausing is how spending stops', async () => {
    const paused: string[] = [];
    const account: AdsAccount = {
      info: { name: 'google_ads', offline: false, account: 'google_ads' },
      createCampaign: async () => Promise.reject(down()),
      pause: async (id) => void paused.push(id),
      enable: async () => undefined,
      metrics: async () => Promise.reject(down()),
    };
    const offline = createOfflineProviders(loadConfig({ env: {}, dotenv: false }));
    const { providers, breakers } = guardProviders({ ...offline, ads: account }, { failures: 2, cooldownMs: 60_000 });
    await expect(providers.ads.metrics('1', 1)).rejects.toThrow('503');
    await expect(providers.ads.metrics('1', 1)).rejects.toThrow('503');
    expect(breakers.get('google_ads')!.state().state).toBe('open');
    await expect(providers.ads.metrics('1', 1)).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(providers.ads.createCampaign({} as never)).rejects.toBeInstanceOf(ServiceUnavailableError);
    await providers.ads.pause('123');
    expect(paused).toEqual(['123']);
    // the offline stand-ins are not wrapped
    expect(providers.text).toBe(offline.text);
    expect([...breakers.keys()]).toEqual(['google_ads']);
  });

  it('an open breaker is a CRITICAL ops event for the service and its closing clears it', () => {
    const open = breakerEvent({ service: 'openai', from: 'closed', to: 'open', failures: 5, lastError: 'openai: x failed with HTTP 500', retryAt: new Date('2026-01-01T00:00:30Z') });
    expect(open).toMatchObject({ kind: 'provider.breaker_open', source: 'openai', level: 'CRITICAL', dedupKey: 'provider.breaker:openai' });
    expect(breakerEvent({ service: 'openai', from: 'half_open', to: 'closed', failures: 0, lastError: null, retryAt: null })).toMatchObject({ level: 'HEALTHY', dedupKey: 'provider.breaker:openai' });
    expect(breakerEvent({ service: 'openai', from: 'open', to: 'half_open', failures: 5, lastError: null, retryAt: null })).toBeNull();
  });
});

describeEachEngine('OpenAI behind its breaker and the response cache (real SDK, fake server)', (t) => {
  let fake: FakeOpenAi;
  beforeAll(async () => {
    fake = await startFakeOpenAi();
    fake.vectorFor = (_t, d) => Array.from({ length: d }, (_, i) => (i === 0 ? 1 : 0));
  });
  afterAll(() => fake.close());
  const configWith = (providers: { breakerFailures: number; breakerCooldownMs: number }) => ({
    ...t.config,
    openai: { ...t.config.openai, apiKey: KEY, baseUrl: fake.url, maxRetries: 0 },
    providers,
    paths: { ...t.config.paths, artifacts: join(t.home, 'artifacts') },
  });

  it('text and embeddings share the openai breaker: once open, nothing reaches the server', async () => {
    const changes: BreakerChange[] = [];
    const providers = buildProviders(configWith({ breakerFailures: 2, breakerCooldownMs: 60_000 }), undefined, { onBreakerChange: (c) => changes.push(c) });
    fake.fail({ status: 500 }, { status: 503 });
    await expect(providers.text.writeLanding({ idea, research })).rejects.toThrow(/HTTP 500/);
    await expect(providers.embedder.embed(['bread'])).rejects.toThrow(/HTTP 503/);
    expect(changes.map((c) => c.to)).toEqual(['open']);
    const before = fake.requests.length;
    const refused = await providers.text.writeDeck({ idea, research, evidence: [] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ServiceUnavailableError);
    await expect(providers.embedder.embed(['bread'])).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(fake.requests.length).toBe(before);
    // the info of the wrapped ports reads through
    expect(providers.text.info).toMatchObject({ name: 'openai', offline: false });
    expect(providers.embedder.dimensions).toBe(t.config.openai.embeddingDim);
  });

  it('a stage asking the same thing twice pays once: the second answer comes from the cache, free and without a request', async () => {
    const config = configWith({ breakerFailures: 5, breakerCooldownMs: 1000 });
    const base = pipelineDeps(t.db, config);
    const d = { ...base, providers: buildProviders(base.config) };
    await d.budget.reset({ operator: { user: 'tester' }, reason: 'cache test', confirm: true });
    const [created] = await submitIdeas(d, [{ input: bakeryIdea(31), label: '31' }], { force: true });
    const row = (await getIdea(t.db, created!.id!))!;
    const run = () => createStageContext(d, { idea: row, stage: 'MVP', attempt: 1, worker: 'w', critical: false });
    const chats = () => fake.requests.filter((r) => r.path === '/chat/completions').length;

    const first = run();
    const before = chats();
    const a = await first.generate('landing', 'mvp.landing', { idea: first.brief, research }, 500, (o) => d.providers.text.writeLanding({ idea: first.brief, research }, o));
    expect(chats()).toBe(before + 1);
    expect(first.spentCents).toBeGreaterThan(0);

    const second = createStageContext(d, { idea: row, stage: 'MVP', attempt: 1, worker: 'w2', critical: false });
    const b = await second.generate('landing-again', 'mvp.landing', { idea: second.brief, research }, 500, (o) => d.providers.text.writeLanding({ idea: second.brief, research }, o));
    expect(b.value).toEqual(a.value);
    expect(chats()).toBe(before + 1);
    expect(second.spentCents).toBe(0);
    // no reservation at all for the cached answer
    const { rows } = await t.db.query<{ n: string }>(`select count(*)::text as n from spend_ledger where idempotency_key like $1`, [`%:landing-again`]);
    expect(rows[0]!.n).toBe('0');

    // a later attempt (a retry after a failed gate) asks the model again
    const retry = createStageContext(d, { idea: row, stage: 'MVP', attempt: 2, worker: 'w', critical: false });
    await retry.generate('landing', 'mvp.landing', { idea: retry.brief, research }, 500, (o) => d.providers.text.writeLanding({ idea: retry.brief, research }, o));
    expect(chats()).toBe(before + 2);

    // embeddings too
    const embeds = () => fake.requests.filter((r) => r.path === '/embeddings').length;
    const e0 = embeds();
    const v1 = await first.embed('q1', ['sourdough pickup slots']);
    const v2 = await second.embed('q2', ['sourdough pickup slots']);
    expect(v2).toEqual(v1);
    expect(embeds()).toBe(e0 + 1);
  });

  it('a malformed answer that was billed is charged, not released', async () => {
    const config = configWith({ breakerFailures: 5, breakerCooldownMs: 1000 });
    const base = pipelineDeps(t.db, config);
    const d = { ...base, providers: buildProviders(base.config) };
    await d.budget.reset({ operator: { user: 'tester' }, reason: 'billed test', confirm: true });
    const [created] = await submitIdeas(d, [{ input: bakeryIdea(32), label: '32' }], { force: true });
    const row = (await getIdea(t.db, created!.id!))!;
    const ctx = createStageContext(d, { idea: row, stage: 'MVP', attempt: 1, worker: 'w', critical: false });
    fake.chatUsage = { prompt_tokens: 400_000, completion_tokens: 100_000, cached_tokens: 0 }; // 12 cents a call on gpt-4o-mini
    fake.fail({ content: 'not json' });
    const error = await ctx.generate('landing', 'mvp.landing', { idea: ctx.brief, research, n: 1 }, 500, (o) => d.providers.text.writeLanding({ idea: ctx.brief, research }, o)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    const { rows } = await t.db.query<{ state: string; amount_cents: string }>(`select state, amount_cents::text from spend_ledger where idempotency_key = $1`, [`${row.id}:MVP:1:landing`]);
    expect(rows).toEqual([{ state: 'settled', amount_cents: '12' }]);
    expect(ctx.spentCents).toBe(12);
  });
});
