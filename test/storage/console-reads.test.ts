import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachEngine, describeServer } from '../helpers/db.js';
import { parkedAndWaitingSql } from '../../src/storage/ideas.js';
import { pipelineCounts, stuckIdeas } from '../../src/storage/idea-rollups.js';
import { jobPanel, latestRuns } from '../../src/storage/job-runs.js';
import { jobStates, setPaused } from '../../src/storage/job-state.js';
import { readKpiHistory } from '../../src/storage/health-store.js';

// The console's per-refresh reads, rewritten to be served by indexes (migration 0009): they must return
// exactly what the plain queries they replaced return.
describeEachEngine('console reads', (t) => {
  const SIX_HOURS = 6 * 3_600_000;

  /** The query stuckIdeas ran before it was split in two index-ordered lists: the oracle. */
  async function plainStuck(now: Date, stuckAfterMs: number, maxLapses: number, limit: number): Promise<string[]> {
    const result = await t.db.query<{ id: string }>(
      `select id from ideas
        where current_stage <> 'COMPLETE' and status not in ('REJECTED', 'ARCHIVED')
          and (stage_entered_at < $1::timestamptz - $2::float8 * interval '1 millisecond' or lease_lapses >= $3)
        order by stage_entered_at limit $4`,
      [now, stuckAfterMs, maxLapses, limit],
    );
    return result.rows.map((r) => r.id);
  }

  it('pipeline counts over no ideas at all are zeros, not a crash on the empty roll-up', async () => {
    const counts = await pipelineCounts(t.db, new Date());
    expect(counts).toEqual({ stages: [], statuses: [], processing: 0, running: 0, waitingOnBudget: 0, parked: 0, completedLast24h: 0, total: 0 });
  });

  it('stuck ideas: in their stage too long or lease lapsed too often, longest first, the same list as one plain query', async () => {
    const now = new Date();
    // minutes ago each idea entered its stage, its lapses, and whether it is still active
    const rows: Array<{ minutes: number; lapses: number; stage?: string; status?: string }> = [
      { minutes: 600, lapses: 0 }, // stuck by time
      { minutes: 500, lapses: 4 }, // both
      { minutes: 30, lapses: 3 }, // lapsed only, recent: must sit after every older stuck idea
      { minutes: 20, lapses: 2 }, // neither
      { minutes: 10, lapses: 0 }, // neither
      { minutes: 900, lapses: 5, stage: 'COMPLETE', status: 'DEPLOYED' }, // done: never stuck
      { minutes: 800, lapses: 0, status: 'REJECTED' }, // rejected: never stuck
      { minutes: 450, lapses: 1 }, // stuck by time
      { minutes: 5, lapses: 7 }, // lapsed only
    ];
    const ids: string[] = [];
    for (const [i, r] of rows.entries()) {
      const id = randomUUID();
      ids.push(id);
      await t.db.query(
        `insert into ideas (id, title, description, current_stage, status, stage_entered_at, lease_lapses)
         values ($1, $2, 'A description long enough', $3, $4, $5::timestamptz - $6::int * interval '1 minute', $7)`,
        [id, `Stuck idea number ${i}`, r.stage ?? 'RESEARCH', r.status ?? 'RESEARCHING', now, r.minutes, r.lapses],
      );
    }
    const stuck = await stuckIdeas(t.db, now, SIX_HOURS, { maxLapses: 3 });
    expect(stuck.map((s) => s.id)).toEqual([ids[0], ids[1], ids[7], ids[2], ids[8]]);
    expect(stuck.map((s) => s.id)).toEqual(await plainStuck(now, SIX_HOURS, 3, 50));
    expect(stuck[1]!.reason).toMatch(/^in RESEARCH for 500 min; lease lapsed 4 times$/);
    expect(stuck[3]!.reason).toBe('lease lapsed 3 times');

    // a short limit cuts the merged list, not each half
    expect((await stuckIdeas(t.db, now, SIX_HOURS, { maxLapses: 3, limit: 3 })).map((s) => s.id)).toEqual([ids[0], ids[1], ids[7]]);
    // nothing stuck by time: the lapsed ones alone, in order
    expect((await stuckIdeas(t.db, now, 24 * 3_600_000, { maxLapses: 3 })).map((s) => s.id)).toEqual([ids[1], ids[2], ids[8]]);
    // maxLapses 0: every active idea counts (the lease_lapses > 0 shortcut must not apply)
    const all = await stuckIdeas(t.db, now, 24 * 3_600_000, { maxLapses: 0 });
    expect(all.map((s) => s.id)).toEqual(await plainStuck(now, 24 * 3_600_000, 0, 50));
    expect(all).toHaveLength(7);
    for (const [after, lapses, limit] of [[SIX_HOURS, 1, 50], [60_000, 3, 2], [0, 9, 4], [SIX_HOURS, 5, 1]] as const) {
      expect((await stuckIdeas(t.db, now, after, { maxLapses: lapses, limit })).map((s) => s.id)).toEqual(await plainStuck(now, after, lapses, limit));
    }
  });

  it('latest runs: the newest run of each job that was not missed; a job that never ran has none', async () => {
    const base = Date.now();
    const at = (minutesAgo: number) => new Date(base - minutesAgo * 60_000);
    const runs: Array<[string, number, string]> = [
      ['health.check', 30, 'succeeded'],
      ['health.check', 20, 'failed'],
      ['health.check', 10, 'missed'], // newest, but missed: not shown
      ['backup.daily', 100, 'succeeded'],
      ['backup.daily', 5, 'running'],
      ['report.performance', 3, 'missed'], // only missed runs: none
    ];
    for (const [job, minutes, status] of runs) {
      await t.db.query(`insert into job_runs (job, scheduled_for, status, claimed_at) values ($1, $2, $3, $2)`, [job, at(minutes), status]);
    }
    const latest = await latestRuns(t.db, ['health.check', 'backup.daily', 'report.performance', 'never.ran']);
    expect([...latest.keys()].sort()).toEqual(['backup.daily', 'health.check']);
    expect(latest.get('health.check')).toMatchObject({ status: 'failed', scheduledFor: at(20) });
    expect(latest.get('backup.daily')).toMatchObject({ status: 'running', scheduledFor: at(5) });

    // the console's jobs panel reads the same in one round trip, with the pause flag by job name
    await setPaused(t.db, { job: 'backup.daily', paused: true, now: new Date(), by: 'olga', reason: 'disk swap' });
    await setPaused(t.db, { job: 'health.check', paused: false, now: new Date(), by: 'olga' });
    const jobs = [
      { key: 'health.check', name: 'health.check' },
      { key: 'backup.daily', name: 'backup.daily' },
      { key: 'report.performance', name: 'report.performance' },
      { key: 'never.ran@host-a', name: 'never.ran' },
    ];
    const panel = await jobPanel(t.db, jobs);
    const states = await jobStates(t.db, jobs.map((j) => j.name));
    expect([...panel.keys()].sort()).toEqual(jobs.map((j) => j.key).sort());
    for (const job of jobs) {
      const run = latest.get(job.key);
      expect(panel.get(job.key)).toEqual({
        paused: states.get(job.name)?.paused ?? false,
        run: run && { status: run.status, scheduledFor: run.scheduledFor, startedAt: run.startedAt, durationMs: run.durationMs, error: run.error, progress: run.progress },
      });
    }
    expect(panel.get('backup.daily')!.paused).toBe(true);
    expect(await jobPanel(t.db, [])).toEqual(new Map());
  });

  it('KPI history: per KPI its newest samples since a time, oldest first, the same as a window over all of them', async () => {
    const now = Date.now();
    const kpis = ['db_query_ms', 'api_response_ms:openai', 'api_response_ms:posthog', 'disk_pct', 'gone_kpi'];
    for (const [k, kpi] of kpis.entries()) {
      // every 10 minutes for 30 hours; gone_kpi stopped two days ago
      const start = kpi === 'gone_kpi' ? 48 * 60 : 0;
      await t.db.query(
        `insert into kpi_samples (kpi, at, value, level)
         select $1, to_timestamp($2::float8 / 1000) - g * interval '10 minutes', g * 1.5 + $3, case when g % 7 = 0 then 'WARNING' else 'HEALTHY' end
           from generate_series($4::int, $4::int + 180) g`,
        [kpi, now, k, start / 10],
      );
    }
    const plain = async (since: Date, prefix: string | null, limit: number) => {
      const result = await t.db.query<{ kpi: string; at: Date; value: number; level: string }>(
        `select kpi, at, value, level from (
           select kpi, at, value, level, row_number() over (partition by kpi order by at desc) as n
             from kpi_samples where at >= $1 and ($2::text is null or kpi like $2 || '%')
         ) ranked where n <= $3 order by kpi, at`,
        [since, prefix, limit],
      );
      const out: Record<string, Array<{ at: Date; value: number; level: string }>> = {};
      for (const r of result.rows) (out[r.kpi] ??= []).push({ at: r.at, value: Number(r.value), level: r.level });
      return out;
    };
    const day = new Date(now - 86_400_000);
    const history = await readKpiHistory(t.db, { since: day, limit: 48 });
    expect(Object.keys(history).sort()).toEqual(['api_response_ms:openai', 'api_response_ms:posthog', 'db_query_ms', 'disk_pct']);
    expect(history.db_query_ms).toHaveLength(48);
    expect(history.db_query_ms!.at(-1)!.at.getTime()).toBe(now); // the newest sample last
    expect(history.db_query_ms![0]!.at.getTime()).toBeLessThan(history.db_query_ms![1]!.at.getTime());
    expect(history).toEqual(await plain(day, null, 48));
    expect(await readKpiHistory(t.db, { since: day, kpiPrefix: 'api_response_ms:', limit: 5 })).toEqual(await plain(day, 'api_response_ms:', 5));
    expect(await readKpiHistory(t.db, { since: new Date(0) })).toEqual(await plain(new Date(0), null, 288));
    expect(await readKpiHistory(t.db, { since: new Date(now + 60_000) })).toEqual({});
  });
});

