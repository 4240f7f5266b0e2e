/**
 * Queries behind `studio report performance`: pipeline throughput and completion times, time spent per
 * stage and gate pass rates (from idea_stage_history), and spend by category and per idea (from the
 * budget module's `spend_ledger`, read only when it exists).
 */
import type { Queryable } from '../core/ports.js';

export interface Throughput {
  created: number;
  completed: number;
  rejected: number;
  /** Ideas that entered COMPLETE per day (UTC), oldest first. */
  completedPerDay: Array<{ day: string; count: number }>;
}

export async function readThroughput(db: Queryable, since: Date): Promise<Throughput> {
  const totals = await db.query<{ created: number; completed: number; rejected: number }>(
    `select (select count(*)::int from ideas where created_at >= $1) as created,
            (select count(distinct idea_id)::int from idea_stage_history where to_stage = 'COMPLETE' and at >= $1) as completed,
            (select count(distinct idea_id)::int from idea_stage_history where to_status = 'REJECTED' and at >= $1) as rejected`,
    [since],
  );
  const perDay = await db.query<{ day: string; count: number }>(
    `select to_char(date_trunc('day', at at time zone 'UTC'), 'YYYY-MM-DD') as day, count(distinct idea_id)::int as count
       from idea_stage_history where to_stage = 'COMPLETE' and at >= $1 group by 1 order by 1`,
    [since],
  );
  return { ...totals.rows[0]!, completedPerDay: perDay.rows };
}

export interface DurationStats {
  count: number;
  meanHours: number | null;
  p50Hours: number | null;
  p95Hours: number | null;
  maxHours: number | null;
}

/** Creation to COMPLETE, for ideas completed since `since`. */
export async function readCompletionTimes(db: Queryable, since: Date): Promise<DurationStats> {
  const result = await db.query<{ n: number; mean: number | null; p50: number | null; p95: number | null; max: number | null }>(
    `with done as (
       select extract(epoch from (min(h.at) - i.created_at)) / 3600.0 as hours
         from idea_stage_history h join ideas i on i.id = h.idea_id
        where h.to_stage = 'COMPLETE' and h.at >= $1 group by i.id, i.created_at)
     select count(*)::int as n, avg(hours) as mean,
            percentile_cont(0.5) within group (order by hours) as p50,
            percentile_cont(0.95) within group (order by hours) as p95, max(hours) as max from done`,
    [since],
  );
  const r = result.rows[0]!;
  const num = (v: number | null) => (v === null ? null : Number(v));
  return { count: r.n, meanHours: num(r.mean), p50Hours: num(r.p50), p95Hours: num(r.p95), maxHours: num(r.max) };
}

export interface StageStats extends DurationStats {
  stage: string;
  /** Moves out of the stage: forward (gate passed), back (gate failed), rejected. */
  forward: number;
  back: number;
  rejected: number;
  passRate: number | null;
}

const ORDER = ['IDEATE', 'RESEARCH', 'DECK', 'INVESTORS', 'MVP', 'SMOKE_TEST', 'COMPLETE'];

/** Time in each stage (entry to the next move) and how the stage was left, for moves since `since`. */
export async function readStageStats(db: Queryable, since: Date): Promise<StageStats[]> {
  const result = await db.query<{ stage: string; n: number; mean: number | null; p50: number | null; p95: number | null; max: number | null; forward: number; back: number; rejected: number }>(
    `with moves as (
       select to_stage as stage, at,
              lead(at) over w as left_at, lead(to_stage) over w as next_stage, lead(to_status) over w as next_status
         from idea_stage_history window w as (partition by idea_id order by at, id)),
     timed as (
       select stage, extract(epoch from (left_at - at)) / 3600.0 as hours, next_stage, next_status,
              array_position($2::text[], stage) as pos, array_position($2::text[], next_stage) as next_pos
         from moves where left_at is not null and left_at >= $1)
     select stage, count(*)::int as n, avg(hours) as mean,
            percentile_cont(0.5) within group (order by hours) as p50,
            percentile_cont(0.95) within group (order by hours) as p95, max(hours) as max,
            count(*) filter (where next_pos > pos)::int as forward,
            count(*) filter (where next_pos < pos)::int as back,
            count(*) filter (where next_status = 'REJECTED')::int as rejected
       from timed group by stage`,
    [since, ORDER],
  );
  const num = (v: number | null) => (v === null ? null : Number(v));
  return result.rows
    .map((r) => {
      const decided = r.forward + r.back + r.rejected;
      return {
        stage: r.stage,
        count: r.n,
        meanHours: num(r.mean),
        p50Hours: num(r.p50),
        p95Hours: num(r.p95),
        maxHours: num(r.max),
        forward: r.forward,
        back: r.back,
        rejected: r.rejected,
        passRate: decided > 0 ? r.forward / decided : null,
      };
    })
    .sort((a, b) => ORDER.indexOf(a.stage) - ORDER.indexOf(b.stage));
}

/** Stage runs started since a time, by stage and how they ended (from stage_runs, not idea moves). */
export interface StageRunOutcomes {
  stage: string;
  runs: number;
  passed: number;
  /** Gate failed or the run errored. */
  failed: number;
  /** Failed runs that were retried (failed minus parked and rejected). */
  retried: number;
  parked: number;
  rejected: number;
  /** Still running or waiting (campaign days, budget, a service). */
  open: number;
  /** passed / (passed + failed); null with no finished run. */
  passRate: number | null;
}

