import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import type { ServiceProbe } from '../../src/core/health.js';
import type { BudgetSnapshot, CategoryStatus } from '../../src/core/ports.js';
import { createBudgetProbe } from '../../src/ops/health/probes/budget.js';
import { createDatabaseProbe } from '../../src/ops/health/probes/database.js';
import { createHostProbe } from '../../src/ops/health/probes/host.js';
import { createOfflineProviderProbes } from '../../src/ops/health/probes/providers.js';
import { createSchedulerProbe } from '../../src/ops/health/probes/scheduler.js';
import { createScheduler } from '../../src/jobs/scheduler.js';
import { silentLogger } from '../../src/core/logger.js';
import { pipelineKpis } from '../../src/ops/health/kpis.js';
import { runProbes } from '../../src/ops/health/run-probes.js';
import { describeEachEngine } from '../helpers/db.js';

const ok = (name: string): ServiceProbe => ({ name, probe: async () => ({ name, level: 'HEALTHY', reason: 'ok' }) });

describe('runProbes', () => {
  it('a hung probe is CRITICAL "timed out", the others still answer, and the call returns', async () => {
    let aborted = false;
    const hung: ServiceProbe = {
      name: 'openai',
      timeoutMs: 50,
      probe: (signal) =>
        new Promise(() => {
          signal.addEventListener('abort', () => (aborted = true));
        }),
    };
    const report = await runProbes([ok('database'), hung, ok('host')]);
    expect(report.level).toBe('CRITICAL');
    expect(report.services.map((s) => [s.name, s.level])).toEqual([
      ['database', 'HEALTHY'],
      ['openai', 'CRITICAL'],
      ['host', 'HEALTHY'],
    ]);
    expect(report.services[1]!.reason).toBe('timed out after 50 ms');
    expect(aborted).toBe(true);
  });

  it('a probe that throws is CRITICAL with the reason, secrets redacted; the system state is the worst', async () => {
    const failing: ServiceProbe = { name: 'posthog', probe: async () => Promise.reject(new Error('401 for key phc_abcdefghijklmnop123')) };
    const warning: ServiceProbe = { name: 'host', probe: async () => ({ name: 'host', level: 'WARNING', reason: 'disk 85% used' }) };
    const report = await runProbes([failing, warning]);
    expect(report.level).toBe('CRITICAL');
    expect(report.services[0]!.reason).toBe('401 for key [REDACTED]');
    const healthy = await runProbes([warning, ok('database')]);
    expect(healthy.level).toBe('WARNING');
  });
});

describe('host and provider probes', () => {
  it('memory and disk follow the KPI table; the fullest path is named', async () => {
    const probe = createHostProbe({
      // a path that does not exist yet is measured at its nearest existing parent
      paths: { data: '/tmp/studio-not-created-yet/data', backups: process.cwd() },
      memory: () => ({ totalBytes: 100, availableBytes: 15 }),
      disk: (path) => (path === '/tmp' ? { totalBytes: 100, freeBytes: 50 } : { totalBytes: 100, freeBytes: 5 }),
    });
    const state = await probe.probe(new AbortController().signal);
    expect(state.level).toBe('CRITICAL');
    expect(state.reason).toContain('memory 85% used');
    expect(state.reason).toContain(`disk of backups (${process.cwd()}) 95% used`);
    expect(state.reason).not.toContain('disk of data');
    expect(state.details).toMatchObject({ memoryPct: 85, diskPct: 95 });
  });

  it('providers without a key are HEALTHY, offline, "offline provider"', async () => {
    const config = loadConfig({ env: { STUDIO_HOME: '/tmp', OPENAI_API_KEY: 'sk-test-1234567890' }, dotenv: false });
    const probes = createOfflineProviderProbes(config);
    expect(probes.map((p) => p.name)).toEqual(['google_ads', 'posthog']);
    const report = await runProbes(probes);
    expect(report.services[0]).toEqual({ name: 'google_ads', level: 'HEALTHY', reason: 'offline provider', offline: true });
  });

  it('the budget probe reports the sentinel level, EMERGENCY during a shutdown', async () => {
    const status = (pct: number, level: CategoryStatus['level']): CategoryStatus => ({ allocatedCents: 1000, spentCents: pct * 10, reservedCents: 0, remainingCents: 1000 - pct * 10, usagePercentage: pct, level });
    const snap = (emergencyShutdown: boolean): BudgetSnapshot => ({
      cycleId: 'c1',
      cycleStart: new Date(),
      total: status(85, 'WARNING'),
      categories: { openai_tokens: status(96, 'CRITICAL'), google_ads: status(10, 'HEALTHY'), infrastructure: status(0, 'HEALTHY'), external_apis: status(0, 'HEALTHY') },
      level: 'CRITICAL',
      emergencyShutdown,
      circuitBreakerActive: emergencyShutdown,
    });
    const critical = await createBudgetProbe({ snapshot: async () => snap(false) }).probe(new AbortController().signal);
    expect(critical).toMatchObject({ level: 'CRITICAL', reason: 'total 85.0%, openai_tokens 96.0% of the cycle budget' });
    const emergency = await createBudgetProbe({ snapshot: async () => snap(true) }).probe(new AbortController().signal);
    expect(emergency.level).toBe('EMERGENCY');
    expect(emergency.reason).toMatch(/^emergency shutdown active/);
  });
});

