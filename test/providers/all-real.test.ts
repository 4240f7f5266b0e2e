/**
 * Every provider real at once, each through its own client library against its fake on 127.0.0.1:
 * OpenAI (`openai`), PostHog (`posthog-node`), Google Ads (`google-ads-api`, answered through its own
 * hooks) and web evidence search (our guarded fetch against a local search API and pages). Ideas go from
 * intake to COMPLETE; every service saw the calls it should, and the budget settled exactly what each
 * service billed or reported.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildProviders } from '../../src/app/app.js';
import { createManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { costCents } from '../../src/pipeline/budget/pricing.js';
import { ingestEvidence } from '../../src/pipeline/evidence/ingest.js';
import { submitIdeas } from '../../src/pipeline/ideas/intake.js';
import { createOrchestrator } from '../../src/pipeline/orchestrator.js';
import { getIdea } from '../../src/storage/ideas.js';
import { makeDue } from '../../src/storage/idea-claims.js';
import { describeEachEngine } from '../helpers/db.js';
import { bakeryIdea, pipelineDeps, writeBakeryCorpus } from '../helpers/pipeline.js';
import { startFakeOpenAi, type FakeOpenAi } from '../helpers/fake-openai.js';
import { startFakePostHog, type FakePostHog } from '../helpers/fake-posthog.js';
import { createFakeGoogleAds, type FakeGoogleAds } from '../helpers/fake-google-ads.js';

const DAY = 86_400_000;
const OPENAI_KEY = 'sk-test-ALLREALSECRET0123456789';
const SEARCH_KEY = 'search-ALLREALSECRET-0123';

/** A search API and the pages its hits point at, on one local server. */
async function startSearchSite(): Promise<{ url: string; port: number; queries: string[]; fetched: string[]; close(): Promise<void> }> {
  const queries: string[] = [];
  const fetched: string[] = [];
  let port = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname === '/search') {
      if (req.headers.authorization !== `Bearer ${SEARCH_KEY}`) return void res.writeHead(401).end();
      const q = url.searchParams.get('q') ?? '';
      queries.push(q);
      const slug = q.includes('technology') ? 'tech' : q.includes('market') ? 'market' : 'biz';
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ results: [{ title: `Bakery ${slug} report`, url: `http://127.0.0.1:${port}/page/${slug}`, snippet: 'Bakeries take orders online.', published: '2026-10-01' }] }));
    }
    fetched.push(url.pathname);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<html><head><title>Bakery ${url.pathname}</title></head><body><p>Independent bakeries want online ordering with pickup slots; ${url.pathname} shows demand for bakery ordering.</p></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/search`, port, queries, fetched, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describeEachEngine('every provider real at once (OpenAI, PostHog, Google Ads, web search through their libraries)', (t) => {
  let openai: FakeOpenAi;
  let posthog: FakePostHog;
  let ads: FakeGoogleAds;
  let site: Awaited<ReturnType<typeof startSearchSite>>;
  const clock = createManualClock(new Date('2026-08-03T12:00:00Z'));
  beforeAll(async () => {
    openai = await startFakeOpenAi();
    openai.vectorFor = (_t, d) => Array.from({ length: d }, (_, i) => (i === 0 ? 1 : 0));
    openai.chatUsage = { prompt_tokens: 400_000, completion_tokens: 100_000, cached_tokens: 0 };
    posthog = await startFakePostHog();
    ads = await createFakeGoogleAds({ clock, customerId: '1234567890' });
    ads.daily = (_c, day) => ({ impressions: 500, clicks: 15, costMicros: 2_000_000 + day * 5_000, conversions: 1 });
    site = await startSearchSite();
  });
  afterAll(async () => {
    await Promise.all([openai.close(), posthog.close(), site.close()]);
  });

  it('two ideas reach COMPLETE through the real libraries; each service saw its calls; spend is what each billed', { timeout: 180_000 }, async () => {
    const config = {
      ...t.config,
      paths: { ...t.config.paths, artifacts: join(t.home, 'artifacts') },
      openai: { ...t.config.openai, apiKey: OPENAI_KEY, baseUrl: openai.url, maxRetries: 0 },
      posthog: { projectKey: 'phc_allrealprojectkey0123', personalKey: posthog.personalKey, projectId: posthog.projects[0]!, host: posthog.url },
      googleAds: { developerToken: 'DEVTOKEN-allreal-s3cr3t', clientId: 'id.apps.googleusercontent.com', clientSecret: 'GOCSPX-allreal', refreshToken: '1//allreal-refresh', customerId: '1234567890', landingBaseUrl: 'https://landing.example.com' },
      search: { ...t.config.search, url: site.url, apiKey: SEARCH_KEY, apiKeyHeader: 'Authorization', timeoutMs: 3000, fetchAllow: [{ host: '127.0.0.1', port: site.port }] },
    };
    const base = pipelineDeps(t.db, config, { pipeline: { retryBaseMs: 1, smokeTestDays: 2, smokeTestBudgetCents: 1_000 } });
    const d = { ...base, providers: buildProviders(base.config, silentLogger(), { googleAds: { hooks: ads.hooks, clock } }) };
    expect([d.providers.text, d.providers.embedder, d.providers.ads, d.providers.analytics, d.providers.search!].map((p) => [p.info.name, p.info.offline])).toEqual([
      ['openai', false], ['openai', false], ['google_ads', false], ['posthog', false], ['web_search', false],
    ]);
    await d.budget.reset({ operator: { user: 'tester' }, reason: 'all real', confirm: true });
    await ingestEvidence({ db: t.db, embedder: d.providers.embedder, budget: d.budget }, [writeBakeryCorpus(join(t.home, 'corpus'))]);
    const created = await submitIdeas(d, [61, 62].map((n) => ({ input: bakeryIdea(n + (t.engine === 'postgres' ? 10 : 0)), label: String(n) })), { force: true });
    const ids = created.map((c) => c.id!);
    posthog.signups[ids[0]!] = 3;

    // up to the running campaigns, then two days later their metrics are in and the ideas complete
    await createOrchestrator(d).run({ workers: 2, untilIdle: true });
    for (const id of ids) expect((await getIdea(t.db, id))?.currentStage).toBe('SMOKE_TEST');
    clock.advance(3 * DAY);
    for (const id of ids) await makeDue(t.db, id, 'SMOKE_TEST');
    await createOrchestrator(d).run({ workers: 2, untilIdle: true });
    await d.providers.analytics.close?.(2_000);

    for (const [i, id] of ids.entries()) {
      const idea = await getIdea(t.db, id);
      expect(idea, JSON.stringify(idea?.lastError)).toMatchObject({ currentStage: 'COMPLETE', parkedReason: null });
      const smoke = JSON.parse(readFileSync(join(t.home, 'artifacts', id, 'smoke-test.json'), 'utf8'));
      expect(smoke).toMatchObject({ account: 'google_ads', offline: false, signups: i === 0 ? 3 : 0, daysActive: 2, cost: 4.02 });
      expect(readFileSync(join(t.home, 'artifacts', id, 'deck.md'), 'utf8')).toContain('FAKE-OPENAI deck');
      expect(readFileSync(join(t.home, 'artifacts', id, 'landing.html'), 'utf8')).toContain('phc_allrealprojectkey0123');
    }

    // each service saw what it should
    expect(new Set(openai.requests.map((r) => r.path))).toEqual(new Set(['/embeddings', '/chat/completions']));
    expect(ads.campaigns.size).toBe(2);
    expect(site.queries).toHaveLength(6); // one per research domain per idea
    expect(new Set(site.fetched)).toEqual(new Set(['/page/market', '/page/tech', '/page/biz']));
    // the two ideas research at once and find the same pages: each page's text is embedded once
    const pageEmbeds = openai.requests.filter((r) => r.path === '/embeddings' && JSON.stringify(r.json?.input).includes('/page/'));
    expect(pageEmbeds).toHaveLength(3);
    const events = posthog.events.map((e) => e.event);
    for (const name of ['idea_created', 'stage_completed']) expect(events).toContain(name);
    expect(events.filter((e) => e === 'idea_created')).toHaveLength(2);
    expect(posthog.requests.some((r) => r.path.startsWith(`/api/projects/${posthog.projects[0]}/query`))).toBe(true);

    // the budget settled what each service billed or reported, and holds nothing
    const { rows } = await t.db.query<{ category: string; settled: string; reserved: string }>(
      `select category, coalesce(sum(amount_cents) filter (where state = 'settled'), 0)::text as settled, count(*) filter (where state = 'reserved')::text as reserved
         from spend_ledger where cycle_id = (select id from budget_cycles where ended_at is null) group by category order by category`,
    );
    const by = Object.fromEntries(rows.map((r) => [r.category, r]));
    expect(Object.values(by).every((r) => r.reserved === '0')).toBe(true);
    expect(Number(by.openai_tokens!.settled)).toBe(openai.served.reduce((sum, s) => sum + costCents(s.model, s.usage), 0));
    expect(Number(by.google_ads!.settled)).toBe(2 * 402);
    expect(Number(by.external_apis!.settled)).toBe(6 * config.search.queryCostCents);
  });
});