// The ideas waiting for an operator are read on every console refresh: with many ideas and few of them
// parked or waiting, each list is a walk of its own small partial index (migration 0011), never a scan of
// every idea (it was 26 ms of a 28 ms refresh with 100,000 ideas).
describeServer('the awaiting lists with many ideas', (t) => {
  it('reads parked and budget-waiting ideas through their indexes, not a scan of every idea', async () => {
    await t.db.exec(`
      insert into ideas (id, title, description, created_at, parked_reason, waiting_on_budget)
      select gen_random_uuid(), 'Generated idea ' || g, 'A generated idea for the plan test', now() - g * interval '1 minute',
             case when g % 1000 = 0 then 'parked by the test' end, case when g % 997 = 0 then 'openai_tokens' end
        from generate_series(1, 20000) g;
      analyze ideas;`);
    const plan = await t.db.query<{ 'QUERY PLAN': string }>(`explain ${parkedAndWaitingSql('id', '50')}`);
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).not.toMatch(/Seq Scan on ideas/);
    const lists = await t.db.query<{ list: string }>(parkedAndWaitingSql('id', '50'));
    expect(lists.rows.filter((r) => r.list === 'parked')).toHaveLength(20);
    expect(lists.rows.filter((r) => r.list === 'waiting')).toHaveLength(20);
  });
});