describeEachEngine('database and scheduler probes', (t) => {
  it('the database probe is HEALTHY, times a query, and says when pg_stat_statements is missing', async () => {
    const state = await createDatabaseProbe(t.db).probe(new AbortController().signal);
    expect(state.level).toBe('HEALTHY');
    expect(state.details).toMatchObject({ pgStatStatements: false, mode: t.db.mode });
    expect(state.reason).toBe('ok; slow statements not checked (pg_stat_statements not installed)');
    expect(typeof state.details!.queryMs).toBe('number');
    expect((state.details!.tables as Array<{ table: string }>).map((x) => x.table)).toContain('ideas');
  });

  it('lists the vector indexes with their size and scans', async () => {
    await t.db.exec(`create table probe_docs (id serial primary key, embedding vector(3));
      create index probe_docs_embedding_idx on probe_docs using hnsw (embedding vector_cosine_ops);
      insert into probe_docs (embedding) values ('[1,0,0]'), ('[0,1,0]');`);
    const state = await createDatabaseProbe(t.db).probe(new AbortController().signal);
    const vector = state.details!.vectorIndexes as Array<{ name: string; method: string; bytes: number }>;
    expect(vector).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'probe_docs_embedding_idx', method: 'hnsw', table: 'probe_docs' })]));
    expect(vector.map((v) => v.name)).toEqual(expect.arrayContaining(['ideas_embedding_hnsw_idx']));
    expect(vector[0]!.bytes).toBeGreaterThan(0);
  });

  it('the scheduler probe: never run is a WARNING, silent is CRITICAL, failed runs are a WARNING', async () => {
    const clock = createManualClock(Date.UTC(2026, 10, 3, 12));
    const probe = createSchedulerProbe(t.db, { clock });
    expect(await probe.probe(new AbortController().signal)).toMatchObject({ level: 'WARNING', reason: expect.stringMatching(/^no scheduler has run yet/) });

    await t.db.query(`insert into scheduler_nodes (id, host, pid, heartbeat_at) values ('n1', 'h1', 1, $1)`, [new Date(clock.now() - 30 * 60_000)]);
    expect(await probe.probe(new AbortController().signal)).toMatchObject({ level: 'CRITICAL', reason: 'no scheduler heartbeat for 30m 0s (it did not stop cleanly)' });

    // began a graceful stop and died during it: still not a clean stop
    await t.db.query(`update scheduler_nodes set stopping = true`);
    expect(await probe.probe(new AbortController().signal)).toMatchObject({ level: 'CRITICAL', reason: 'no scheduler heartbeat for 30m 0s (it did not stop cleanly)' });

    await t.db.query(`update scheduler_nodes set heartbeat_at = $1, stopping = false`, [new Date(clock.now() - 10_000)]);
    expect(await probe.probe(new AbortController().signal)).toMatchObject({ level: 'HEALTHY', reason: 'ok (1 process)' });
    const at = new Date(clock.now() - 60_000);
    await t.db.query(
      `insert into job_runs (job, scheduled_for, status, claimed_at, started_at, finished_at, error) values ('backup.daily', $1, 'failed', $1, $1, $1, 'pg_dump exited 1')`,
      [at],
    );
    const state = await probe.probe(new AbortController().signal);
    expect(state).toMatchObject({ level: 'WARNING', reason: '1 failed run(s) in the last hour: backup.daily' });
  });

  it('the scheduler probe follows the documented thresholds: 2 min WARNING, 10 min CRITICAL', async () => {
    await t.db.query('delete from scheduler_nodes');
    await t.db.query('delete from job_runs');
    const clock = createManualClock(Date.UTC(2026, 10, 4, 12));
    const probe = createSchedulerProbe(t.db, { clock });
    await t.db.query(`insert into scheduler_nodes (id, host, pid, heartbeat_at) values ('t1', 'h1', 1, $1)`, [new Date(clock.now())]);
    const at = async (msAgo: number) => {
      await t.db.query(`update scheduler_nodes set heartbeat_at = $1`, [new Date(clock.now() - msAgo)]);
      return probe.probe(new AbortController().signal);
    };
    expect((await at(119_000)).level).toBe('HEALTHY');
    expect(await at(121_000)).toMatchObject({ level: 'WARNING', reason: 'no scheduler heartbeat for 2m 1s (it did not stop cleanly)' });
    expect((await at(599_000)).level).toBe('WARNING');
    expect((await at(601_000)).level).toBe('CRITICAL');
  });

  it('a scheduler that stopped cleanly says so and is never CRITICAL for it; cron-only installs ask for none', async () => {
    await t.db.query('delete from scheduler_nodes');
    await t.db.query('delete from job_runs');
    const clock = createManualClock(Date.UTC(2026, 10, 5, 12));
    const scheduler = createScheduler({
      db: t.db,
      logger: silentLogger(),
      jobs: [],
      clock,
      host: 'host-a',
      pid: 4242,
      timers: false,
      settings: { heartbeatMs: 1_000, nodeTimeoutMs: 5_000, shutdownGraceMs: 100, deadmanGraceMs: 60_000, retryBaseMs: 1_000, retryMaxMs: 3_000 },
    });
    await scheduler.start();
    const probe = createSchedulerProbe(t.db, { clock });
    expect(await probe.probe(new AbortController().signal)).toMatchObject({ level: 'HEALTHY', reason: 'ok (1 process)' });
    clock.advance(5_000);
    await scheduler.stop({ graceMs: 100 });
    const stoppedAt = new Date(clock.now()).toISOString();

    // right after a graceful stop (SIGTERM, console quit): HEALTHY, and it says when and where it stopped
    clock.advance(13_000);
    expect(await probe.probe(new AbortController().signal)).toMatchObject({ level: 'HEALTHY', reason: `stopped cleanly at ${stoppedAt} (13s ago, host-a pid 4242)` });
    // hours later, while a resident scheduler is expected: WARNING (start one), never CRITICAL
    clock.advance(3 * 3_600_000);
    const later = await probe.probe(new AbortController().signal);
    expect(later.level).toBe('WARNING');
    expect(later.reason).toMatch(new RegExp(`^no scheduler running: stopped cleanly at ${stoppedAt} \\(3h 0m ago, host-a pid 4242\\); start studio scheduler`));
    // a cron-only installation expects no resident scheduler: HEALTHY, stopped or never run
    const cronOnly = createSchedulerProbe(t.db, { clock, residentExpected: false });
    expect(await cronOnly.probe(new AbortController().signal)).toMatchObject({ level: 'HEALTHY', reason: `stopped cleanly at ${stoppedAt} (3h 0m ago, host-a pid 4242); no resident scheduler expected` });
    await t.db.query('delete from scheduler_nodes');
    expect(await cronOnly.probe(new AbortController().signal)).toMatchObject({ level: 'HEALTHY', reason: 'no resident scheduler expected' });

    // a scheduler that starts again on the same row is running, not stopped
    await t.db.query(`insert into scheduler_nodes (id, host, pid, heartbeat_at, stopping, stopped_at) values ('old', 'h', 1, $1, true, $1)`, [new Date(clock.now() - 60_000)]);
    await t.db.query(`insert into scheduler_nodes (id, host, pid, heartbeat_at) values ('new', 'h', 2, $1)`, [new Date(clock.now() - 1_000)]);
    expect(await probe.probe(new AbortController().signal)).toMatchObject({ level: 'HEALTHY', reason: 'ok (1 process)' });
  });

  it('pipeline completion time comes from the stage history, with the KPI thresholds', async () => {
    const clock = createManualClock(Date.UTC(2026, 10, 3, 12));
    const created = new Date(clock.now() - 10 * 3_600_000);
    const id = randomUUID();
    await t.db.query(`insert into ideas (id, title, description, created_at, current_stage, status) values ($1, 'A test idea title', 'A description long enough', $2, 'COMPLETE', 'DEPLOYED')`, [id, created]);
    await t.db.query(`insert into idea_stage_history (idea_id, at, from_stage, to_stage, to_status, actor) values ($1, $2, 'SMOKE_TEST', 'COMPLETE', 'DEPLOYED', 'w1')`, [id, new Date(created.getTime() + 7 * 3_600_000)]);
    const [sample] = await pipelineKpis(t.db, clock);
    expect(sample).toMatchObject({ kpi: 'pipeline_completion_hours', value: 7, level: 'CRITICAL' });
  });
});
