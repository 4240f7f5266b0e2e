import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { startMetricsServer, schedulerStateSource, type MetricsServer } from '../../src/jobs/metrics-server.js';
import { createScheduler, type Scheduler } from '../../src/jobs/scheduler.js';
import { budgetMetricSource } from '../../src/pipeline/budget/review.js';
import { createSentinel } from '../../src/pipeline/budget/sentinel.js';
import { pipelineMetricSource } from '../../src/pipeline/metrics.js';
import { serviceStateMetricSource } from '../../src/ops/health/metrics.js';
import { upsertServiceState } from '../../src/storage/health-store.js';
import { describeEachEngine } from '../helpers/db.js';

const PROMTOOL = '/usr/bin/promtool';

// /metrics as Prometheus reads it: parsed by a real exposition-format parser and linted by promtool.
describeEachEngine('/metrics exposition', (t) => {
  let scheduler: Scheduler | undefined;
  let server: MetricsServer | undefined;
  afterAll(async () => {
    await server?.close();
    await scheduler?.stop({ graceMs: 100 });
  });

  const scrape = async (): Promise<string> => {
    if (!server) {
      const sentinel = createSentinel({ db: t.db, config: t.config, clock: systemClock, logger: silentLogger() });
      await sentinel.record({ category: 'openai_tokens', service: 'openai', operation: 'chat', idempotencyKey: 'metrics-test:1', amountCents: 234 });
      await sentinel.record({ category: 'google_ads', service: 'google_ads', operation: 'campaign', idempotencyKey: 'metrics-test:2', amountCents: 500 });
      await t.db.query(`insert into ideas (id, title, description, current_stage, status) values (gen_random_uuid(), 'A metrics idea title', 'A description long enough', 'RESEARCH', 'RESEARCHING')`);
      await upsertServiceState(t.db, { name: 'openai', level: 'WARNING', reason: 'slow', latencyMs: 1500 }, new Date());
      await upsertServiceState(t.db, { name: 'database', level: 'HEALTHY', reason: 'ok', latencyMs: 3 }, new Date());
      scheduler = createScheduler({
        db: t.db,
        logger: silentLogger(),
        jobs: [{ name: 'test.metrics', description: 'a job for metrics', schedule: '*/5 * * * *', run: async () => undefined }],
        timers: false,
        settings: { heartbeatMs: 1_000, nodeTimeoutMs: 5_000, shutdownGraceMs: 100, deadmanGraceMs: 60_000, retryBaseMs: 1_000, retryMaxMs: 3_000 },
      });
      await scheduler.start();
      await scheduler.fire('test.metrics', new Date('2026-03-01T10:05:00Z'));
      server = await startMetricsServer({
        port: 0,
        host: '127.0.0.1',
        scheduler,
        logger: silentLogger(),
        sources: [
          schedulerStateSource({ db: t.db, scheduler, clock: systemClock, nodeTimeoutMs: 5_000 }),
          budgetMetricSource(sentinel),
          pipelineMetricSource(t.db),
          serviceStateMetricSource(t.db),
        ],
      });
    }
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  it('parses as Prometheus text; names follow the conventions; no aggregate series and no unbounded label', async () => {
    const families = parsePrometheusTextFormat(await scrape());
    const byName = new Map(families.map((f) => [f.name, f]));
    const values = (name: string) => Object.fromEntries((byName.get(name)?.metrics ?? []).map((m) => [Object.values(m.labels ?? {}).join(','), Number(m.value)]));

    for (const f of families) {
      expect(f.name).toMatch(/^studio_[a-z0-9_]+$/);
      if (f.type === 'COUNTER') expect(f.name).toMatch(/_total$/);
      else expect(f.name).not.toMatch(/_total$/);
      // base units only: no cents, milliseconds or bytes-as-kb in a name
      expect(f.name).not.toMatch(/_(cents|ms|milliseconds|minutes|hours|kb|mb)(_|$)/);
      for (const m of f.metrics) {
        expect(Object.keys(m.labels ?? {})).not.toContain('cycle');
        expect(Object.values(m.labels ?? {})).not.toContain('total');
      }
    }
    // budget: per category in dollars, sum() equals the cycle's own family, which stands apart
    const spent = values('studio_budget_spent_dollars');
    expect(Object.keys(spent).sort()).toEqual(['external_apis', 'google_ads', 'infrastructure', 'openai_tokens']);
    expect(spent.openai_tokens).toBe(2.34);
    expect(spent.google_ads).toBe(5);
    const sum = Object.values(spent).reduce((a, b) => a + b, 0);
    expect(values('studio_budget_cycle_spent_dollars')['']).toBeCloseTo(sum, 6);
    expect(values('studio_budget_cycle_start_timestamp_seconds')['']).toBeGreaterThan(1_600_000_000);
    // ideas per stage: every stage, zeros included
    expect(values('studio_ideas')).toMatchObject({ IDEATE: 0, RESEARCH: 1, DECK: 0, INVESTORS: 0, MVP: 0, SMOKE_TEST: 0, COMPLETE: 0 });
    // service states from the last health check
    expect(values('studio_service_state')).toEqual({ database: 0, openai: 1 });
    expect(values('studio_service_latency_seconds')).toEqual({ database: 0.003, openai: 1.5 });
    // the job counters and histogram of this process, written by prom-client
    expect(values('studio_job_runs_total')['test.metrics,succeeded']).toBe(1);
    const hist = byName.get('studio_job_duration_seconds')!;
    expect(hist.type).toBe('HISTOGRAM');
    expect(Number(hist.metrics[0]!.buckets!['+Inf'])).toBe(1);
    expect(values('studio_metric_source_up')).toEqual({ scheduler: 1, budget: 1, pipeline: 1, health: 1 });
  });

  it.skipIf(!existsSync(PROMTOOL))(`passes promtool check metrics${existsSync(PROMTOOL) ? '' : ' (skipped: promtool not installed; apt-get install prometheus)'}`, async () => {
    const text = await scrape();
    const child = execFile(PROMTOOL, ['check', 'metrics']);
    const done = new Promise<{ code: number | null; out: string }>((resolve) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => resolve({ code, out }));
    });
    child.stdin!.end(text);
    const { code, out } = await done;
    expect(out.trim()).toBe('');
    expect(code).toBe(0);
  });
});

