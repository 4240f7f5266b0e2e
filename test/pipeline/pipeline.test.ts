import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { simulatedProfile } from '../../src/providers/offline/ads.js';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/db.js';
import { bakeryIdea, pipelineDeps, writeBakeryCorpus } from '../helpers/pipeline.js';
import { submitIdeas } from '../../src/pipeline/ideas/intake.js';
import { ingestEvidence } from '../../src/pipeline/evidence/ingest.js';
import { createOrchestrator } from '../../src/pipeline/orchestrator.js';
import { pipelineStatus } from '../../src/pipeline/status.js';
import { advanceIdea, ideaDetail, previewReset, resetIdea, similarIdeas } from '../../src/pipeline/ideas/service.js';
import { getIdea } from '../../src/storage/ideas.js';
import { listEvents } from '../../src/storage/events.js';
import { listAudit } from '../../src/storage/audit.js';
import { setShutdown } from '../../src/storage/budget.js';
import { createSentinel } from '../../src/pipeline/budget/sentinel.js';
import { createLogger, silentLogger } from '../../src/core/logger.js';
import { systemClock } from '../../src/core/clock.js';
import type { Config } from '../../src/core/config.js';
import { readSignupConfig } from '../../src/pipeline/stages/mvp.js';

const operator = { user: 'tester' };

