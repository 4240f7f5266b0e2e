/**
 * The cheap roll-ups of ideas the console, health checks and `pipeline status` read: counts per stage and
 * status, stuck ideas, throughput, average stage cost.
 */
import type { Queryable } from '../core/ports.js';
import { STAGES, type Stage, type Status } from '../core/types.js';

export interface PipelineCounts {
  stages: Array<{ stage: Stage; count: number }>;
  statuses: Array<{ status: Status; count: number }>;
  /** Active, unparked ideas (held by a worker or waiting in a stage). */
  processing: number;
  /** Held by a worker right now. */
  running: number;
  waitingOnBudget: number;
  parked: number;
  completedLast24h: number;
  total: number;
}

/**
 * Counts per stage and status and the pipeline's headline numbers, from the trigger-kept `idea_counts`
 * roll-up (a few dozen rows) plus two partial-index counts: cheap however many ideas there are.
 */
/** The statement pipelineCounts reads with (`now`: a SQL expression, a placeholder): the console's refresh composes it. */
export function pipelineCountsSql(now: string): string {
  // one round trip: the live counts ride on every grouped row (and on a lone row of nulls when there are none)
  return `select g.stage, g.status, g.parked, g.n, l.running, l.waiting, l.done
       from (select (select count(*) from ideas where lease_until > ${now})::int as running,
                    (select count(*) from ideas where waiting_on_budget is not null)::int as waiting,
                    (select count(*) from ideas where completed_at > ${now}::timestamptz - interval '1 day')::int as done) l
       left join (select stage, status, parked, sum(n)::int as n from idea_counts group by stage, status, parked having sum(n) <> 0) g on true`;
}

export type PipelineCountsRow = { stage: Stage | null; status: Status; parked: boolean; n: number; running: number; waiting: number; done: number };

/**
 * Counts per stage and status and the pipeline's headline numbers, from the trigger-kept `idea_counts`
 * roll-up (a few dozen rows) plus two partial-index counts: cheap however many ideas there are.
 */
export async function pipelineCounts(db: Queryable, now: Date): Promise<PipelineCounts> {
  const result = await db.query<PipelineCountsRow>(pipelineCountsSql('$1'), [now]);
  return toPipelineCounts(result.rows);
}

/** pipelineCounts' rows as counts. */
export function toPipelineCounts(rows: PipelineCountsRow[]): PipelineCounts {
  const live = rows[0];
  const stages = new Map<Stage, number>();
  const statuses = new Map<Status, number>();
  const sum = { processing: 0, parked: 0, total: 0 };
  for (const r of rows) {
    if (r.stage === null) continue;
    stages.set(r.stage, (stages.get(r.stage) ?? 0) + r.n);
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + r.n);
    if (r.parked) sum.parked += r.n;
    else if (r.stage !== 'COMPLETE' && r.status !== 'REJECTED' && r.status !== 'ARCHIVED') sum.processing += r.n;
    sum.total += r.n;
  }
  return {
    stages: [...stages].map(([stage, count]) => ({ stage, count })).sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage)),
    statuses: [...statuses].map(([status, count]) => ({ status, count })),
    processing: sum.processing,
    running: live?.running ?? 0,
    waitingOnBudget: live?.waiting ?? 0,
    parked: sum.parked,
    completedLast24h: live?.done ?? 0,
    total: sum.total,
  };
}

export interface StuckIdea {
  id: string;
  title: string;
  stage: Stage;
  status: Status;
  heldForMs: number;
  leaseLapses: number;
  parkedReason: string | null;
  reason: string;
}

export type StuckIdeaRow = { id: string; title: string; current_stage: Stage; status: Status; stage_entered_at: Date; lease_lapses: number; parked_reason: string | null };

/**
 * The statement stuckIdeas reads with. `maxLapses` is the value (it chooses the index condition); the
 * other arguments are SQL expressions (placeholders): the console's refresh composes it.
 */
