import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildProviders, type App } from '../../src/app/app.js';
import { extraHealthProbes } from '../../src/app/app-jobs.js';
import { createOfflineProviderProbes } from '../../src/ops/health/probes/providers.js';
import { createManualClock, systemClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import { ConfigError, ProviderError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { CampaignSpec } from '../../src/core/providers.js';
import { createGoogleAdsAccount, createGoogleAdsProbe, PROBE_GAQL } from '../../src/providers/google-ads/index.js';
import { createPipelineJobs } from '../../src/pipeline/jobs.js';
import { pauseOnBudgetLevel } from '../../src/pipeline/campaigns.js';
import { createSentinel } from '../../src/pipeline/budget/sentinel.js';
import { submitIdeas } from '../../src/pipeline/ideas/intake.js';
import { ingestEvidence } from '../../src/pipeline/evidence/ingest.js';
import { createOrchestrator } from '../../src/pipeline/orchestrator.js';
import { getIdea } from '../../src/storage/ideas.js';
import { makeDue } from '../../src/storage/idea-claims.js';
import { latestCampaign } from '../../src/storage/campaigns.js';
import type { JobContext } from '../../src/core/jobs.js';
import { describeEachEngine, embeddedHomeFromTemplate, TEST_EMBEDDING_DIM } from '../helpers/db.js';
import { CLI_TEST_TIMEOUT, parseJson, runCli } from '../helpers/cli.js';
import { bakeryIdea, pipelineDeps, writeBakeryCorpus } from '../helpers/pipeline.js';
import { createFakeGoogleAds, type FakeGoogleAds, type FaultKind } from '../helpers/fake-google-ads.js';

const SECRETS = { developerToken: 'DEVTOKEN-s3cr3t-abcdef', clientSecret: 'GOCSPX-client-s3cr3t-xyz', refreshToken: '1//refresh-s3cr3t-0123456789' };
const CREDS = { ...SECRETS, clientId: '123-abc.apps.googleusercontent.com', customerId: '1234567890', loginCustomerId: '987-654-3210' };
const DAY = 86_400_000;

// every REST request the library would send (it requires axios' CommonJS build: intercept that instance)
// is refused and counted: the hooks must answer everything
const axios = createRequire(import.meta.url)('axios') as { interceptors: { request: { use(fn: (config: { url?: string }) => unknown): void } } };
const network: string[] = [];
axios.interceptors.request.use((config) => {
  network.push(String(config.url));
  throw new Error('test: no network');
});

const spec = (over: Partial<CampaignSpec> = {}): CampaignSpec => ({
  name: 'studio-idea-1-a1',
  ideaId: 'idea-1',
  budgetMicros: 25_000_000,
  dailyBudgetMicros: 3_571_428,
  days: 7,
  headlines: ['Bakery ordering', 'Order bread online today, fresh and warm', 'Join Early Access'],
  descriptions: ['Pickup slots for bakeries.', 'Less waste, fewer phone calls.', 'Sign up free.'],
  keywords: ['bakery ordering', 'bread online', 'bakery', 'pickup slots', 'cakes'],
  bidding: 'MAXIMIZE_CONVERSIONS',
  locations: ['US', 'CA', 'GB'],
  finalUrl: 'file:///srv/studio/artifacts/idea-1/landing.html',
  ...over,
});

describe('the Google Ads account through the real google-ads-api library (answered by its hooks)', () => {
  let fake: FakeGoogleAds;
  // 05:00 UTC on 10 March is still 9 March in Los Angeles: dates follow the account's time zone
  const clock = createManualClock(new Date('2026-03-10T05:00:00Z'));
  const account = (over: Partial<Parameters<typeof createGoogleAdsAccount>[0]> = {}) =>
    createGoogleAdsAccount({ ...CREDS, landingBaseUrl: 'https://landing.example.com/pages/', artifactsDir: '/srv/studio/artifacts', hooks: fake.hooks, clock, ...over });

  beforeAll(async () => {
    fake = await createFakeGoogleAds({ clock, customerId: CREDS.customerId, timeZone: 'America/Los_Angeles' });
  });
  beforeEach(() => {
    clock.set(new Date('2026-03-10T05:00:00Z'));
  });
  afterAll(() => {
    expect(network).toEqual([]);
  });

  it('creates budget, search campaign, geo targets, ad group, responsive search ad and keywords in one atomic mutation', async () => {
    const ads = account();
    expect(ads.info).toEqual({ name: 'google_ads', offline: false, account: 'google_ads' });
    const { campaignId } = await ads.createCampaign(spec());
    expect(campaignId).toMatch(/^\d+$/);

    expect(fake.queries.slice(0, 2)).toEqual([
      "SELECT campaign.id, campaign.name, campaign.status FROM campaign WHERE campaign.name = 'studio-idea-1-a1' AND campaign.status != 'REMOVED' LIMIT 1",
      'SELECT customer.id, customer.time_zone FROM customer LIMIT 1',
    ]);
    expect(fake.mutations).toHaveLength(1);
    const [mutation] = fake.mutations;
    expect(mutation).toMatchObject({ method: 'GoogleAdsService.mutate', customerId: '1234567890', loginCustomerId: '9876543210' });
    const ops = mutation!.operations;
    const kinds = ops.map((op) => Object.keys(op)[0]);
    expect(kinds).toEqual([
      'campaign_budget_operation',
      'campaign_operation',
      'campaign_criterion_operation',
      'campaign_criterion_operation',
      'campaign_criterion_operation',
      'ad_group_operation',
      'ad_group_ad_operation',
      ...Array(5).fill('ad_group_criterion_operation'),
    ]);
    const created = <T = Record<string, unknown>>(i: number) => (Object.values(ops[i]!)[0] as { create: T }).create;

    expect(created(0)).toEqual({ resource_name: 'customers/1234567890/campaignBudgets/-1', name: 'studio-idea-1-a1 budget', amount_micros: 3_571_428, delivery_method: 'STANDARD', explicitly_shared: false });
    expect(created(1)).toEqual({
      resource_name: 'customers/1234567890/campaigns/-2',
      name: 'studio-idea-1-a1',
      status: 'ENABLED',
      advertising_channel_type: 'SEARCH',
      campaign_budget: 'customers/1234567890/campaignBudgets/-1',
      maximize_conversions: {},
      network_settings: { target_google_search: true, target_search_network: false, target_content_network: false, target_partner_search_network: false },
      start_date_time: '2026-03-09 00:00:00',
      end_date_time: '2026-03-15 23:59:59',
      contains_eu_political_advertising: 'DOES_NOT_CONTAIN_EU_POLITICAL_ADVERTISING',
    });
    expect([2, 3, 4].map((i) => created(i))).toEqual(
      ['2840', '2124', '2826'].map((g) => ({ campaign: 'customers/1234567890/campaigns/-2', location: { geo_target_constant: `geoTargetConstants/${g}` } })),
    );
    expect(created(5)).toEqual({ resource_name: 'customers/1234567890/adGroups/-3', name: 'studio-idea-1-a1 ad group', campaign: 'customers/1234567890/campaigns/-2', status: 'ENABLED', type: 'SEARCH_STANDARD' });
    const ad = created<{ ad_group: string; status: string; ad: { final_urls: string[]; responsive_search_ad: { headlines: Array<{ text: string }>; descriptions: Array<{ text: string }> } } }>(6);
    expect(ad.ad_group).toBe('customers/1234567890/adGroups/-3');
    expect(ad.ad.final_urls).toEqual(['https://landing.example.com/pages/idea-1/landing.html']);
    const headlines = ad.ad.responsive_search_ad.headlines.map((h) => h.text);
    const descriptions = ad.ad.responsive_search_ad.descriptions.map((d) => d.text);
    expect(headlines).toEqual(['Bakery ordering', 'Order bread online today, fres', 'Join Early Access']);
    expect(headlines.every((h) => h.length <= 30)).toBe(true);
    expect(descriptions).toEqual(spec().descriptions);
    expect(descriptions.every((d) => d.length <= 90)).toBe(true);
    expect(ops.slice(7).map((op) => created(ops.indexOf(op)))).toEqual(
      spec().keywords.map((text) => ({ ad_group: 'customers/1234567890/adGroups/-3', status: 'ENABLED', keyword: { text, match_type: 'PHRASE' } })),
    );

    const stored = fake.campaigns.get(campaignId)!;
    expect(stored).toMatchObject({ name: 'studio-idea-1-a1', status: 'ENABLED', startDate: '2026-03-09', endDate: '2026-03-15', budgetMicros: 3_571_428 });
  });

  it('is idempotent by name: the same spec returns the same campaign and sends no second mutation, also from a fresh process', async () => {
    const first = await account().createCampaign(spec({ name: "studio-o'brien-a1" }));
    const mutations = fake.mutations.length;
    const again = await account().createCampaign(spec({ name: "studio-o'brien-a1" }));
    expect(again).toEqual(first);
    expect(fake.mutations.length).toBe(mutations);
    expect(fake.queries.at(-1)).toContain("WHERE campaign.name = 'studio-o\\'brien-a1'");
  });

  it('a create whose answer was lost (UNAVAILABLE after the server applied it) is retryable, and the retry finds it instead of creating another', async () => {
    const ads = account();
    const original = fake.hooks.onMutationStart!;
    fake.hooks.onMutationStart = async (args) => {
      await original(args);
      fake.hooks.onMutationStart = original;
      throw Object.assign(new Error('14 UNAVAILABLE: Connection reset by peer'), { code: 14, details: 'Connection reset by peer' });
    };
    const error = await ads.createCampaign(spec({ name: 'studio-lost-a1' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'google_ads', retryable: true, status: 503 });
    const count = [...fake.campaigns.values()].filter((c) => c.name === 'studio-lost-a1').length;
    expect(count).toBe(1);
    const mutations = fake.mutations.length;
    const { campaignId } = await ads.createCampaign(spec({ name: 'studio-lost-a1' }));
    expect(fake.campaigns.get(campaignId)?.name).toBe('studio-lost-a1');
    expect(fake.mutations.length).toBe(mutations);
  });

  it('refuses a landing page that is not a public URL, naming the setting, before sending anything', async () => {
    const mutations = fake.mutations.length;
    const error = await account({ landingBaseUrl: undefined }).createCampaign(spec({ name: 'studio-nourl-a1' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ provider: 'google_ads', retryable: false, message: expect.stringMatching(/not a public http\(s\) URL; set GOOGLE_ADS_LANDING_BASE_URL/) });
    expect(fake.mutations.length).toBe(mutations);
    // a public URL is used as it is
    const { campaignId } = await account({ landingBaseUrl: undefined }).createCampaign(spec({ name: 'studio-public-a1', finalUrl: 'https://example.org/p' }));
    expect(fake.campaigns.get(campaignId)?.finalUrls).toEqual(['https://example.org/p']);
  });

  it('two processes creating the same campaign at once end with one campaign (the loser of the race finds the winner\'s)', async () => {
    const [a, b] = await Promise.all([account().createCampaign(spec({ name: 'studio-race-a1' })), account().createCampaign(spec({ name: 'studio-race-a1' }))]);
    expect(a).toEqual(b);
    expect([...fake.campaigns.values()].filter((c) => c.name === 'studio-race-a1')).toHaveLength(1);
    // both sent the mutation: one was refused as a duplicate name
    expect(fake.mutations.filter((m) => m.operations.some((op) => op.campaign_operation?.create?.name === 'studio-race-a1'))).toHaveLength(2);
  });

  it('pauses and enables with a campaign status update (update mask: status; the library adds resource_name)', async () => {
    const ads = account();
    const { campaignId } = await ads.createCampaign(spec({ name: 'studio-pause-a1' }));
    await ads.pause(campaignId);
    expect(fake.campaigns.get(campaignId)!.status).toBe('PAUSED');
    await ads.enable(campaignId);
    expect(fake.campaigns.get(campaignId)!.status).toBe('ENABLED');
    const updates = fake.mutations.filter((m) => m.method === 'CampaignService.mutateCampaigns');
    expect(updates.slice(-2).map((m) => [m.operations[0]!.update, m.updateMasks])).toEqual([
      [{ resource_name: `customers/1234567890/campaigns/${campaignId}`, status: 'PAUSED' }, [['resource_name', 'status']]],
      [{ resource_name: `customers/1234567890/campaigns/${campaignId}`, status: 'ENABLED' }, [['resource_name', 'status']]],
    ]);
    await expect(ads.pause('sim:abc:1:2')).rejects.toThrow(/not a Google Ads id/);
  });

  it('reads one day of metrics by GAQL once the day is over (null for today), rounding conversions down', async () => {
    const { campaignId } = await account().createCampaign(spec({ name: 'studio-metrics-a1', days: 3 }));
    fake.daily = (_c, day) => ({ impressions: 1000 * day, clicks: 30 + day, costMicros: 1_234_567 * day, conversions: 2.7 });
    // a fresh instance (a restarted process) reads the start date once, then caches it
    const ads = account();
    fake.queries.length = 0;
    expect(await ads.metrics(campaignId, 1)).toBeNull();
    expect(fake.queries.some((q) => q.includes('segments.date'))).toBe(false);

    clock.advance(DAY); // 10 March in Los Angeles: day 1 (9 March) is complete
    expect(await ads.metrics(campaignId, 1)).toEqual({ day: 1, impressions: 1000, clicks: 31, conversions: 2, costMicros: 1_234_567 });
    expect(await ads.metrics(campaignId, 2)).toBeNull();
    clock.advance(2 * DAY);
    expect(await ads.metrics(campaignId, 2)).toEqual({ day: 2, impressions: 2000, clicks: 32, conversions: 2, costMicros: 2_469_134 });
    expect(fake.queries.filter((q) => q.includes('campaign.start_date_time'))).toEqual([`SELECT campaign.id, campaign.start_date_time, campaign.status FROM campaign WHERE campaign.id = ${campaignId}`]);
    expect(fake.queries.filter((q) => q.includes('segments.date'))).toEqual([
      `SELECT campaign.id, segments.date, metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions FROM campaign WHERE campaign.id = ${campaignId} AND segments.date = '2026-03-09'`,
      `SELECT campaign.id, segments.date, metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions FROM campaign WHERE campaign.id = ${campaignId} AND segments.date = '2026-03-10'`,
    ]);
    // a day without a row (the ads did not serve) is a day of zeros
    fake.daily = () => ({ impressions: 0, clicks: 0, costMicros: 0, conversions: 0 });
    expect(await ads.metrics(campaignId, 3)).toEqual({ day: 3, impressions: 0, clicks: 0, conversions: 0, costMicros: 0 });
    await expect(ads.metrics('99999', 1)).rejects.toMatchObject({ provider: 'google_ads', status: 404, retryable: false });
  });

  const cases: Array<[FaultKind, boolean, number | undefined, RegExp]> = [
    ['RESOURCE_EXHAUSTED', true, 429, /quota_error\.RESOURCE_EXHAUSTED .*\[request req-quota\]; rate limited by Google Ads; it will be retried later/],
    ['UNAVAILABLE', true, 503, /gRPC UNAVAILABLE: .*it will be retried later/],
    ['DEADLINE_EXCEEDED', true, 504, /gRPC DEADLINE_EXCEEDED/],
    ['HTTP_503', true, 503, /HTTP 503: .*it will be retried later/],
    ['UNAUTHENTICATED', false, 401, /authentication_error\.AUTHENTICATION_ERROR .*check GOOGLE_ADS_CLIENT_ID, GOOGLE_ADS_CLIENT_SECRET and GOOGLE_ADS_REFRESH_TOKEN/],
    ['INVALID_GRANT', false, 401, /OAuth token refresh was refused \(invalid_grant: Token has been expired or revoked\.\); check GOOGLE_ADS_REFRESH_TOKEN/],
    ['PERMISSION_DENIED', false, 403, /authorization_error\.DEVELOPER_TOKEN_NOT_APPROVED .*check GOOGLE_ADS_DEVELOPER_TOKEN/],
    ['INVALID_ARGUMENT', false, 400, /field_error\.REQUIRED .*Google Ads refused the request/],
  ];
  it.each(cases)('maps %s into a ProviderError (retryable %s, status %s) that says what to do and shows no secret', async (kind, retryable, status, pattern) => {
    const ads = account();
    const leaky = `failed for ${SECRETS.refreshToken} with developer-token ${SECRETS.developerToken} and secret ${SECRETS.clientSecret}`;
    fake.failNext(kind, { on: 'query', message: kind === 'INVALID_GRANT' ? `invalid_grant: ${leaky}` : leaky });
    const error = (await ads.metrics('20000000001', 1).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'google_ads', retryable, status });
    expect(error.message).toMatch(/^google_ads: reading campaign 20000000001 failed/);
    expect(error.message).toMatch(pattern);
    for (const secret of Object.values(SECRETS)) expect(error.message).not.toContain(secret);
    if (kind !== 'INVALID_GRANT') expect(error.message).toContain('[REDACTED]');
  });

  it('a failed mutation is mapped too; the campaign is created by the retry', async () => {
    const ads = account();
    fake.failNext('RESOURCE_EXHAUSTED', { on: 'mutation' });
    await expect(ads.createCampaign(spec({ name: 'studio-quota-a1' }))).rejects.toMatchObject({ provider: 'google_ads', retryable: true, status: 429 });
    expect([...fake.campaigns.values()].some((c) => c.name === 'studio-quota-a1')).toBe(false);
    const { campaignId } = await ads.createCampaign(spec({ name: 'studio-quota-a1' }));
    expect(fake.campaigns.get(campaignId)?.name).toBe('studio-quota-a1');
  });

  it('the health probe: HEALTHY with latency, WARNING when slow or rate limited, CRITICAL on refused credentials or no answer', async () => {
    const probe = (over: { slowMs?: number; timeoutMs?: number } = {}) => createGoogleAdsProbe({ ...CREDS, hooks: fake.hooks, ...over });
    const signal = new AbortController().signal;
    fake.queries.length = 0;
    const ok = await probe().probe(signal);
    expect(ok).toMatchObject({ name: 'google_ads', level: 'HEALTHY', reason: 'ok', details: { customerId: '1234567890' } });
    expect(typeof ok.latencyMs).toBe('number');
    expect(fake.queries).toEqual([PROBE_GAQL]);

    fake.queryDelayMs = 60;
    expect(await probe({ slowMs: 20 }).probe(signal)).toMatchObject({ level: 'WARNING', reason: expect.stringMatching(/answered in \d+ ms \(slow\)/) });
    const timedOut = await probe({ timeoutMs: 20 }).probe(signal);
    expect(timedOut).toMatchObject({ level: 'CRITICAL', reason: expect.stringMatching(/DEADLINE_EXCEEDED: no answer within 20 ms/) });
    fake.queryDelayMs = 0;

    fake.failNext('RESOURCE_EXHAUSTED');
    expect(await probe().probe(signal)).toMatchObject({ level: 'WARNING', reason: expect.stringMatching(/rate limited/), details: { status: 429, retryable: true } });
    fake.failNext('INVALID_GRANT', { message: `invalid_grant ${SECRETS.refreshToken}` });
    const refused = await probe().probe(signal);
    expect(refused).toMatchObject({ level: 'CRITICAL', reason: expect.stringMatching(/check GOOGLE_ADS_REFRESH_TOKEN/) });
    expect(JSON.stringify(refused)).not.toContain(SECRETS.refreshToken);
    fake.failNext('PERMISSION_DENIED');
    expect(await probe().probe(signal)).toMatchObject({ level: 'CRITICAL', details: { status: 403 } });
  });
});

describe('Google Ads settings', () => {
  const env = { STUDIO_HOME: '/tmp/studio-gads-config', GOOGLE_ADS_DEVELOPER_TOKEN: SECRETS.developerToken };
  it('a developer token without the rest stops config loading with one line naming what is missing', () => {
    const load = (extra: Record<string, string>) => () => loadConfig({ env: { ...env, ...extra }, dotenv: false });
    expect(load({})).toThrow(ConfigError);
    expect(load({})).toThrow(/^config: GOOGLE_ADS_DEVELOPER_TOKEN is set but GOOGLE_ADS_CLIENT_ID, GOOGLE_ADS_CLIENT_SECRET, GOOGLE_ADS_REFRESH_TOKEN, GOOGLE_ADS_CUSTOMER_ID, GOOGLE_ADS_LANDING_BASE_URL are not; set them, or unset the token/);
    const almost = { GOOGLE_ADS_CLIENT_ID: CREDS.clientId, GOOGLE_ADS_CLIENT_SECRET: SECRETS.clientSecret, GOOGLE_ADS_CUSTOMER_ID: '123-456-7890', GOOGLE_ADS_LANDING_BASE_URL: 'https://landing.example.com' };
    expect(load(almost)).toThrow(/but GOOGLE_ADS_REFRESH_TOKEN is not; set it/);
    let message = '';
    try {
      load(almost)();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain(SECRETS.developerToken);
    const config = load({ ...almost, GOOGLE_ADS_REFRESH_TOKEN: SECRETS.refreshToken })();
    expect(config.googleAds).toMatchObject({ customerId: '1234567890', landingBaseUrl: 'https://landing.example.com' });
    expect(buildProviders(config).ads.info).toEqual({ name: 'google_ads', offline: false, account: 'google_ads' });
    expect(buildProviders(loadConfig({ env: { STUDIO_HOME: env.STUDIO_HOME }, dotenv: false })).ads.info).toMatchObject({ name: 'simulated-ads', offline: true });
  });
});

describe('studio health with a Google Ads account configured (built CLI)', () => {
  it('loads the library on demand, tries the real OAuth refresh (through a proxy that refuses: no traffic leaves the machine) and reports CRITICAL without secrets', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const home = await embeddedHomeFromTemplate('studio-gads-health-');
    const proxy = 'http://127.0.0.1:1';
    // loading the library takes seconds on a loaded machine: the probe's 5 s default ran out there (a
    // timeout, not the refused connection this is about)
    const result = await runCli(['health', '--json'], { env: { STUDIO_HOME: home, EMBEDDING_DIM: String(TEST_EMBEDDING_DIM), HEALTH_PROBE_TIMEOUT: '30s', ...adsEnv, HTTPS_PROXY: proxy, https_proxy: proxy, HTTP_PROXY: proxy, http_proxy: proxy, NO_PROXY: '', no_proxy: '' } });
    const report = parseJson<{ services: Array<{ name: string; level: string; offline?: boolean; reason: string; details?: Record<string, unknown> }> }>(result);
    const ads = report.services.find((s) => s.name === 'google_ads');
    expect(ads).toMatchObject({ level: 'CRITICAL', reason: expect.stringMatching(/^google_ads: the health probe could not reach Google Ads \(ECONNREFUSED\)/), details: { customerId: '1234567890', retryable: true } });
    expect(ads?.offline).toBeFalsy();
    for (const secret of Object.values(SECRETS)) expect(result.stdout + result.stderr).not.toContain(secret);
  });
});

describe('studio with a half-configured Google Ads account (built CLI)', () => {
  it('`studio config` stops with exit 2 and one line naming the missing settings, without the token', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'studio-gads-'));
    const result = await runCli(['config'], { env: { STUDIO_HOME: home, GOOGLE_ADS_DEVELOPER_TOKEN: SECRETS.developerToken, GOOGLE_ADS_CUSTOMER_ID: '123-456-7890' } });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'studio: config: GOOGLE_ADS_DEVELOPER_TOKEN is set but GOOGLE_ADS_CLIENT_ID, GOOGLE_ADS_CLIENT_SECRET, GOOGLE_ADS_REFRESH_TOKEN, GOOGLE_ADS_LANDING_BASE_URL are not; set them, or unset the token to use the simulated ads account',
    ]);
    expect(result.stdout + result.stderr).not.toContain(SECRETS.developerToken);
  });
});

