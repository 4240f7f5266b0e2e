/**
 * A stop in the middle of a stage run (the console quits, the scheduler stops): the run is aborted through
 * its signal at the next safe point, recorded as interrupted (same attempt, due at once, lease handed back,
 * its reservation released), and the next run resumes it under the same key with nothing charged twice.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/db.js';
import { bakeryIdea, pipelineDeps, writeBakeryCorpus } from '../helpers/pipeline.js';
import { submitIdeas } from '../../src/pipeline/ideas/intake.js';
import { ingestEvidence } from '../../src/pipeline/evidence/ingest.js';
import { createOrchestrator } from '../../src/pipeline/orchestrator.js';
import type { TextGenerator } from '../../src/core/providers.js';

describeEachEngine('a stage run interrupted by a stop', (t) => {
  it('is aborted at once, resumes on the next run under the same key, and nothing is charged twice', async () => {
    const base = pipelineDeps(t.db, { ...t.config, paths: { ...t.config.paths, artifacts: join(t.home, 'artifacts') } }, {
      budget: { totalCents: 100_000, categories: { ...t.config.budget.categories, google_ads: 90_000 } },
    });
    await ingestEvidence({ db: t.db, embedder: base.providers.embedder, budget: base.budget }, [writeBakeryCorpus(join(t.home, 'corpus'))]);
    const [created] = await submitIdeas(base, [{ input: bakeryIdea(7), label: 'one' }], { force: true });
    const id = created!.id!;

    // the research summary call hangs (a slow model) until the signal aborts it, as the real SDK does
    let summaryStarted!: () => void;
    const started = new Promise<void>((resolve) => (summaryStarted = resolve));
    const text = base.providers.text;
    const hanging: TextGenerator = {
      ...text,
      info: text.info,
      summarizeResearch: (_input, options) =>
        new Promise((_, reject) => {
          summaryStarted();
          options?.signal?.addEventListener('abort', () => reject(new Error('Request was aborted.')), { once: true });
        }),
    };
    const stop = new AbortController();
    const inFlight: string[][] = [];
    const first = createOrchestrator({ ...base, providers: { ...base.providers, text: hanging } }).run({
      workers: 1,
      untilIdle: true,
      signal: stop.signal,
      onActivity: (list) => inFlight.push(list.map((i) => i.stage)),
    });
    await started;
    // the summary's money is held while the call hangs
    const held = await t.db.query<{ n: number }>("select count(*)::int as n from spend_ledger where state = 'reserved' and idea_id = $1", [id]);
    expect(held.rows[0]!.n).toBe(1);
    stop.abort(new Error('jobs: the scheduler stopped during the run'));
    const summary = await first;
    expect(summary).toMatchObject({ stoppedBecause: 'aborted', byOutcome: { interrupted: 1 } });
    expect(inFlight).toContainEqual(['RESEARCH']);
    expect(inFlight.at(-1)).toEqual([]);

    const idea = await t.db.query<{ current_stage: string; attempt: number; locked_by: string | null; due: boolean; lease_lapses: number }>(
      'select current_stage, attempt, locked_by, next_attempt_at <= now() as due, lease_lapses from ideas where id = $1',
      [id],
    );
    // not a failure: same attempt, due at once, lease handed back (no lapse counted)
    expect(idea.rows[0]).toEqual({ current_stage: 'RESEARCH', attempt: 1, locked_by: null, due: true, lease_lapses: 0 });
    const run = await t.db.query<{ state: string; error: string }>("select state, error from stage_runs where idea_id = $1 and stage = 'RESEARCH'", [id]);
    expect(run.rows).toHaveLength(1);
    expect(run.rows[0]!.state).toBe('waiting');
    expect(run.rows[0]!.error).toMatch(/^interrupted: the scheduler stopped during the run; resumes on the next run/);
    const open = await t.db.query<{ n: number }>("select count(*)::int as n from spend_ledger where state = 'reserved'");
    expect(open.rows[0]!.n).toBe(0); // the hung call's reservation was released, not left to expire
    const paidBefore = await t.db.query<{ key: string; cents: number }>(
      "select idempotency_key as key, amount_cents::int as cents from spend_ledger where idea_id = $1 and state = 'settled' order by 1",
      [id],
    );

    // the next start: the same run resumes (attempt 1) and the idea goes on
    const again = await createOrchestrator(base).run({ workers: 1, untilIdle: true });
    expect(again.stoppedBecause).toBe('idle');
    const runs = await t.db.query<{ stage: string; attempt: number; state: string }>('select stage, attempt, state from stage_runs where idea_id = $1 order by id', [id]);
    expect(runs.rows.filter((r) => r.stage === 'RESEARCH')).toEqual([{ stage: 'RESEARCH', attempt: 1, state: 'passed' }]);
    expect(runs.rows.map((r) => r.stage)).toContain('DECK'); // and it went on
    const ledger = await t.db.query<{ key: string; state: string; cents: number }>(
      'select idempotency_key as key, state, amount_cents::int as cents from spend_ledger where idea_id = $1 order by 1',
      [id],
    );
    // what was paid before the stop is on the ledger once, at the same amount (replayed, not paid again)
    for (const paid of paidBefore.rows) expect(ledger.rows.filter((r) => r.key === paid.key)).toEqual([{ key: paid.key, state: 'settled', cents: paid.cents }]);
    expect(ledger.rows.some((r) => r.key.includes(':RESEARCH:2:'))).toBe(false);
    expect(ledger.rows.find((r) => r.key === `${id}:RESEARCH:1:summary`)).toMatchObject({ state: 'settled' });
  });
});