export function stuckIdeasSql(p: { now: string; stuckAfterMs: string; maxLapses: string; limit: string }, maxLapses: number): string {
  const active = `current_stage <> 'COMPLETE' and status not in ('REJECTED', 'ARCHIVED')`;
  // `lease_lapses > 0` adds nothing when maxLapses >= 1 but lets the planner use ideas_lapsed_idx
  const lapsed = maxLapses >= 1 ? `lease_lapses >= ${p.maxLapses}::int and lease_lapses > 0` : `lease_lapses >= ${p.maxLapses}::int`;
  const columns = 'id, title, current_stage, status, stage_entered_at, lease_lapses, parked_reason';
  // the second list leaves out what the first has (stage_entered_at is not null), so the two merge in order
  return `with cut as (select ${p.now}::timestamptz - ${p.stuckAfterMs}::float8 * interval '1 millisecond' as at)
     select ${columns} from (
       (select ${columns} from ideas where ${active} and stage_entered_at < (select at from cut)
         order by stage_entered_at limit ${p.limit})
       union all
       (select ${columns} from ideas where ${active} and ${lapsed} and stage_entered_at >= (select at from cut)
         order by stage_entered_at limit ${p.limit})
     ) stuck
     order by stage_entered_at limit ${p.limit}`;
}

/**
 * Stuck ideas: active and in one stage longer than `stuckAfterMs`, or whose lease lapsed `maxLapses`
 * times, longest in their stage first. Two bounded lists merged, each read in order from its own
 * partial index (ideas_stage_entered_idx, ideas_lapsed_idx): one `or` over both would scan and sort
 * every active idea whenever fewer than `limit` of them are stuck.
 */
export async function stuckIdeas(db: Queryable, now: Date, stuckAfterMs: number, options: { maxLapses?: number; limit?: number } = {}): Promise<StuckIdea[]> {
  const maxLapses = options.maxLapses ?? 3;
  const result = await db.query<StuckIdeaRow>(stuckIdeasSql({ now: '$1', stuckAfterMs: '$2', maxLapses: '$3', limit: '$4' }, maxLapses), [
    now,
    stuckAfterMs,
    maxLapses,
    options.limit ?? 50,
  ]);
  return toStuckIdeas(result.rows, now, stuckAfterMs, maxLapses);
}

/** stuckIdeas' rows as stuck ideas, each with why it counts as stuck at `now`. */
export function toStuckIdeas(rows: StuckIdeaRow[], now: Date, stuckAfterMs: number, maxLapses: number): StuckIdea[] {
  return rows.map((r) => {
    const heldForMs = now.getTime() - r.stage_entered_at.getTime();
    const reasons: string[] = [];
    if (heldForMs > stuckAfterMs) reasons.push(`in ${r.current_stage} for ${Math.round(heldForMs / 60_000)} min`);
    if (r.lease_lapses >= maxLapses) reasons.push(`lease lapsed ${r.lease_lapses} times`);
    if (r.parked_reason) reasons.push(`parked: ${r.parked_reason}`);
    return {
      id: r.id,
      title: r.title,
      stage: r.current_stage,
      status: r.status,
      heldForMs,
      leaseLapses: r.lease_lapses,
      parkedReason: r.parked_reason,
      reason: reasons.join('; '),
    };
  });
}

/** Stage runs finished since a time (throughput), and how long ideas took to complete. */
export async function throughput(db: Queryable, since: Date): Promise<{ runs: number; passed: number; failed: number }> {
  const result = await db.query<{ runs: number; passed: number; failed: number }>(
    `select count(*)::int as runs, count(*) filter (where state = 'passed')::int as passed,
            count(*) filter (where state in ('failed', 'error'))::int as failed
       from stage_runs where finished_at >= $1`,
    [since],
  );
  return result.rows[0] ?? { runs: 0, passed: 0, failed: 0 };
}

/** Average cost of a passed run per stage (for reset previews), over the last `limit` runs of each. */
export async function averageStageCost(db: Queryable): Promise<Map<Stage, number>> {
  const result = await db.query<{ stage: Stage; cents: number }>(
    `select stage, coalesce(avg(cost_cents), 0)::float8 as cents from stage_runs where state = 'passed' group by stage`,
  );
  return new Map(result.rows.map((r) => [r.stage, Math.ceil(Number(r.cents))]));
}