const adsEnv = {
  GOOGLE_ADS_DEVELOPER_TOKEN: SECRETS.developerToken,
  GOOGLE_ADS_CLIENT_ID: CREDS.clientId,
  GOOGLE_ADS_CLIENT_SECRET: SECRETS.clientSecret,
  GOOGLE_ADS_REFRESH_TOKEN: SECRETS.refreshToken,
  GOOGLE_ADS_CUSTOMER_ID: CREDS.customerId,
  GOOGLE_ADS_LANDING_BASE_URL: 'https://landing.example.com',
};

const jobContext = (): JobContext => ({ signal: new AbortController().signal, logger: silentLogger(), scheduledFor: new Date(), attempt: 1, manual: true, progress: () => undefined });

describeEachEngine(
  'SMOKE_TEST on the Google Ads account (real library, fake account)',
  (t) => {
    let fake: FakeGoogleAds;
    const clock = createManualClock(new Date('2026-06-01T12:00:00Z'));
    beforeAll(async () => {
      fake = await createFakeGoogleAds({ clock, customerId: CREDS.customerId });
      fake.daily = (_c, day) => ({ impressions: 400 + day, clicks: 12, costMicros: 1_500_000 + day * 10_000, conversions: 1.5 });
    });

    const deps = () => {
      const base = pipelineDeps(t.db, { ...t.config, paths: { ...t.config.paths, artifacts: join(t.home, 'artifacts') } }, {
        pipeline: { retryBaseMs: 1, maxRetries: 1, smokeTestDays: 2 },
        budget: { totalCents: 20_000, categories: { ...t.config.budget.categories, google_ads: 10_000 } },
      });
      return { ...base, providers: buildProviders(base.config, silentLogger(), { googleAds: { hooks: fake.hooks, clock } }) };
    };

    const ledger = async (ideaId: string) =>
      (await t.db.query<{ service: string; operation: string; amount_cents: string; state: string }>(
        `select service, operation, amount_cents::text, state from spend_ledger where idea_id = $1 and category = 'google_ads' order by created_at`,
        [ideaId],
      )).rows;

    it('the health checks include the Google Ads probe (and no offline stand-in for it) when the account is configured', async () => {
      const d = deps();
      const app = { config: d.config, db: t.db, clock: systemClock, budget: d.budget } as unknown as App;
      expect((await extraHealthProbes(app)).map((p) => p.name)).toContain('google_ads');
      expect(createOfflineProviderProbes(d.config).map((p) => p.name)).not.toContain('google_ads');
      const offline = { ...d.config, googleAds: {} };
      expect((await extraHealthProbes({ ...app, config: offline } as App)).map((p) => p.name)).not.toContain('google_ads');
      expect(createOfflineProviderProbes(offline).map((p) => p.name)).toContain('google_ads');
    });

    it('reserves the campaign budget at creation, waits for the days, settles to the reported cost; pause-all at CRITICAL sends the pause mutations', async () => {
      const d = deps();
      expect(d.providers.ads.info).toEqual({ name: 'google_ads', offline: false, account: 'google_ads' });
      await d.budget.reset({ operator: { user: 'tester' }, reason: 'google ads e2e', confirm: true });
      await ingestEvidence({ db: t.db, embedder: d.providers.embedder, budget: d.budget }, [writeBakeryCorpus(join(t.home, 'corpus'))]);
      const [created] = await submitIdeas(d, [{ input: bakeryIdea(31), label: 'a' }], { force: true });
      const id = created!.id!;
      const run = () => createOrchestrator(d).run({ workers: 1, untilIdle: true });

      // day 1 has only begun: the campaign is created and the stage waits
      await run();
      let idea = await getIdea(t.db, id);
      expect(idea?.currentStage, JSON.stringify(idea)).toBe('SMOKE_TEST');
      const campaign = (await latestCampaign(t.db, id))!;
      expect(campaign).toMatchObject({ account: 'google_ads', status: 'ENABLED', daysReported: 0, budgetMicros: 25_000_000, dailyBudgetMicros: 12_500_000, days: 2 });
      const remote = fake.campaigns.get(campaign.externalId)!;
      expect(remote).toMatchObject({ name: `studio-${id}-a1`, status: 'ENABLED', startDate: '2026-06-01', endDate: '2026-06-02', budgetMicros: 12_500_000 });
      expect(remote.finalUrls).toEqual([`https://landing.example.com/${id}/landing.html`]);
      expect(existsSync(join(t.home, 'artifacts', id, 'landing.html'))).toBe(true);
      expect(remote.headlines.every((h) => h.length <= 30) && remote.descriptions.every((x) => x.length <= 90)).toBe(true);
      expect(remote.keywords).toHaveLength(5);
      expect(await ledger(id)).toEqual([{ service: 'google_ads', operation: 'campaign.create', amount_cents: '2500', state: 'reserved' }]);
      // held for the campaign's days (2) and two more, not for a call's 10-minute lease that the reaper would lapse
      const { rows: hold } = await t.db.query<{ days: number }>(
        `select extract(epoch from (lease_until - now())) / 86400 as days from spend_ledger where idea_id = $1 and category = 'google_ads' and state = 'reserved'`,
        [id],
      );
      expect(Number(hold[0]!.days)).toBeGreaterThan(3.9);
      expect(await d.budget.reapExpired()).toBe(0);

      // next day: the metrics query fails transiently; the running campaign makes the stage wait, not fail
      clock.advance(DAY);
      await makeDue(t.db, id, 'SMOKE_TEST');
      fake.failNext('UNAVAILABLE', { on: 'query' });
      const failedPull = await createOrchestrator(d).run({ workers: 1, untilIdle: true, timeBudgetMs: 5_000 });
      expect(failedPull.byOutcome).toMatchObject({ waiting: 1 });
      expect(failedPull.byOutcome.retry ?? 0).toBe(0);
      idea = await getIdea(t.db, id);
      expect(idea).toMatchObject({ currentStage: 'SMOKE_TEST', attempt: 1 });
      const { rows: failedRuns } = await t.db.query(`select 1 from stage_runs where idea_id = $1 and state in ('failed', 'error')`, [id]);
      expect(failedRuns).toEqual([]);

      // then day 1 arrives, day 2 is still running: day 1's cost moves from the hold to spent as it arrives
      await makeDue(t.db, id, 'SMOKE_TEST');
      await run();
      expect((await latestCampaign(t.db, id))!).toMatchObject({ daysReported: 1, costMicros: 1_510_000, conversions: 1 });
      expect(await ledger(id)).toEqual([
        { service: 'google_ads', operation: 'campaign.create', amount_cents: '2349', state: 'reserved' },
        { service: 'google_ads', operation: 'campaign.day', amount_cents: '151', state: 'settled' },
      ]);
      expect((await d.budget.snapshot()).categories.google_ads).toMatchObject({ spentCents: 151, reservedCents: 2349 });
      expect((await getIdea(t.db, id))?.currentStage).toBe('SMOKE_TEST');

      // the day after: day 2 arrives, the stage completes and settles to the reported cost
      clock.advance(DAY);
      await makeDue(t.db, id, 'SMOKE_TEST');
      await run();
      idea = await getIdea(t.db, id);
      expect(idea?.currentStage, JSON.stringify(idea)).toBe('COMPLETE');
      const smoke = JSON.parse(readFileSync(join(t.home, 'artifacts', id, 'smoke-test.json'), 'utf8'));
      expect(smoke).toMatchObject({ account: 'google_ads', offline: false, campaignId: campaign.externalId, impressions: 401 + 402, clicks: 24, conversions: 2, cost: 3.03, daysActive: 2 });
      // day 2 spent as it arrived too; the hold settles to what is left of the reported total (nothing): 303 in all
      expect(await ledger(id)).toEqual([
        { service: 'google_ads', operation: 'campaign.create', amount_cents: '0', state: 'settled' },
        { service: 'google_ads', operation: 'campaign.day', amount_cents: '151', state: 'settled' },
        { service: 'google_ads', operation: 'campaign.day', amount_cents: '152', state: 'settled' },
      ]);
      expect((await d.budget.snapshot()).categories.google_ads).toMatchObject({ spentCents: 303, reservedCents: 0 });

      // a second campaign is running when google_ads goes CRITICAL: the hourly job pauses it at Google
      const [second] = await submitIdeas(d, [{ input: bakeryIdea(32), label: 'b' }], { force: true });
      await run();
      const running = (await latestCampaign(t.db, second!.id!))!;
      expect(running.status).toBe('ENABLED');
      await d.budget.record({ category: 'google_ads', service: 'google_ads', operation: 'invoice', amountCents: 6_900, idempotencyKey: `invoice-${t.engine}`, critical: true });
      expect((await d.budget.snapshot()).categories.google_ads.level).toBe('CRITICAL');
      const paused = fake.statusChanges().length;
      const result = await createPipelineJobs(d)[1]!.run(jobContext());
      expect(result).toEqual({ paused: 1, level: 'CRITICAL' });
      expect(fake.statusChanges().slice(paused)).toEqual([[running.externalId, 'PAUSED']]);
      expect(fake.campaigns.get(running.externalId)!.status).toBe('PAUSED');
      expect((await latestCampaign(t.db, second!.id!))!).toMatchObject({ status: 'PAUSED', pausedReason: 'google_ads budget CRITICAL' });
    });

    it('the charge that takes google_ads to CRITICAL pauses the running campaigns at once, without waiting for the hourly job', async () => {
      const d = deps();
      await d.budget.reset({ operator: { user: 'tester' }, reason: 'instant pause', confirm: true });
      const [created] = await submitIdeas(d, [{ input: bakeryIdea(33), label: 'c' }], { force: true });
      await createOrchestrator(d).run({ workers: 1, untilIdle: true });
      const running = (await latestCampaign(t.db, created!.id!))!;
      expect(running.status).toBe('ENABLED');

      // the sentinel the app builds: its level-crossing listener pauses campaigns
      const brake = pauseOnBudgetLevel({ db: t.db, ads: d.providers.ads, logger: silentLogger() });
      const sentinel = createSentinel({ db: t.db, config: d.config, clock: systemClock, logger: silentLogger(), onLevelCrossed: brake.onLevelCrossed });
      const before = fake.statusChanges().length;
      await sentinel.record({ category: 'google_ads', service: 'google_ads', operation: 'invoice', amountCents: 7_000, idempotencyKey: `instant-${t.engine}`, critical: true });
      await brake.idle();
      expect(fake.statusChanges().slice(before)).toEqual([[running.externalId, 'PAUSED']]);
      expect((await latestCampaign(t.db, created!.id!))!).toMatchObject({ status: 'PAUSED', pausedReason: 'google_ads budget CRITICAL' });
    });
  },
  adsEnv,
);