export async function readStageRunOutcomes(db: Queryable, since: Date): Promise<StageRunOutcomes[]> {
  const runs = await db.query<{ stage: string; runs: number; passed: number; failed: number; open: number }>(
    `select stage, count(*)::int as runs,
            count(*) filter (where state = 'passed')::int as passed,
            count(*) filter (where state in ('failed', 'error'))::int as failed,
            count(*) filter (where state in ('running', 'waiting'))::int as open
       from stage_runs where started_at >= $1 group by stage`,
    [since],
  );
  const ends = await db.query<{ stage: string; kind: string; n: number }>(
    `select details->>'stage' as stage, kind, count(*)::int as n from ops_events
      where kind in ('pipeline.parked', 'pipeline.rejected') and at >= $1 and details->>'stage' is not null group by 1, 2`,
    [since],
  );
  const ended = (stage: string, kind: string) => ends.rows.find((e) => e.stage === stage && e.kind === kind)?.n ?? 0;
  return runs.rows
    .map((r) => {
      const parked = ended(r.stage, 'pipeline.parked');
      const rejected = ended(r.stage, 'pipeline.rejected');
      const finished = r.passed + r.failed;
      return { stage: r.stage, runs: r.runs, passed: r.passed, failed: r.failed, retried: Math.max(0, r.failed - parked - rejected), parked, rejected, open: r.open, passRate: finished > 0 ? r.passed / finished : null };
    })
    .sort((a, b) => ORDER.indexOf(a.stage) - ORDER.indexOf(b.stage));
}

export interface SpendFacts {
  /** false until the budget module's spend_ledger exists. */
  ledger: boolean;
  /** Settled spend per budget cycle that had spend in the period, newest first, against that cycle's cap. */
  byCycle: Array<{ cycleId: string; startedAt: Date; endedAt: Date | null; capCents: number; cents: number }>;
  byCategory: Array<{ category: string; cents: number; entries: number }>;
  byIdea: Array<{ ideaId: string; title: string | null; cents: number }>;
}

/**
 * Settled spend since `since` by category and the top ideas, from `spend_ledger` (owned by the budget
 * module; read through to_jsonb so a renamed optional column does not break the report).
 */
export async function readSpend(db: Queryable, since: Date): Promise<SpendFacts> {
  const exists = await db.query<{ ok: boolean }>(`select to_regclass('spend_ledger') is not null as ok`);
  if (!exists.rows[0]?.ok) return { ledger: false, byCycle: [], byCategory: [], byIdea: [] };
  const rows = `(select to_jsonb(l) as j from spend_ledger l) ledger
     where coalesce(j->>'state', 'settled') = 'settled' and (j->>'created_at')::timestamptz >= $1`;
  const byCategory = await db.query<{ category: string; cents: number; entries: number }>(
    `select coalesce(j->>'category', 'unknown') as category, sum((j->>'amount_cents')::bigint)::bigint as cents, count(*)::int as entries
       from ${rows} group by 1 order by 2 desc`,
    [since],
  );
  const byIdea = await db.query<{ idea_id: string; title: string | null; cents: number }>(
    `select s.idea_id, i.title, s.cents from (
       select j->>'idea_id' as idea_id, sum((j->>'amount_cents')::bigint)::bigint as cents from ${rows} and j->>'idea_id' is not null group by 1
     ) s left join ideas i on i.id::text = s.idea_id order by s.cents desc limit 10`,
    [since],
  );
  // each cycle has its own cap: spend is compared with the cap of the cycle it was made in, never summed across
  const byCycle = await db.query<{ cycle_id: string; started_at: Date; ended_at: Date | null; cap: string; cents: string }>(
    `select c.id as cycle_id, c.started_at, c.ended_at, c.total_cents::text as cap, sum(l.amount_cents)::text as cents
       from spend_ledger l join budget_cycles c on c.id = l.cycle_id
      where l.state = 'settled' and l.created_at >= $1
      group by c.id, c.started_at, c.ended_at, c.total_cents order by c.started_at desc`,
    [since],
  );
  return {
    ledger: true,
    byCycle: byCycle.rows.map((r) => ({ cycleId: r.cycle_id, startedAt: r.started_at, endedAt: r.ended_at, capCents: Number(r.cap), cents: Number(r.cents) })),
    byCategory: byCategory.rows.map((r) => ({ category: r.category, cents: Number(r.cents), entries: r.entries })),
    byIdea: byIdea.rows.map((r) => ({ ideaId: r.idea_id, title: r.title, cents: Number(r.cents) })),
  };
}

export interface ProviderStats {
  provider: string;
  samples: number;
  meanMs: number;
  p95Ms: number;
  errors: number;
}

/** API response times and errors per provider, from the health check's KPI samples. */
export async function readProviderStats(db: Queryable, since: Date): Promise<ProviderStats[]> {
  const result = await db.query<{ kpi: string; n: number; mean: number; p95: number; errors: number }>(
    `select kpi, count(*)::int as n, avg(value) as mean, percentile_cont(0.95) within group (order by value) as p95,
            count(*) filter (where details->>'ok' = 'false')::int as errors
       from kpi_samples where kpi like 'api_response_ms:%' and at >= $1 group by kpi order by kpi`,
    [since],
  );
  return result.rows.map((r) => ({ provider: r.kpi.slice('api_response_ms:'.length), samples: r.n, meanMs: Number(r.mean), p95Ms: Number(r.p95), errors: r.errors }));
}
