import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/db.js';
import { createApp, type App } from '../../src/app/app.js';
import { loadConfig } from '../../src/core/config.js';
import { createConsoleBackend } from '../../src/app/console-backend.js';
import { submitIdeas } from '../../src/pipeline/ideas/intake.js';
import { advanceIdea } from '../../src/pipeline/ideas/service.js';
import { listAudit } from '../../src/storage/audit.js';
import { createManualClock } from '../../src/core/clock.js';
import { upsertServiceState } from '../../src/storage/health-store.js';
import { waitFor } from '../helpers/wait.js';

// The console's real backend over a real database: what the panels show and what the keys do.
describeEachEngine('console backend', (t) => {
  let app: App;
  beforeAll(async () => {
    app = await createApp({ config: loadConfig({ env: { ...t.env, STUDIO_OPERATOR: 'dana' }, cwd: t.home, dotenv: false }) });
  });
  afterAll(async () => {
    await app?.close();
  });
  /** Ideas through intake, with the app's own dependencies. */
  const submit = (ideas: Parameters<typeof submitIdeas>[1]) =>
    submitIdeas({ db: app.db, budget: app.budget, providers: app.providers, config: app.config, clock: app.clock, logger: app.logger }, ideas);

  it('a snapshot shows budget, jobs, pipeline, and actions are refused read-only but work otherwise', async () => {
    const readOnly = await createConsoleBackend(app, { readOnly: true });
    expect(await readOnly.awaySummary()).toBeNull(); // first session of this operator

    const [created] = await submit([
      { input: { title: 'Console backend test idea', description: 'An idea made to show up in the console panels', category: 'saas' }, label: 'test' },
    ]);
    expect(created!.status).toBe('created');
    await advanceIdea(app.db, created!.id!, 'RESEARCH', { user: 'dana' });

    const snap = await readOnly.snapshot();
    expect(snap.header).toMatchObject({ operator: 'dana', readOnly: true, mode: app.config.mode });
    expect(snap.budget.total.allocatedCents).toBe(6200);
    expect(snap.budget.categories.map((c) => c.name)).toEqual(['openai_tokens', 'google_ads', 'infrastructure', 'external_apis']);
    expect(snap.jobs.map((j) => j.name)).toEqual(expect.arrayContaining(['pipeline.tick', 'health.check', 'backup.daily', 'budget.review', 'maintenance.vacuum']));
    expect(snap.jobs.find((j) => j.name === 'pipeline.tick')!.nextRunAt).toBeInstanceOf(Date);
    expect(snap.pipeline.stages.find((s) => s.stage === 'RESEARCH')?.count).toBe(1);
    expect(snap.readMs).toBeGreaterThanOrEqual(0);

    const preview = await readOnly.previewReset(created!.id!, 'IDEATE');
    expect(preview).toMatchObject({ fromStage: 'RESEARCH', toStage: 'IDEATE' });
    expect(preview.rerun[0]).toBe('RESEARCH'); // IDEATE itself has no work: RESEARCH onwards runs again
    const refusedReset = await readOnly.resetIdea(created!.id!, 'IDEATE');
    expect(refusedReset).toMatchObject({ ok: false, message: expect.stringMatching(/^read-only console/) });
    expect((await readOnly.ideaDetail(created!.id!)).stage).toBe('RESEARCH');

    const live = await createConsoleBackend(app, { readOnly: false });
    expect(await live.awaySummary()).toMatch(/^\(since \d\d-\d\d \d\d:\d\d UTC, \d+ min\): 0 incident\(s\) opened/); // the screen puts "While you were away" before it
    const reset = await live.resetIdea(created!.id!, 'IDEATE');
    expect(reset.ok).toBe(true);
    const detail = await live.ideaDetail(created!.id!);
    expect(detail.stage).toBe('IDEATE');
    expect(detail.history.at(-1)).toMatchObject({ to: 'IDEATE', actor: 'dana' });

    expect((await live.pauseJob('backup.daily')).ok).toBe(true);
    await live.runJob('health.check'); // by hand: the history says manual and who
    expect((await live.jobHistory('health.check', 5))[0]).toMatchObject({ trigger: 'manual', operator: 'dana' });
    expect((await live.snapshot()).jobs.find((j) => j.name === 'backup.daily')!.paused).toBe(true);
    expect((await live.resumeJob('backup.daily')).ok).toBe(true);
    expect((await live.pauseJob('no.such.job')).ok).toBe(false);

    const resume = await live.resumeBudget('nothing to resume');
    expect(resume).toMatchObject({ ok: false, message: expect.stringMatching(/no emergency shutdown is active/) });

    const actions = (await listAudit(app.db, { limit: 20 })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['console.session', 'idea.reset', 'job.pause', 'job.resume']));
  }, 120_000);

  it("each job's next run follows the clock from refresh to refresh (it is remembered only until it comes)", async () => {
    const clock = createManualClock(new Date('2026-03-07T10:00:30Z'));
    const clocked: App = { ...app, clock };
    const backend = await createConsoleBackend(clocked, { readOnly: true });
    const next = async (name = 'pipeline.tick') => (await backend.snapshot()).jobs.find((j) => j.name === name)!.nextRunAt?.toISOString();
    expect(await next()).toBe('2026-03-07T10:01:00.000Z');
    clock.advance(20_000);
    expect(await next()).toBe('2026-03-07T10:01:00.000Z');
    clock.set(new Date('2026-03-07T10:01:00Z')); // the run's own time: the next one is a minute on
    expect(await next()).toBe('2026-03-07T10:02:00.000Z');
    clock.set(new Date('2026-03-07T10:01:59.500Z'));
    expect(await next()).toBe('2026-03-07T10:02:00.000Z');
    clock.set(new Date('2026-03-07T09:00:00Z')); // a clock set back is not answered from memory
    expect(await next()).toBe('2026-03-07T09:01:00.000Z');
    clock.set(new Date('2026-03-09T23:59:59Z'));
    const fresh = await createConsoleBackend(clocked, { readOnly: true });
    const daily = (await fresh.snapshot()).jobs.map((j) => [j.name, j.nextRunAt?.toISOString()]);
    expect((await backend.snapshot()).jobs.map((j) => [j.name, j.nextRunAt?.toISOString()])).toEqual(daily);
  });

  it('the services panel shows the budget as the budget panel does (live), not as the last health check saw it', async () => {
    // the last health check saw an empty budget; spending happened since
    await upsertServiceState(app.db, { name: 'budget', level: 'HEALTHY', reason: 'ok (total 0.0%, openai_tokens 0.0%)' }, new Date(Date.now() - 4 * 60_000));
    await app.budget.record({ category: 'google_ads', service: 'google_ads', operation: 'campaign', idempotencyKey: `svc-panel-${Date.now()}`, amountCents: 1978 });
    const snap = await (await createConsoleBackend(app, { readOnly: true })).snapshot();
    const pct = ((snap.budget.total.spentCents + snap.budget.total.reservedCents) / snap.budget.total.allocatedCents) * 100;
    expect(pct).toBeGreaterThan(0);
    const row = snap.services.find((s) => s.name === 'budget')!;
    expect(row.reason).toContain(`total ${pct.toFixed(1)}%`);
    expect(row.reason).not.toContain('total 0.0%');
  });

  it('lists parked and budget-waiting ideas with their reason, advances one from the console, and counts only held ideas as processing (#17 items 8, 11)', async () => {
    const live = await createConsoleBackend(app, { readOnly: false });
    const made = await submit([
      { input: { title: 'Parked console idea', description: 'An idea parked by its gate for the console list', category: 'saas' }, label: 'p' },
      { input: { title: 'Waiting console idea', description: 'An idea waiting on the budget for the console list', category: 'saas' }, label: 'w' },
      { input: { title: 'Held console idea', description: 'An idea a worker holds with a live lease right now', category: 'saas' }, label: 'h' },
    ]);
    const [parked, waiting, held] = made.map((m) => m.id!);
    await advanceIdea(app.db, parked!, 'RESEARCH', { user: 'dana' });
    await app.db.query(`update ideas set parked_reason = 'quality gate failed 3 times' where id = $1`, [parked]);
    await app.db.query(`update ideas set waiting_on_budget = 'openai_tokens at CRITICAL' where id = $1`, [waiting]);
    await app.db.query(`update ideas set locked_by = 'worker-9', lease_until = now() + interval '5 minutes' where id = $1`, [held]);

    const before = (await live.snapshot()).pipeline;
    expect(before.stuck.find((s) => s.id === parked)).toMatchObject({ kind: 'parked', stage: 'RESEARCH', reason: 'parked: quality gate failed 3 times' });
    expect(before.stuck.find((s) => s.id === waiting)).toMatchObject({ kind: 'waiting', reason: 'waiting on budget: openai_tokens at CRITICAL' });
    expect(before.stuck.find((s) => s.id === held)).toBeUndefined();
    // processing: held by a worker now, not every active idea
    expect(before.processing).toBe(1);
    expect(before.queued).toBeGreaterThanOrEqual(1);
    expect(before.parked).toBeGreaterThanOrEqual(1);
    expect(before.waitingOnBudget).toBe(1);

    expect(await live.advanceIdea(parked!, 'DECK')).toMatchObject({ ok: true, message: expect.stringContaining('moved to DECK') });
    const bad = await live.advanceIdea(waiting!, 'MVP');
    expect(bad).toMatchObject({ ok: false, message: expect.stringMatching(/not an allowed move/) });
    const after = (await live.snapshot()).pipeline;
    expect(after.stuck.find((s) => s.id === parked)).toBeUndefined(); // a move clears the parked reason
    expect((await live.ideaDetail(parked!)).stage).toBe('DECK');
    expect((await listAudit(app.db, { limit: 50 })).some((a) => a.action === 'idea.advance' && a.target === parked)).toBe(true);

    const readOnly = await createConsoleBackend(app, { readOnly: true });
    expect(await readOnly.advanceIdea(waiting!, 'RESEARCH')).toMatchObject({ ok: false, message: expect.stringMatching(/^read-only console/) });
  }, 120_000);

  it("lists a stage's ideas (drill-down from its count): parked, waiting, then the rest, with status, time in stage and reason; a reset from it is audited (#17 item 8)", async () => {
    const live = await createConsoleBackend(app, { readOnly: false });
    const made = await submit([
      { input: { title: 'Stage list active idea', description: 'An idea in its stage with nothing wrong, for the list', category: 'saas' }, label: 'a' },
      { input: { title: 'Stage list waiting idea', description: 'An idea waiting on the budget, for the stage list', category: 'saas' }, label: 'w' },
      { input: { title: 'Stage list parked idea', description: 'An idea parked by its gate, for the stage list', category: 'saas' }, label: 'p' },
    ]);
    const [active, waiting, parked] = made.map((m) => m.id!);
    for (const id of [active, waiting, parked]) await advanceIdea(app.db, id!, 'RESEARCH', { user: 'dana' });
    await app.db.query(`update ideas set parked_reason = 'gate failed 3 times: no sources' where id = $1`, [parked]);
    await app.db.query(`update ideas set waiting_on_budget = 'openai_tokens at CRITICAL' where id = $1`, [waiting]);

    const list = await live.stageIdeas('RESEARCH');
    expect(list.stage).toBe('RESEARCH');
    expect(list.total).toBe((await live.snapshot()).pipeline.stages.find((s) => s.stage === 'RESEARCH')!.count);
    const at = (id: string) => list.ideas.findIndex((i) => i.id === id);
    expect(list.ideas[at(parked!)]).toMatchObject({ kind: 'parked', stage: 'RESEARCH', reason: 'parked: gate failed 3 times: no sources' });
    expect(list.ideas[at(waiting!)]).toMatchObject({ kind: 'waiting', reason: 'waiting on budget: openai_tokens at CRITICAL' });
    expect(list.ideas[at(active!)]).toMatchObject({ kind: 'active', title: 'Stage list active idea', status: expect.any(String) });
    expect(list.ideas[at(active!)]!.heldForMs).toBeGreaterThanOrEqual(0);
    expect(at(parked!)).toBeLessThan(at(waiting!));
    expect(at(waiting!)).toBeLessThan(at(active!));
    expect(list.ideas.every((i) => i.stage === 'RESEARCH')).toBe(true);
    expect((await live.stageIdeas('RESEARCH', 1)).ideas).toHaveLength(1);

    expect((await live.resetIdea(parked!, 'IDEATE')).ok).toBe(true);
    expect((await live.stageIdeas('RESEARCH')).ideas.some((i) => i.id === parked)).toBe(false);
    expect((await listAudit(app.db, { limit: 50 })).some((a) => a.action === 'idea.reset' && a.target === parked)).toBe(true);
  }, 120_000);

  it('log lines carry their structured fields for the detail (#17 item 9)', async () => {
    app.logger.warn({ idea: 'idea-42', stage: 'RESEARCH', attempt: 2, outcome: 'parked' }, 'pipeline: RESEARCH parked: test');
    const live = await createConsoleBackend(app, { readOnly: true });
    // the log file is written asynchronously: wait for the line to be there
    const line = await waitFor('the log line in the snapshot', async () => (await live.snapshot()).logs.find((l) => l.msg === 'pipeline: RESEARCH parked: test'));
    expect(line?.level).toBe('WARNING');
    expect(line?.fields).toMatchObject({ idea: 'idea-42', stage: 'RESEARCH', attempt: 2, outcome: 'parked' });
  });
});
