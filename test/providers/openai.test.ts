import { readFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/core/errors.js';
import type { EvidenceItem, IdeaBrief } from '../../src/core/providers.js';
import { createOpenAiEmbedder, createOpenAiProbe, createOpenAiTextGenerator } from '../../src/providers/openai/index.js';
import { buildProviders } from '../../src/app/app.js';
import { costCents } from '../../src/pipeline/budget/pricing.js';
import { submitIdeas } from '../../src/pipeline/ideas/intake.js';
import { ingestEvidence } from '../../src/pipeline/evidence/ingest.js';
import { createOrchestrator } from '../../src/pipeline/orchestrator.js';
import { getIdea } from '../../src/storage/ideas.js';
import { describeEachEngine, embeddedHomeFromTemplate, TEST_EMBEDDING_DIM } from '../helpers/db.js';
import { CLI_TEST_TIMEOUT, parseJson, runCli } from '../helpers/cli.js';
import { bakeryIdea, pipelineDeps, writeBakeryCorpus } from '../helpers/pipeline.js';
import { startFakeOpenAi, FAKE_ANSWERS, type FakeOpenAi } from '../helpers/fake-openai.js';

const KEY = 'sk-test-SECRETSECRETSECRET0123456789';
const idea: IdeaBrief = { id: '00000000-0000-0000-0000-000000000001', title: 'Bakery ordering', description: 'Online ordering for bakeries', category: 'ecommerce', evidenceLinks: [] };
const research = FAKE_ANSWERS.research_summary as { summary: string; marketSize: string; risks: string[] };

describe('the OpenAI provider through the real SDK against a fake server', () => {
  let fake: FakeOpenAi;
  beforeAll(async () => {
    fake = await startFakeOpenAi();
  });
  afterAll(() => fake.close());
  const text = (over: { maxRetries?: number; timeoutMs?: number } = {}) =>
    createOpenAiTextGenerator({ apiKey: KEY, baseURL: fake.url, model: 'gpt-4o-mini', cheapModel: 'gpt-4.1-nano', maxRetries: 2, timeoutMs: 5000, ...over });

  it('asks each method for its strict JSON schema and returns the validated answer with the reported usage', async () => {
    const gen = text();
    fake.requests.length = 0;
    const summary = await gen.summarizeResearch({ idea, evidence: [] as EvidenceItem[] });
    expect(summary).toMatchObject({ value: FAKE_ANSWERS.research_summary, model: 'gpt-4o-mini', offline: false, usage: { inputTokens: 20_000, cachedInputTokens: 4_000, outputTokens: 10_000 } });
    const deck = await gen.writeDeck({ idea, research, evidence: [] }, { model: 'gpt-4.1-nano' });
    expect(deck.model).toBe('gpt-4.1-nano');
    expect(deck.value.slides).toHaveLength(10);
    expect((await gen.scoreInvestors({ idea, research, deckMarkdown: '# deck', profile: 'angel' })).value.scores.team).toBe(0.9);
    expect((await gen.writeLanding({ idea, research })).value.headline).toBe('Order bread online');
    expect((await gen.writeAdCopy({ idea, landing: FAKE_ANSWERS.landing_copy as never })).value.keywords).toHaveLength(5);

    const chats = fake.requests.filter((r) => r.path === '/chat/completions');
    expect(chats.map((r) => (r.json!.response_format as { json_schema: { name: string } }).json_schema.name)).toEqual(['research_summary', 'deck', 'investor_scores', 'landing_copy', 'ad_copy']);
    const first = chats[0]!.json!;
    expect(first.model).toBe('gpt-4o-mini');
    expect(chats[1]!.json!.model).toBe('gpt-4.1-nano');
    expect(first.response_format).toMatchObject({ type: 'json_schema', json_schema: { strict: true, schema: { type: 'object', additionalProperties: false, required: ['summary', 'marketSize', 'risks'] } } });
    expect(chats[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.stringify((chats[2]!.json!.messages as unknown[])[1])).toContain('angel');
  });

  it('embeds a batch in one call, decoding the default base64 float32 answer into unit vectors of the configured size', async () => {
    fake.vectorFor = (t, d) => Array.from({ length: d }, (_, i) => (i === t.length % d ? 3 : i === 0 ? 4 : 0));
    const embedder = createOpenAiEmbedder({ apiKey: KEY, baseURL: fake.url, model: 'text-embedding-3-small', dimensions: 16 });
    fake.requests.length = 0;
    const out = await embedder.embed(['abc', 'abcdefg']);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.json).toMatchObject({ model: 'text-embedding-3-small', input: ['abc', 'abcdefg'], dimensions: 16, encoding_format: 'base64' });
    expect(out.vectors).toHaveLength(2);
    expect(out.vectors[0]).toHaveLength(16);
    // (4 at 0, 3 at 3) normalised is (0.8, 0.6); (4 at 0, 3 at 7) likewise
    expect(out.vectors[0]![0]).toBeCloseTo(0.8, 6);
    expect(out.vectors[0]![3]).toBeCloseTo(0.6, 6);
    expect(out.vectors[1]![7]).toBeCloseTo(0.6, 6);
    expect(out.vectors[1]![3]).toBe(0);
    expect(out).toMatchObject({ model: 'text-embedding-3-small', offline: false, usage: { inputTokens: 1 + 2 } });
    expect(embedder.fullRelevanceAt).toBe(0.5);

    const wrong = createOpenAiEmbedder({ apiKey: KEY, baseURL: fake.url, model: 'text-embedding-3-small', dimensions: 16 });
    fake.vectorFor = () => [1, 0, 0];
    const error = await wrong.embed(['x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/3 dimensions, EMBEDDING_DIM is 16/);
  });

  it('retries a 429 with retry-after: 0 inside the SDK and succeeds', async () => {
    fake.requests.length = 0;
    fake.fail({ status: 429, headers: { 'retry-after': '0' } });
    const out = await text({ maxRetries: 2 }).writeLanding({ idea, research });
    expect(out.value.headline).toBe('Order bread online');
    expect(fake.requests).toHaveLength(2);
  });

  it('maps a 500 (no retries left) to a retryable ProviderError with status and request id, never showing the key', async () => {
    fake.fail({ status: 500, body: { error: { message: `upstream broke for key ${KEY}` } } });
    const error = await text({ maxRetries: 0 }).writeLanding({ idea, research }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    const e = error as ProviderError;
    expect(e).toMatchObject({ provider: 'openai', status: 500, retryable: true });
    expect(e.requestId).toMatch(/^req_fake_/);
    expect(e.message).toMatch(/^openai: landing copy \(gpt-4o-mini\) failed with HTTP 500/);
    expect(e.message).not.toContain(KEY);
    expect(e.message).not.toContain('SECRETSECRET');

    fake.fail({ status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}` } } });
    const denied = (await text({ maxRetries: 0 }).writeLanding({ idea, research }).catch((x: unknown) => x)) as ProviderError;
    expect(denied).toMatchObject({ status: 401, retryable: false });
    expect(denied.message).toContain('check OPENAI_API_KEY');
    expect(denied.message).not.toContain('SECRETSECRET');
  });

  it('a malformed answer (not JSON, or JSON off the schema) is asked again, and every billed answer is counted', async () => {
    // one malformed answer, then a good one: the call succeeds and reports the usage of both
    fake.fail({ content: '{"headline": "cut off' });
    const recovered = await text().writeLanding({ idea, research });
    expect(recovered.value.headline).toBe('Order bread online');
    expect(recovered.usage).toEqual({ inputTokens: 40_000, cachedInputTokens: 8_000, outputTokens: 20_000 });

    // malformed every time: a retryable ProviderError that carries what the tries were billed
    fake.fail({ content: '{"headline": "cut off' });
    const notJson = (await text({ maxRetries: 0 }).writeLanding({ idea, research }).catch((e: unknown) => e)) as ProviderError;
    expect(notJson).toBeInstanceOf(ProviderError);
    expect(notJson).toMatchObject({ retryable: true, provider: 'openai', billed: { model: 'gpt-4o-mini', inputTokens: 20_000, outputTokens: 10_000 } });
    expect(notJson.message).toMatch(/not JSON/);
    const offSchemaAnswer = { content: JSON.stringify({ headlines: ['a headline that is far too long for google ads'], descriptions: [], keywords: [] }) };
    fake.fail(offSchemaAnswer, offSchemaAnswer);
    const offSchema = (await text({ maxRetries: 1 }).writeAdCopy({ idea, landing: FAKE_ANSWERS.landing_copy as never }).catch((e: unknown) => e)) as ProviderError;
    expect(offSchema).toMatchObject({ retryable: true, billed: { inputTokens: 40_000, outputTokens: 20_000 } });
    expect(offSchema.message).toMatch(/does not match the schema \(headlines/);
  });

  it('a request slower than the timeout is a retryable ProviderError', async () => {
    // a server that accepts the connection and never answers
    const sockets: Socket[] = [];
    const mute = createNetServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    try {
      const port = (mute.address() as AddressInfo).port;
      const gen = createOpenAiTextGenerator({ apiKey: KEY, baseURL: `http://127.0.0.1:${port}/v1`, model: 'gpt-4o-mini', maxRetries: 0, timeoutMs: 200 });
      const error = (await gen.writeLanding({ idea, research }).catch((e: unknown) => e)) as ProviderError;
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ retryable: true, provider: 'openai' });
      expect(error.message).toMatch(/timed out/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }
  });

  it('the health probe retrieves the configured model and reports latency; a refused key is CRITICAL', async () => {
    fake.requests.length = 0;
    const probe = createOpenAiProbe({ apiKey: KEY, baseURL: fake.url, model: 'gpt-4o-mini' });
    const ok = await probe.probe(new AbortController().signal);
    expect(ok).toMatchObject({ name: 'openai', level: 'HEALTHY', reason: 'ok' });
    expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/models/gpt-4o-mini' });
    fake.fail({ status: 401, body: { error: { message: `bad key ${KEY}` } } });
    const bad = await probe.probe(new AbortController().signal);
    expect(bad.level).toBe('CRITICAL');
    expect(bad.reason).toContain('HTTP 401');
    expect(JSON.stringify(bad)).not.toContain('SECRETSECRET');
  });
});

describeEachEngine('the pipeline on the OpenAI provider (fake server)', (t) => {
  let fake: FakeOpenAi;
  beforeAll(async () => {
    fake = await startFakeOpenAi();
    // every text the same direction: the corpus is fully relevant to every idea
    fake.vectorFor = (_t, d) => Array.from({ length: d }, (_, i) => (i === 0 ? 1 : 0));
    fake.chatUsage = { prompt_tokens: 200_000, completion_tokens: 100_000, cached_tokens: 40_000 };
  });
  afterAll(() => fake.close());

  it('without a key the offline stand-ins are used', () => {
    const providers = buildProviders({ ...t.config, openai: { ...t.config.openai, apiKey: undefined } });
    expect(providers.text.info).toMatchObject({ name: 'offline-text', offline: true });
    expect(providers.embedder.info.offline).toBe(true);
  });

  it('takes an idea through RESEARCH and DECK with the fake model\'s answers and charges its reported usage', async () => {
    const config = { ...t.config, openai: { ...t.config.openai, apiKey: KEY, baseUrl: fake.url, maxRetries: 0 }, paths: { ...t.config.paths, artifacts: join(t.home, 'artifacts') } };
    const base = pipelineDeps(t.db, config, { pipeline: { retryBaseMs: 1, maxRetries: 0 } });
    const d = { ...base, providers: buildProviders(base.config) };
    expect(d.providers.text.info).toMatchObject({ name: 'openai', offline: false });
    expect(d.providers.embedder.info).toMatchObject({ name: 'openai', offline: false });
    await d.budget.reset({ operator: { user: 'tester' }, reason: 'openai e2e', confirm: true });
    await ingestEvidence({ db: t.db, embedder: d.providers.embedder, budget: d.budget }, [writeBakeryCorpus(join(t.home, 'corpus'))]);
    const [created] = await submitIdeas(d, [{ input: bakeryIdea(7), label: '7' }], { force: true });
    const id = created!.id!;
    await createOrchestrator(d).run({ workers: 1, untilIdle: true });

    const row = await getIdea(t.db, id);
    expect(row?.currentStage, JSON.stringify(row)).not.toMatch(/^(IDEATE|RESEARCH|DECK)$/);
    expect(readFileSync(join(t.home, 'artifacts', id, 'deck.md'), 'utf8')).toContain('FAKE-OPENAI deck');

    const chatNames = fake.requests.filter((r) => r.path === '/chat/completions').map((r) => (r.json!.response_format as { json_schema: { name: string } }).json_schema.name);
    expect(chatNames.slice(0, 2)).toEqual(['research_summary', 'deck']);

    const { rows } = await t.db.query<{ operation: string; service: string; amount_cents: string; state: string }>(
      `select operation, service, amount_cents::text, state from spend_ledger where idea_id = $1 and category = 'openai_tokens' order by created_at`,
      [id],
    );
    const perChat = costCents('gpt-4o-mini', { inputTokens: 200_000, cachedInputTokens: 40_000, outputTokens: 100_000 });
    expect(perChat).toBe(9);
    const summary = rows.find((r) => r.operation === 'research.summary');
    expect(summary).toMatchObject({ service: 'openai', state: 'settled', amount_cents: String(perChat) });
    const deckRows = rows.filter((r) => r.operation.startsWith('deck'));
    expect(deckRows.length).toBeGreaterThan(0);
    expect(deckRows.every((r) => r.service === 'openai' && r.state === 'settled')).toBe(true);
    expect(deckRows.some((r) => r.amount_cents === String(perChat))).toBe(true);
  });
});

describe('studio with OPENAI_API_KEY set (built CLI, embedded database)', () => {
  let fake: FakeOpenAi;
  let env: Record<string, string>;
  beforeAll(async () => {
    fake = await startFakeOpenAi();
    env = { STUDIO_HOME: await embeddedHomeFromTemplate('studio-openai-'), EMBEDDING_DIM: String(TEST_EMBEDDING_DIM), OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.url };
  });
  afterAll(() => fake.close());

  it('`studio health` probes OpenAI through the fake (HEALTHY, not offline) and prints no key', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const result = await runCli(['health', '--json'], { env });
    const report = parseJson<{ services: Array<{ name: string; level: string; offline?: boolean; latencyMs?: number }> }>(result);
    const openai = report.services.find((s) => s.name === 'openai');
    expect(openai).toMatchObject({ level: 'HEALTHY' });
    expect(openai?.offline).toBeFalsy();
    expect(typeof openai?.latencyMs).toBe('number');
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === '/models/gpt-4o-mini')).toBe(true);
    expect(result.stdout + result.stderr).not.toContain('SECRETSECRET');
  });
});
