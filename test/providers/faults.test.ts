/**
 * Fault runs: a batch of ideas through the whole pipeline on the real OpenAI SDK while the fake server
 * fails 30% of calls (429, 500, answers slower than the timeout, malformed JSON), after an outage that
 * opens the breaker. The batch completes, what the budget settled equals what the fake served (what the
 * real API would bill), and the breaker opened, refused without sending, and closed again.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildProviders } from '../../src/app/app.js';
import type { BreakerChange } from '../../src/providers/breaker.js';
import { costCents } from '../../src/pipeline/budget/pricing.js';
import { ingestEvidence } from '../../src/pipeline/evidence/ingest.js';
import { submitIdeas } from '../../src/pipeline/ideas/intake.js';
import { createOrchestrator } from '../../src/pipeline/orchestrator.js';
import { getIdea } from '../../src/storage/ideas.js';
import { describeEachEngine } from '../helpers/db.js';
import { bakeryIdea, pipelineDeps, writeBakeryCorpus } from '../helpers/pipeline.js';
import { startFakeOpenAi, type FakeOpenAi } from '../helpers/fake-openai.js';
import { seededRandom } from '../../src/providers/offline/hashing.js';

const KEY = 'sk-test-FAULTSECRET0123456789';

describeEachEngine('a fault run: 30% of OpenAI calls fail in every way', (t) => {
  let fake: FakeOpenAi;
  beforeAll(async () => {
    fake = await startFakeOpenAi();
    fake.vectorFor = (_t, d) => Array.from({ length: d }, (_, i) => (i === 0 ? 1 : 0));
    // 12 cents a chat on gpt-4o-mini, exactly: sums of calls compare without rounding
    fake.chatUsage = { prompt_tokens: 400_000, completion_tokens: 100_000, cached_tokens: 0 };
  });
  afterAll(() => fake.close());

  it('the batch completes, spend equals what was billed, and the breaker opens and closes', { timeout: 240_000 }, async () => {
    // the timeout is generous next to a normal answer (a few ms), so that an answer the fake completed is
    // one the client read, even on a loaded machine: only the slow faults time out
    const config = {
      ...t.config,
      openai: { ...t.config.openai, apiKey: KEY, baseUrl: fake.url, maxRetries: 2, timeoutMs: 1500 },
      providers: { breakerFailures: 3, breakerCooldownMs: 400 },
      paths: { ...t.config.paths, artifacts: join(t.home, 'artifacts') },
    };
    const base = pipelineDeps(t.db, config, { pipeline: { retryBaseMs: 1, maxRetries: 8, smokeTestBudgetCents: 500 } });
    const changes: Array<BreakerChange & { requests: number }> = [];
    const d = { ...base, providers: buildProviders(base.config, undefined, { onBreakerChange: (c) => changes.push({ ...c, requests: fake.requests.length }) }) };
    await d.budget.reset({ operator: { user: 'tester' }, reason: 'fault run', confirm: true });
    await ingestEvidence({ db: t.db, embedder: d.providers.embedder, budget: d.budget }, [writeBakeryCorpus(join(t.home, 'corpus'))]);
    const submitted = await submitIdeas(d, [1, 2, 3].map((n) => ({ input: bakeryIdea(40 + n + (t.engine === 'postgres' ? 10 : 0)), label: String(n) })), { force: true });
    const ids = submitted.map((s) => s.id!);

    // an outage first: every try rate limited, enough that the first 3 calls fail (3 tries each, 2 workers)
    // and the breaker opens; then 30% random faults
    fake.fail(...Array.from({ length: 18 }, () => ({ status: 429, headers: { 'retry-after': '0' } })));
    fake.chaos = { rate: 0.3, kinds: ['429', '500', 'slow', 'malformed'], random: seededRandom(Number(process.env.FAULT_SEED ?? 7)), slowMs: 3000 };
    // --until-idle stops while only an open breaker holds ideas back (it says until when): run again after
    // its trial time, as a cron job's next run would, until nothing waits on it
    const orchestrator = createOrchestrator(d);
    let summary = await orchestrator.run({ workers: 2, untilIdle: true, timeBudgetMs: 200_000 });
    for (let rounds = 0; summary.waitingOnServices.length > 0 && rounds < 50; rounds++) {
      const until = Math.max(...summary.waitingOnServices.map((w) => w.until.getTime()));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now()) + 20));
      summary = await orchestrator.run({ workers: 2, untilIdle: true, timeBudgetMs: 200_000 });
    }
    fake.chaos = null;

    for (const id of ids) {
      const row = await getIdea(t.db, id);
      expect(row, JSON.stringify(summary)).toMatchObject({ currentStage: 'COMPLETE', parkedReason: null });
    }
    // every kind of fault happened
    for (const kind of ['429', '500', 'slow', 'malformed'] as const) expect(fake.faulted[kind] ?? 0, kind).toBeGreaterThan(0);

    // what the budget settled for OpenAI equals what the fake answered to a waiting client
    const billed = fake.served.reduce((sum, s) => sum + costCents(s.model, s.usage), 0);
    const { rows } = await t.db.query<{ cents: string; reserved: string }>(
      `select coalesce(sum(amount_cents) filter (where state = 'settled'), 0)::text as cents, count(*) filter (where state = 'reserved')::text as reserved
         from spend_ledger where category = 'openai_tokens' and cycle_id = (select id from budget_cycles order by started_at desc limit 1)`,
    );
    expect(rows[0]!.reserved).toBe('0');
    expect(Number(rows[0]!.cents)).toBe(billed);

    // the breaker opened on the outage, sent nothing while open, and closed after a trial
    const seq = changes.map((c) => c.to);
    expect(seq[0]).toBe('open');
    expect(seq.at(-1)).toBe('closed');
    const opened = changes.findIndex((c) => c.to === 'open');
    const trial = changes.findIndex((c, i) => i > opened && c.to === 'half_open');
    // while open, new calls were refused unsent; only the SDK retries of calls already in flight (2 workers,
    // 2 retries each) could still reach the server
    expect(changes[trial]!.requests - changes[opened]!.requests).toBeLessThanOrEqual(4);
    // the ideas waited on the breaker without spending their retries
    expect(summary.byOutcome.waiting ?? 0).toBeGreaterThan(0);
  });
});
