import type { ResultPromise } from 'execa';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeServer } from '../helpers/db.js';
import { runFixture } from '../helpers/fixtures.js';
import { bakeryIdea, pipelineDeps, writeBakeryCorpus } from '../helpers/pipeline.js';
import { submitIdeas } from '../../src/pipeline/ideas/intake.js';
import { ingestEvidence } from '../../src/pipeline/evidence/ingest.js';
import { buckets } from '../../src/storage/budget.js';

const ENV = { STAGE_LEASE: '1500ms', BUDGET_RESERVATION_LEASE: '2s', BUDGET_TOTAL: '1000', BUDGET_GOOGLE_ADS: '900', LOG_LEVEL: 'warn', FIXTURE_DELAY_MS: '40' };
const SLOW = { ...ENV, FIXTURE_DELAY_MS: '400' };

describeServer('pipeline crash safety', (t) => {
  it('kill -9 of a worker mid-run loses nothing; restarted workers finish every idea and no key is charged twice', { timeout: 120_000 }, async () => {
    const deps = pipelineDeps(t.db, t.config, { budget: { totalCents: 100_000, categories: { ...t.config.budget.categories, google_ads: 90_000 } } });
    await ingestEvidence({ db: t.db, embedder: deps.providers.embedder, budget: deps.budget }, [writeBakeryCorpus(join(t.home, 'corpus'))]);
    const ideas = Array.from({ length: 8 }, (_, i) => ({ input: bakeryIdea(i), label: `idea ${i}` }));
    const created = await submitIdeas(deps, ideas, { force: true });
    expect(created.every((o) => o.status === 'created')).toBe(true);

    // worker A: killed -9 after a few stage runs, very likely in the middle of a paid call
    const a = runFixture('pipeline-worker', ['2'], { env: { ...t.env, ...SLOW }, reject: false, buffer: false }) as ResultPromise;
    await new Promise<void>((resolve, reject) => {
      let steps = 0;
      a.stdout!.on('data', (chunk: Buffer) => {
        steps += chunk.toString().split('\n').filter((l) => l.startsWith('step ')).length;
        if (steps >= 10) resolve();
      });
      a.on('exit', () => reject(new Error('worker A finished before it could be killed')));
    });
    // kill while a paid call is in flight: its money is reserved and not yet settled
    for (let i = 0; i < 200; i++) {
      const open = await t.db.query<{ n: number }>("select count(*)::int as n from spend_ledger where state = 'reserved'");
      if (open.rows[0]!.n > 0) break;
      await t.db.query('select pg_sleep(0.01)');
    }
    a.kill('SIGKILL');
    const killed = await a;
    expect(killed.signal).toBe('SIGKILL');
    const midway = await t.db.query<{ n: number }>("select count(*)::int as n from ideas where current_stage <> 'COMPLETE'");
    expect(midway.rows[0]!.n).toBeGreaterThan(0);
    // the kill interrupted stage runs (two workers spend nearly all their time inside one)
    const interrupted = (await t.db.query<{ id: number }>("select id from stage_runs where state = 'running'")).rows.map((r) => r.id);
    expect(interrupted.length).toBeGreaterThan(0);

    // two fresh worker processes take over: leases lapse, dead reservations are released or replayed
    const [b, c] = await Promise.all([
      runFixture('pipeline-worker', ['2'], { env: { ...t.env, ...ENV }, reject: false }),
      runFixture('pipeline-worker', ['2'], { env: { ...t.env, ...ENV }, reject: false }),
    ]);
    expect(b.exitCode, b.stderr).toBe(0);
    expect(c.exitCode, c.stderr).toBe(0);

    const states = await t.db.query<{ current_stage: string; status: string; parked_reason: string | null; waiting_on_budget: string | null }>(
      'select current_stage, status, parked_reason, waiting_on_budget from ideas',
    );
    // finished: DEPLOYED, or SMOKE_TEST_FAILED when the simulated campaign did not succeed
    for (const row of states.rows) expect(row).toMatchObject({ current_stage: 'COMPLETE', status: expect.stringMatching(/^(DEPLOYED|SMOKE_TEST_FAILED)$/), parked_reason: null, waiting_on_budget: null });

    // the interrupted runs were resumed under their own key and finished
    const resumed = await t.db.query<{ state: string }>('select state from stage_runs where id = any($1::bigint[])', [interrupted]);
    expect(resumed.rows.map((r) => r.state)).toEqual(interrupted.map(() => 'passed'));

    // exactly one passed run per idea and stage, one campaign per idea
    const runs = await t.db.query<{ n: number }>("select count(*)::int as n from stage_runs where state = 'passed' group by idea_id, stage having count(*) > 1");
    expect(runs.rows).toEqual([]);
    const campaigns = await t.db.query<{ n: number }>('select count(*)::int as n from campaigns group by idea_id');
    expect(campaigns.rows.map((r) => r.n)).toEqual(Array(8).fill(1));

    // the ledger: every paid step of every idea settled exactly once (research 2, deck 1, investors 2,
    // mvp 1, smoke test 2), nothing left reserved, and the buckets agree with the ledger
    await deps.budget.reapExpired();
    const ledger = await t.db.query<{ idea_id: string; state: string; n: number }>(
      "select idea_id, state, count(*)::int as n from spend_ledger where idea_id is not null and operation <> 'campaign.day' group by idea_id, state",
    );
    const settledPerIdea = ledger.rows.filter((r) => r.state === 'settled').map((r) => r.n);
    expect(settledPerIdea).toEqual(Array(8).fill(8));
    expect(ledger.rows.filter((r) => r.state === 'reserved')).toEqual([]);
    const perStep = await t.db.query<{ step: string; n: number }>(
      "select regexp_replace(idempotency_key, ':[0-9]+:', ':') as step, count(*)::int as n from spend_ledger where state = 'settled' and idea_id is not null group by 1 having count(*) > 1",
    );
    expect(perStep.rows).toEqual([]); // no step paid again under another attempt
    // a campaign's reported days were spent as they arrived and its hold settled to the rest: exactly its cost
    const campaignSpend = await t.db.query<{ cost_cents: string; ledger_cents: string }>(
      `select ceil(c.cost_micros / 10000.0)::text as cost_cents,
              (select coalesce(sum(l.amount_cents), 0) from spend_ledger l where l.state = 'settled' and (l.id = c.reservation_id or l.metadata->>'drawnFrom' = c.reservation_id::text))::text as ledger_cents
         from campaigns c`,
    );
    expect(campaignSpend.rows.length).toBe(8);
    for (const row of campaignSpend.rows) expect(row.ledger_cents).toBe(row.cost_cents);
    const snapshot = await deps.budget.snapshot();
    const settled = await t.db.query<{ category: string; cents: number }>("select category, sum(amount_cents)::bigint as cents from spend_ledger where state = 'settled' and cycle_id = $1 group by category", [snapshot.cycleId]);
    for (const b of await buckets(t.db, snapshot.cycleId)) {
      expect(b.reservedCents).toBe(0);
      expect(b.spentCents).toBe(Number(settled.rows.find((r) => r.category === b.category)?.cents ?? 0));
    }
  });
});