describeEachEngine(
  'a batch of ideas through SMOKE_TEST with 30% of Google Ads calls failing (real library, fake account)',
  (t) => {
    it('every idea completes with exactly one campaign; what was settled is what the account reported', async () => {
      const clock = createManualClock(new Date('2026-07-01T12:00:00Z'));
      const fake = await createFakeGoogleAds({ clock, customerId: CREDS.customerId });
      fake.daily = (c, day) => ({ impressions: 300 + day, clicks: 9, costMicros: 1_000_000 + (Number(c.id) % 7) * 100_000 + day * 10_000, conversions: 0.9 + day });
      const base = pipelineDeps(t.db, { ...t.config, paths: { ...t.config.paths, artifacts: join(t.home, 'artifacts') } }, {
        pipeline: { retryBaseMs: 1, maxRetries: 12, smokeTestDays: 2 },
        budget: { totalCents: 20_000, categories: { ...t.config.budget.categories, google_ads: 10_000 } },
      });
      const d = { ...base, providers: buildProviders(base.config, silentLogger(), { googleAds: { hooks: fake.hooks, clock } }) };
      await d.budget.reset({ operator: { user: 'tester' }, reason: 'google ads fault run', confirm: true });
      await ingestEvidence({ db: t.db, embedder: d.providers.embedder, budget: d.budget }, [writeBakeryCorpus(join(t.home, 'corpus'))]);
      const ids = (await submitIdeas(d, [41, 42, 43].map((n) => ({ input: bakeryIdea(n), label: String(n) })), { force: true })).map((o) => o.id!);

      fake.chaos({ rate: 0.3, seed: 2026, kinds: ['RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'HTTP_503'] });
      for (let round = 0; round < 6; round++) {
        await createOrchestrator(d).run({ workers: 1, untilIdle: true });
        const stages = await Promise.all(ids.map(async (id) => (await getIdea(t.db, id))!.currentStage));
        if (stages.every((s) => s === 'COMPLETE')) break;
        clock.advance(DAY);
        for (const id of ids) await makeDue(t.db, id, 'SMOKE_TEST');
      }
      fake.chaos(null);

      // the faults happened, lost answers of campaign creations among them
      expect(fake.injected.length).toBeGreaterThanOrEqual(3);
      expect(fake.injected.some((f) => f.on === 'mutation' && f.applied)).toBe(true);
      let settled = 0;
      for (const id of ids) {
        const idea = (await getIdea(t.db, id))!;
        expect(idea.currentStage, JSON.stringify(idea)).toBe('COMPLETE');
        const campaigns = [...fake.campaigns.values()].filter((c) => c.name === `studio-${id}-a1`);
        expect(campaigns).toHaveLength(1);
        const reported = [1, 2].reduce((sum, day) => sum + fake.daily(campaigns[0]!, day).costMicros, 0);
        const rows = await ledger(t, id);
        // each reported day spent from the hold as it arrived, the hold settled to the rest: they add up to the report
        expect(rows.every((r) => r.state === 'settled' && (r.operation === 'campaign.create' || r.operation === 'campaign.day'))).toBe(true);
        expect(rows.filter((r) => r.operation === 'campaign.create')).toHaveLength(1);
        expect(rows.reduce((sum, r) => sum + Number(r.amount_cents), 0)).toBe(Math.round(reported / 10_000));
        settled += Math.round(reported / 10_000);
      }
      const snapshot = await d.budget.snapshot();
      expect(snapshot.categories.google_ads).toMatchObject({ spentCents: settled, reservedCents: 0 });
    });
  },
  adsEnv,
);

async function ledger(t: { db: { query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }> } }, ideaId: string) {
  return (await t.db.query<{ service: string; operation: string; amount_cents: string; state: string }>(
    `select service, operation, amount_cents::text, state from spend_ledger where idea_id = $1 and category = 'google_ads' order by created_at`,
    [ideaId],
  )).rows;
}
