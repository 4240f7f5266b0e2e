import { randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import { expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { ServiceProbe } from '../../src/core/health.js';
import { createHealthJobs } from '../../src/ops/health/jobs.js';
import { readIncidentViews, readKpiViews, readServiceViews, tailLogLines } from '../../src/ops/health/console-views.js';
import { buildPerformanceReport, formatHours, renderMarkdown, writePerformanceReport } from '../../src/ops/reports/performance.js';
import { listIncidents } from '../../src/storage/incidents.js';
import { testSentinel } from '../helpers/sentinel.js';
import { describeEachEngine } from '../helpers/db.js';

const H = 3_600_000;

describeEachEngine('performance report and the health job', (t) => {
  const clock = createManualClock(Date.UTC(2026, 10, 20, 12));

  const ideaThroughOn = (clock: ReturnType<typeof createManualClock>) => async (moves: Array<[string, string, number]>): Promise<string> => {
    const id = randomUUID();
    const start = clock.now() - 48 * H;
    await t.db.query(`insert into ideas (id, title, description, created_at) values ($1, 'An idea for the report', 'Long enough description', $2)`, [id, new Date(start)]);
    for (const [stage, status, hours] of moves) {
      await t.db.query(`insert into idea_stage_history (idea_id, at, to_stage, to_status, actor) values ($1, $2, $3, $4, 'test')`, [id, new Date(start + hours * H), stage, status]);
    }
    return id;
  };

  it('computes completion, stage times and gate pass rates from the stage history', async () => {
    // a window of its own, after everything the other tests date (their ideas, moves and spend): this
    // test counts what is in the window
    const clock = createManualClock(Date.UTC(2100, 0, 20, 12));
    const ideaThrough = ideaThroughOn(clock);
    await ideaThrough([['IDEATE', 'DRAFT', 0], ['RESEARCH', 'RESEARCHING', 1], ['DECK', 'BUILDING', 2], ['INVESTORS', 'VALIDATING', 3], ['MVP', 'BUILDING', 4], ['SMOKE_TEST', 'TESTING', 5], ['COMPLETE', 'DEPLOYED', 7]]);
    await ideaThrough([['IDEATE', 'DRAFT', 0], ['RESEARCH', 'RESEARCHING', 1], ['IDEATE', 'DRAFT', 4], ['RESEARCH', 'RESEARCHING', 5], ['RESEARCH', 'REJECTED', 6]]);
    const report = await buildPerformanceReport(t.db, { days: 30, clock });
    expect(report.throughput).toMatchObject({ created: 2, completed: 1, rejected: 1 });
    expect(report.completion).toMatchObject({ count: 1, meanHours: 7 });
    const research = report.stages.find((s) => s.stage === 'RESEARCH')!;
    // RESEARCH was left three times: forward to DECK, back to IDEATE, and rejected (stays in RESEARCH)
    expect(research).toMatchObject({ count: 3, forward: 1, back: 1, rejected: 1 });
    expect(research.passRate).toBeCloseTo(1 / 3);
    expect(report.stages.find((s) => s.stage === 'SMOKE_TEST')).toMatchObject({ meanHours: 2, passRate: 1 });
    expect(report.spend.ledger).toBe(true);
    expect(report.spend.byCategory).toEqual([]);
  });

  it('reads spend by category and per idea once the ledger exists; HTML has the charts', async () => {
    const id = await ideaThroughOn(clock)([['IDEATE', 'DRAFT', 0]]);
    const at = new Date(clock.now() - H);
    const sentinel = testSentinel(t.db, t.config);
    await sentinel.record({ category: 'openai_tokens', amountCents: 125, service: 'openai', operation: 'deck', idempotencyKey: 'r1', ideaId: id });
    await sentinel.record({ category: 'google_ads', amountCents: 1000, service: 'google_ads', operation: 'campaign', idempotencyKey: 'r2', ideaId: id });
    await sentinel.reserve({ category: 'google_ads', estimateCents: 500, service: 'google_ads', operation: 'campaign', idempotencyKey: 'r3', ideaId: id });
    await sentinel.record({ category: 'infrastructure', amountCents: 30, service: 'hosting', operation: 'invoice', idempotencyKey: 'r4' });
    // the report's clock is in the past: date the entries inside its window
    await t.db.query(
      "update spend_ledger set created_at = $1, settled_at = case when settled_at is null then null else $1::timestamptz end where idempotency_key in ('r1', 'r2', 'r3', 'r4')",
      [at],
    );
    const report = await buildPerformanceReport(t.db, { days: 30, clock });
    expect(report.spend.byCategory).toEqual([
      { category: 'google_ads', cents: 1000, entries: 1 },
      { category: 'openai_tokens', cents: 125, entries: 1 },
      { category: 'infrastructure', cents: 30, entries: 1 },
    ]);
    expect(report.spend.byIdea).toEqual([{ ideaId: id, title: 'An idea for the report', cents: 1125 }]);
    const { path } = await writePerformanceReport(t.db, t.config, { days: 30, format: 'html', clock });
    expect(path).toBe(join(t.config.paths.reports, 'performance-2026-11-20-30d.html'));
    const html = readFileSync(path, 'utf8');
    expect(html).toContain('aria-label="spend by category, all cycles in the period ($11.55)"');
    expect(report.spend.byCycle).toEqual([expect.objectContaining({ cents: 1155, capCents: t.config.budget.totalCents, endedAt: null })]);
  });

  it('counts stage runs and their outcomes, splits spend per cycle, and prints durations and sizes in units', async () => {
    const id = randomUUID();
    const start = clock.now() - 10 * H;
    await t.db.query(`insert into ideas (id, title, description, created_at) values ($1, 'Runs for the report', 'Long enough description', $2)`, [id, new Date(start)]);
    // RESEARCH: 2 passed runs, 5 failed (3 retried, 1 parked, 1 rejected); no idea left the stage failing
    const run = (stage: string, attempt: number, state: string) =>
      t.db.query(`insert into stage_runs (idea_id, stage, attempt, idempotency_key, state, worker, started_at) values ($1, $2, $3, $4, $5, 'w', $6)`, [id, stage, attempt, `${id}:${stage}:${attempt}`, state, new Date(start)]);
    for (let i = 0; i < 5; i++) await run('RESEARCH', i, 'failed');
    await run('RESEARCH', 5, 'passed');
    await run('DECK', 0, 'passed');
    await run('RESEARCH', 6, 'passed');
    await t.db.query(`insert into ops_events (kind, source, level, dedup_key, message, details, at) values
      ('pipeline.parked', 'pipeline', 'WARNING', 'pipeline.parked:RESEARCH', 'parked', '{"stage":"RESEARCH"}', $1),
      ('pipeline.rejected', 'pipeline', 'WARNING', 'pipeline.rejected:RESEARCH', 'rejected', '{"stage":"RESEARCH"}', $1)`, [new Date(start)]);
    // 20 minutes in DECK, a database of 12292219 bytes
    await t.db.query(`insert into idea_stage_history (idea_id, at, to_stage, to_status, actor) values ($1, $2, 'DECK', 'BUILDING', 't'), ($1, $3, 'INVESTORS', 'VALIDATING', 't')`, [id, new Date(start), new Date(start + 20 * 60_000)]);
    await t.db.query(`insert into kpi_samples (kpi, at, value, level) values ('db_size_bytes', $1, 12292219, 'HEALTHY')`, [new Date(clock.now() - H)]);

    const report = await buildPerformanceReport(t.db, { days: 30, clock });
    expect(report.runs.find((r) => r.stage === 'RESEARCH')).toEqual({ stage: 'RESEARCH', runs: 7, passed: 2, failed: 5, retried: 3, parked: 1, rejected: 1, open: 0, passRate: 2 / 7 });
    const md = renderMarkdown(report);
    expect(md).toContain('| RESEARCH | 7 | 2 | 5 | 3 | 1 | 1 | 0 | 29% |');
    expect(formatHours(20 / 60)).toBe('20.0 min');
    expect(formatHours(30 / 3600)).toBe('30 s');
    expect(md).toMatch(/\| DECK \| \d+ \| \d+\.\d min \| \d+\.\d min \|/);
    expect(md).toMatch(/\| db_size_bytes \| 1 \| 11\.7 MiB \| 11\.7 MiB \| 11\.7 MiB \|/);
    expect(md).not.toContain('12292219');
    expect(md).not.toMatch(/\| 0\.\d h \|/);

    // two cycles: each one's spend is against its own cap, never one sum against the current cap
    const sentinel = testSentinel(t.db, t.config);
    await sentinel.record({ category: 'openai_tokens', amountCents: 300, service: 'openai', operation: 'deck', idempotencyKey: 'cycle1-1' });
    await t.db.query(`update spend_ledger set created_at = $1 where idempotency_key = 'cycle1-1'`, [new Date(clock.now() - 2 * H)]);
    const first = (await sentinel.snapshot()).cycleId;
    await sentinel.reset({ operator: { user: 'test' }, reason: 'a second cycle for the report', confirm: true });
    await sentinel.record({ category: 'openai_tokens', amountCents: 200, service: 'openai', operation: 'deck', idempotencyKey: 'cycle2-1' });
    await t.db.query(`update spend_ledger set created_at = $1 where idempotency_key = 'cycle2-1'`, [new Date(clock.now() - H)]);
    const two = await buildPerformanceReport(t.db, { days: 30, clock });
    expect(two.spend.byCycle).toHaveLength(2);
    expect(two.spend.byCycle[0]).toMatchObject({ cents: 200, endedAt: null, capCents: t.config.budget.totalCents });
    expect(two.spend.byCycle[1]).toMatchObject({ cycleId: first, endedAt: expect.any(Date) });
    expect(two.spend.byCycle[1]!.cents).toBeGreaterThanOrEqual(300);
    expect(renderMarkdown(two)).toMatch(/\| .+ \(current\) \| \d{4}-\d{2}-\d{2} \| \$2\.00 \| \$62\.00 \| 3\.2% \|/);
  });

  it('the health job runs every 5 minutes and reports the system level', async () => {
    const quiet: ServiceProbe[] = ['host', 'openai'].map((name) => ({ name, probe: async () => ({ name, level: 'HEALTHY' as const, reason: 'ok' }) }));
    const [job] = createHealthJobs({ db: t.db, config: t.config, clock, probes: quiet });
    expect(job).toMatchObject({ name: 'health.check', schedule: '*/5 * * * *', critical: true });
    expect(new Cron(job!.schedule, { timezone: 'UTC' }).nextRun(new Date('2026-11-20T12:01:00Z'))!.toISOString()).toBe('2026-11-20T12:05:00.000Z');
    const result = (await job!.run({ signal: new AbortController().signal, logger: silentLogger(), scheduledFor: clock.date(), attempt: 1, manual: false, progress: () => undefined })) as Record<string, unknown>;
    expect(result).toMatchObject({ level: 'HEALTHY', summary: 'all healthy' });
    const again = (await job!.run({ signal: new AbortController().signal, logger: silentLogger(), scheduledFor: clock.date(), attempt: 1, manual: false, progress: () => undefined })) as Record<string, unknown>;
    expect(again.changed).toEqual([]); // nothing changed since the first run
  });

  it('the budget state is shown but raises no incident of its own (the sentinel\'s events do)', async () => {
    const probes: ServiceProbe[] = [
      { name: 'host', probe: async () => ({ name: 'host', level: 'HEALTHY', reason: 'ok' }) },
      { name: 'budget', probe: async () => ({ name: 'budget', level: 'EMERGENCY', reason: 'emergency shutdown active' }) },
    ];
    const [job] = createHealthJobs({ db: t.db, config: t.config, clock, probes });
    const result = (await job!.run({ signal: new AbortController().signal, logger: silentLogger(), scheduledFor: clock.date(), attempt: 1, manual: false, progress: () => undefined })) as Record<string, unknown>;
    expect(result).toMatchObject({ level: 'EMERGENCY', summary: 'budget EMERGENCY' });
    expect((await listIncidents(t.db)).filter((i) => i.source === 'service:budget')).toEqual([]);
  });
});

describeEachEngine('console views', (t) => {
  it('services, the five KPIs with history, incidents and the log tail, shaped for the console', async () => {
    const clock = createManualClock(Date.UTC(2026, 10, 21, 12));
    const probes: ServiceProbe[] = [
      { name: 'host', probe: async () => ({ name: 'host', level: 'HEALTHY', reason: 'ok', details: { memoryPct: 42, diskPct: 81 } }) },
      { name: 'openai', probe: async () => ({ name: 'openai', level: 'HEALTHY', reason: 'ok', latencyMs: 300 }) },
    ];
    const [job] = createHealthJobs({ db: t.db, config: t.config, clock, probes });
    for (let i = 0; i < 3; i++) {
      await job!.run({ signal: new AbortController().signal, logger: silentLogger(), scheduledFor: clock.date(), attempt: 1, manual: false, progress: () => undefined });
      clock.advance(5 * 60_000);
    }
    const { systemLevel, services } = await readServiceViews(t.db);
    expect(systemLevel).toBe('HEALTHY');
    expect(services.find((s) => s.name === 'openai')).toMatchObject({ level: 'HEALTHY', latencyMs: 300 });
    const kpis = await readKpiViews(t.db, clock.date());
    expect(kpis.map((k) => k.name)).toEqual(['pipeline completion time', 'database query time', 'API response time', 'memory usage', 'disk usage']);
    expect(kpis.find((k) => k.name === 'disk usage')).toMatchObject({ value: 81, level: 'WARNING', history: [81, 81, 81], unit: '%' });
    expect(kpis.find((k) => k.name === 'API response time')).toMatchObject({ value: 300, history: [300, 300, 300] });
    expect(kpis[0]).toMatchObject({ value: null, history: [] });
    expect(await readIncidentViews(t.db)).toEqual([]);

    const logFile = join(t.home, 'tail.log');
    writeFileSync(logFile, `${['{"level":"INFO","time":"2026-11-21T12:00:00.000Z","msg":"one","cmd":"health"}', 'plain ERROR line', '{"level":"WARNING","time":"2026-11-21T12:00:02.000Z","msg":"three"}'].join('\n')}\n`);
    expect(tailLogLines(logFile, 2).map((l) => [l.level, l.msg])).toEqual([
      ['ERROR', 'plain ERROR line'],
      ['WARNING', 'three'],
    ]);
    expect(tailLogLines(logFile, 5)[0]).toMatchObject({ scope: 'health', msg: 'one' });
    // a message that already starts with its command's name is not prefixed with it again
    const named = join(t.home, 'named.log');
    writeFileSync(named, '{"level":"INFO","time":"2026-11-21T12:00:00.000Z","msg":"console: loaded the sample ideas","cmd":"console"}\n');
    expect(tailLogLines(named, 5)[0]).toMatchObject({ scope: undefined, msg: 'console: loaded the sample ideas' });
    // the console asks every second: an unchanged file is not read again, a line written since is seen
    const first = tailLogLines(logFile, 5);
    expect(tailLogLines(logFile, 5)).toBe(first);
    appendFileSync(logFile, '{"level":"ERROR","time":"2026-11-21T12:00:03.000Z","msg":"four"}\n');
    expect(tailLogLines(logFile, 5).map((l) => l.msg)).toEqual(['one', 'plain ERROR line', 'three', 'four']);
    // rotated away and written anew with the same size: another file, read again
    renameSync(logFile, `${logFile}.1`);
    writeFileSync(logFile, readFileSync(`${logFile}.1`, 'utf8').replace('"four"', '"FOUR"'));
    expect(tailLogLines(logFile, 5).at(-1)).toMatchObject({ msg: 'FOUR' });
  });
});