describeEachEngine('the idea pipeline', (t) => {
  const deps = () =>
    pipelineDeps(t.db, { ...t.config, paths: { ...t.config.paths, artifacts: join(t.home, 'artifacts') } }, {
      pipeline: { retryBaseMs: 1, maxRetries: 1, budgetWaitMs: 60_000, intakePerHour: 5 },
      // room for a dozen $25 campaigns
      budget: { totalCents: 100_000, categories: { ...t.config.budget.categories, google_ads: 90_000 } },
    });

  it('intake refuses exact and near duplicates naming the match, unless forced; enforces the per-creator limit', async () => {
    const d = deps();
    const [first] = await submitIdeas(d, [{ input: bakeryIdea(100, 'dup-tester'), label: 'a' }]);
    expect(first!.status).toBe('created');
    const same = await submitIdeas(d, [{ input: { ...bakeryIdea(100, 'dup-tester'), title: bakeryIdea(100).title.toUpperCase().replace('ONLINE', 'Online') }, label: 'b' }]);
    expect(same[0]!.status).toBe('duplicate');
    expect(same[0]!.problems[0]).toContain(first!.id);
    const near = { ...bakeryIdea(100, 'dup-tester'), title: 'Pickup ordering for independent bakeries, online' };
    const refused = await submitIdeas(d, [{ input: near, label: 'c' }]);
    expect(refused[0]!.status).toBe('duplicate');
    expect(refused[0]!.duplicateOf).toMatchObject({ id: first!.id, exactTitle: false });
    expect(refused[0]!.duplicateOf!.similarity).toBeGreaterThanOrEqual(0.8);
    const forced = await submitIdeas(d, [{ input: near, label: 'c' }], { force: true });
    expect(forced[0]!.status).toBe('created');
    const similar = await similarIdeas(t.db, first!.id!, 5);
    expect(similar.map((s) => s.id)).toContain(forced[0]!.id);

    // limit 5 an hour: 2 stored so far for this creator, so 3 more go in and the 4th is refused
    const batch = await submitIdeas(d, [0, 1, 2, 3].map((i) => ({ input: { title: `Limit test idea number ${i} for a creator`, description: `Unrelated description ${i} about ${['kites', 'boats', 'lamps', 'chairs'][i]} and more words`, createdBy: 'dup-tester' }, label: `l${i}` })), { force: true });
    expect(batch.map((o) => o.status)).toEqual(['created', 'created', 'created', 'limited']);
    expect(batch[3]!.problems[0]).toMatch(/intake limit: dup-tester submitted 5 ideas in the last hour \(limit 5\)/);
  });

  it('runs ideas to COMPLETE with deck, landing page and smoke test on disk; a thin idea fails research, retries, then parks', async () => {
    const d = deps();
    await d.budget.reset({ operator, reason: 'a cycle with this allocation', confirm: true });
    await ingestEvidence({ db: t.db, embedder: d.providers.embedder, budget: d.budget }, [writeBakeryCorpus(join(t.home, 'corpus'))]);
    const created = await submitIdeas(d, [
      { input: bakeryIdea(1), label: '1' },
      { input: bakeryIdea(2), label: '2' },
      { input: { title: 'Tokenised synthesizer knobs on a blockchain', description: 'Vintage synthesizer knob collectors mint tokens for each knob and trade them peer to peer.', createdBy: 'x' }, label: 'thin' },
    ], { force: true });
    const [a, b, thin] = created.map((o) => o.id!);
    const logFile = join(t.home, 'logs', 'pipeline-levels.log');
    const log = createLogger({ file: logFile, level: 'info' });
    const summary = await createOrchestrator({ ...d, logger: log.logger }).run({ workers: 2, untilIdle: true });
    expect(summary.stoppedBecause).toBe('idle');

    for (const id of [a!, b!]) {
      const detail = await ideaDetail(t.db, d.config, id);
      const smokeOk = (JSON.parse(readFileSync(join(t.home, 'artifacts', id, 'smoke-test.json'), 'utf8')) as { success: boolean }).success;
      expect(detail.idea).toMatchObject({ currentStage: 'COMPLETE', status: smokeOk ? 'DEPLOYED' : 'SMOKE_TEST_FAILED', parkedReason: null });
      expect(detail.progress).toBe(1);
      expect(detail.history.map((h) => h.toStage)).toEqual(['IDEATE', 'RESEARCH', 'DECK', 'INVESTORS', 'MVP', 'SMOKE_TEST', 'COMPLETE']);
      const deck = readFileSync(join(t.home, 'artifacts', id, 'deck.md'), 'utf8');
      expect(deck).toMatch(/^---\nmarp: true\ntheme: default\nsize: 16:9\npaginate: true\n---/);
      expect(deck.split('\n---\n').length - 1).toBe(11); // 10 slides and Sources
      expect(deck).toMatch(/\n# Sources\n\n- \[1\] /);
      const landing = readFileSync(join(t.home, 'artifacts', id, 'landing.html'), 'utf8');
      expect(landing).toContain('<form id="signup"');
      // offline: no key inlined, the page says signups are not recorded (test/pipeline/landing-browser.test.ts runs it)
      expect(readSignupConfig(landing)).toEqual({ ideaId: id, deadlineMs: 15_000, posthog: null });
      expect(landing).toContain('signups on this page are not recorded');
      const smoke = JSON.parse(readFileSync(join(t.home, 'artifacts', id, 'smoke-test.json'), 'utf8'));
      expect(smoke).toMatchObject({ offline: true, account: 'simulated', budget: 25, spec: { bidding: 'MAXIMIZE_CONVERSIONS', locations: ['US', 'CA', 'GB'] } });
      expect(smoke.spec.headlines).toHaveLength(3);
      expect(smoke.spec.descriptions).toHaveLength(3);
      expect(smoke.spec.keywords).toHaveLength(5);
      expect(smoke.spec.dailyBudgetMicros).toBe(Math.floor(25_000_000 / 7));
      expect(['EXCELLENT', 'GOOD', 'POOR', 'NO_SPEND']).toContain(smoke.roi);
      expect(detail.spendCents).toBeGreaterThan(0);
      expect(detail.artifacts.map((p) => p.split('/').pop())).toEqual(['deck.md', 'landing.html', 'smoke-test.json']);
    }

    const parked = (await getIdea(t.db, thin!))!;
    expect(parked.currentStage).toBe('RESEARCH');
    expect(parked.parkedReason).toMatch(/research gate: .* \(after 2 attempts\)/);
    // a parked idea needs an operator: its log line is a WARNING (the manual greps WARNING|ERROR), retries are INFO
    log.flush();
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string; idea?: string; outcome?: string });
    expect(lines.filter((l) => l.idea === thin && l.outcome === 'parked').map((l) => l.level)).toEqual(['WARNING']);
    expect(lines.filter((l) => l.idea === thin && l.outcome === 'retry').map((l) => l.level)).toEqual(['INFO']);
    const events = await listEvents(t.db, { kind: 'pipeline.parked' });
    expect(events.map((e) => e.details.ideaId)).toContain(thin);
    // one incident per stage, not per idea
    expect(events.find((e) => e.details.ideaId === thin)).toMatchObject({ dedupKey: 'pipeline.parked:RESEARCH', message: expect.stringContaining('see studio list --status parked') });

    const status = await pipelineStatus(t.db, d.config, new Date());
    expect(status.parked).toBeGreaterThanOrEqual(1);
    expect(status.stages.find((s) => s.stage === 'COMPLETE')!.count).toBeGreaterThanOrEqual(2);
    expect(status.lastHour.passed).toBeGreaterThanOrEqual(12);

    // the operator's recovery: preview, refuse without --confirm, then reset and re-run (new attempt keys)
    const plan = await previewReset(t.db, d.config, a!, 'DECK');
    expect(plan.rerun).toEqual(['DECK', 'INVESTORS', 'MVP', 'SMOKE_TEST']);
    expect(plan.estimatedCents).toBeGreaterThanOrEqual(2500);
    await expect(resetIdea(t.db, d.config, a!, 'DECK', { confirm: false, operator })).rejects.toThrow(/--confirm/);
    await resetIdea(t.db, d.config, a!, 'DECK', { confirm: true, operator, reason: 'test' });
    expect((await listAudit(t.db, { action: 'idea.reset' }))[0]).toMatchObject({ target: a, operator: 'tester' });
    await expect(advanceIdea(t.db, a!, 'MVP', operator)).rejects.toThrow(/not an allowed move/);
    await createOrchestrator(d).run({ workers: 1, untilIdle: true });
    const again = await ideaDetail(t.db, d.config, a!);
    expect(again.idea.currentStage).toBe('COMPLETE');
    expect(again.runs.filter((r) => r.stage === 'DECK').map((r) => [r.attempt, r.state])).toEqual([[1, 'passed'], [2, 'passed']]);

    // a smoke test that does not succeed ends the pipeline as its own outcome, not DEPLOYED: the same
    // idea at SMOKE_TEST under an id whose simulated campaign draws no clicks worth having and no conversions
    let poorId = randomUUID();
    while (!(simulatedProfile(poorId).conversionRate === 0 && simulatedProfile(poorId).ctr < 0.01)) poorId = randomUUID();
    await t.db.query(
      `insert into ideas (id, title, description, category, current_stage, status, outputs)
       select $1, 'Smoke test that fails: ' || title, description, category, 'SMOKE_TEST', 'TESTING', outputs - 'smoke_test' from ideas where id = $2`,
      [poorId, a],
    );
    await createOrchestrator(d).run({ workers: 1, untilIdle: true });
    const poor = await ideaDetail(t.db, d.config, poorId);
    const smoke = JSON.parse(readFileSync(join(t.home, 'artifacts', poorId, 'smoke-test.json'), 'utf8')) as { success: boolean };
    expect(smoke.success).toBe(false);
    expect(poor.idea).toMatchObject({ currentStage: 'COMPLETE', status: 'SMOKE_TEST_FAILED' });
    // and the ideas that succeeded are DEPLOYED
    for (const id of [a!, b!]) {
      const ok = JSON.parse(readFileSync(join(t.home, 'artifacts', id, 'smoke-test.json'), 'utf8')) as { success: boolean };
      expect((await ideaDetail(t.db, d.config, id)).idea.status).toBe(ok.success ? 'DEPLOYED' : 'SMOKE_TEST_FAILED');
    }
  });

  it('waits on budget (cap, emergency shutdown) and goes on by itself once the money is back', async () => {
    const d = deps();
    const [idea] = await submitIdeas(d, [{ input: bakeryIdea(7), label: 'w' }], { force: true });
    // too little google_ads money for a $25 campaign: the idea stops at SMOKE_TEST, waiting on budget
    const small: Config = { ...d.config, budget: { ...d.config.budget, categories: { ...d.config.budget.categories, google_ads: 1_000 }, totalCents: 6_200 } };
    const smallSentinel = createSentinel({ db: t.db, config: small, clock: systemClock, logger: silentLogger() });
    await smallSentinel.reset({ operator, reason: 'small ads budget', confirm: true });
    await createOrchestrator({ ...d, budget: smallSentinel, config: small }).run({ workers: 1, untilIdle: true });
    let row = (await getIdea(t.db, idea!.id!))!;
    expect(row.currentStage).toBe('SMOKE_TEST');
    expect(row.waitingOnBudget).toMatch(/google_ads would pass its cap/);
    expect((await pipelineStatus(t.db, d.config, new Date())).waitingOnBudget).toBeGreaterThanOrEqual(1);

    // a new cycle with the normal allocation, but spending shut down: still waiting, now for the resume
    const { opened } = await d.budget.reset({ operator, reason: 'new cycle', confirm: true });
    await setShutdown(t.db, opened, true, 'test emergency');
    await t.db.query("update ideas set next_attempt_at = now() where id = $1", [idea!.id]);
    await createOrchestrator(d).run({ workers: 1, untilIdle: true });
    row = (await getIdea(t.db, idea!.id!))!;
    expect(row.waitingOnBudget).toMatch(/emergency shutdown is active/);

    await d.budget.resume({ operator, reason: 'resolved', confirm: true });
    await t.db.query("update ideas set next_attempt_at = now() where id = $1", [idea!.id]); // the retry interval, elapsed
    await createOrchestrator(d).run({ workers: 1, untilIdle: true });
    row = (await getIdea(t.db, idea!.id!))!;
    expect(row).toMatchObject({ currentStage: 'COMPLETE', waitingOnBudget: null });
    expect(existsSync(join(t.home, 'artifacts', idea!.id!, 'smoke-test.json'))).toBe(true);
  });
});
