/**
 * SQL of ideas: intake, queries, duplicate search over pgvector (HNSW, cosine), the orchestrator's claim
 * (FOR UPDATE SKIP LOCKED with a lease) and stage transitions, and the cheap roll-ups the console and
 * health checks read (counts per stage and status, stuck ideas).
 */
import type { Queryable } from '../core/ports.js';
import { STAGES, type IdeaCategory, type IdeaFields, type Stage, type Status } from '../core/types.js';

export interface IdeaRow {
  id: string;
  title: string;
  description: string;
  category: IdeaCategory;
  status: Status;
  currentStage: Stage;
  stageProgress: number;
  problem: string | null;
  solution: string | null;
  market: string | null;
  evidenceLinks: string[];
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  stageEnteredAt: Date;
  outputs: Record<string, unknown>;
  lockedBy: string | null;
  leaseUntil: Date | null;
  leaseLapses: number;
  attempt: number;
  nextAttemptAt: Date;
  parkedReason: string | null;
  waitingOnBudget: string | null;
  lastError: string | null;
  completedAt: Date | null;
}

const COLUMNS = `id, title, description, category, status, current_stage, stage_progress, problem_statement, solution_description,
  target_market, evidence_links, created_by, created_at, updated_at, stage_entered_at, outputs, locked_by, lease_until, lease_lapses,
  attempt, next_attempt_at, parked_reason, waiting_on_budget, last_error, completed_at`;

type Raw = {
  id: string;
  title: string;
  description: string;
  category: IdeaCategory;
  status: Status;
  current_stage: Stage;
  stage_progress: number;
  problem_statement: string | null;
  solution_description: string | null;
  target_market: string | null;
  evidence_links: string[];
  created_by: string;
  created_at: Date;
  updated_at: Date;
  stage_entered_at: Date;
  outputs: Record<string, unknown>;
  locked_by: string | null;
  lease_until: Date | null;
  lease_lapses: number;
  attempt: number;
  next_attempt_at: Date;
  parked_reason: string | null;
  waiting_on_budget: string | null;
  last_error: string | null;
  completed_at: Date | null;
};

const toIdea = (r: Raw): IdeaRow => ({
  id: r.id,
  title: r.title,
  description: r.description,
  category: r.category,
  status: r.status,
  currentStage: r.current_stage,
  stageProgress: Number(r.stage_progress),
  problem: r.problem_statement,
  solution: r.solution_description,
  market: r.target_market,
  evidenceLinks: r.evidence_links ?? [],
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  stageEnteredAt: r.stage_entered_at,
  outputs: r.outputs ?? {},
  lockedBy: r.locked_by,
  leaseUntil: r.lease_until,
  leaseLapses: r.lease_lapses,
  attempt: r.attempt,
  nextAttemptAt: r.next_attempt_at,
  parkedReason: r.parked_reason,
  waitingOnBudget: r.waiting_on_budget,
  lastError: r.last_error,
  completedAt: r.completed_at,
});

/** pgvector's text form of a vector. */
export function vectorLiteral(vector: readonly number[]): string {
  return `[${vector.map((v) => (Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : 0)).join(',')}]`;
}

export interface NewIdea extends IdeaFields {
  id: string;
  embedding: number[] | null;
  at: Date;
  outputs?: Record<string, unknown>;
}

export async function insertIdea(tx: Queryable, idea: NewIdea): Promise<void> {
  await tx.query(
    `insert into ideas (id, title, description, category, status, current_stage, stage_progress, problem_statement, solution_description,
       target_market, evidence_links, created_by, created_at, updated_at, stage_entered_at, next_attempt_at, embedding, outputs, attempt)
     values ($1, $2, $3, $4, 'DRAFT', 'IDEATE', 0, $5, $6, $7, $8, $9, $10, $10, $10, $10, $11::vector, $12, 1)`,
    [
      idea.id,
      idea.title,
      idea.description,
      idea.category,
      idea.problem,
      idea.solution,
      idea.market,
      idea.evidenceLinks,
      idea.createdBy,
      idea.at,
      idea.embedding ? vectorLiteral(idea.embedding) : null,
      JSON.stringify(idea.outputs ?? {}),
    ],
  );
  await tx.query(
    `insert into idea_stage_history (idea_id, at, from_stage, to_stage, from_status, to_status, actor, reason)
     values ($1, $2, null, 'IDEATE', null, 'DRAFT', 'intake', 'submitted')`,
    [idea.id, idea.at],
  );
}

export async function findByExactTitle(db: Queryable, title: string): Promise<{ id: string; title: string } | undefined> {
  const result = await db.query<{ id: string; title: string }>('select id, title from ideas where lower(title) = lower($1) limit 1', [title]);
  return result.rows[0];
}

export interface SimilarIdea {
  id: string;
  title: string;
  status: Status;
  stage: Stage;
  similarity: number;
}

/**
 * The nearest ideas by cosine similarity (through the HNSW index), those at or above `minSimilarity`.
 * `ef_search` is raised for the query so a filtered top-k still finds its matches.
 */
export async function nearestIdeas(
  db: Queryable,
  vector: readonly number[],
  options: { limit: number; minSimilarity: number; excludeId?: string },
): Promise<SimilarIdea[]> {
  const result = await db.query<{ id: string; title: string; status: Status; current_stage: Stage; distance: number }>(
    `select id, title, status, current_stage, distance from (
       select id, title, status, current_stage, embedding <=> $1::vector as distance
         from ideas where embedding is not null order by embedding <=> $1::vector limit $2
     ) nearest where ($3::uuid is null or id <> $3::uuid) and distance <= $4 order by distance`,
    [vectorLiteral(vector), options.limit + (options.excludeId ? 1 : 0), options.excludeId ?? null, 1 - options.minSimilarity],
  );
  return result.rows
    .slice(0, options.limit)
    .map((r) => ({ id: r.id, title: r.title, status: r.status, stage: r.current_stage, similarity: Math.round((1 - Number(r.distance)) * 1000) / 1000 }));
}

export async function ideaEmbedding(db: Queryable, id: string): Promise<number[] | null> {
  const result = await db.query<{ embedding: string | null }>('select embedding::text as embedding from ideas where id = $1', [id]);
  const text = result.rows[0]?.embedding;
  return text ? (JSON.parse(text) as number[]) : null;
}

/** Ideas a creator submitted since each time (intake limits). */
export async function intakeCounts(db: Queryable, createdBy: string, now: Date): Promise<{ lastHour: number; lastDay: number }> {
  const result = await db.query<{ hour: number; day: number }>(
    `select count(*) filter (where created_at > $2::timestamptz - interval '1 hour')::int as hour,
            count(*)::int as day
       from ideas where created_by = $1 and created_at > $2::timestamptz - interval '1 day'`,
    [createdBy, now],
  );
  return { lastHour: result.rows[0]?.hour ?? 0, lastDay: result.rows[0]?.day ?? 0 };
}

/**
 * Ideas a submitter (the operator who ran the command, recorded in outputs.intake.submittedBy) stored in
 * the last hour and day: what the intake limits count, whatever created_by the ideas claim.
 */
export async function intakeCountsBySubmitter(db: Queryable, submittedBy: string, now: Date): Promise<{ lastHour: number; lastDay: number }> {
  const result = await db.query<{ hour: number; day: number }>(
    `select count(*) filter (where created_at > $2::timestamptz - interval '1 hour')::int as hour,
            count(*)::int as day
       from ideas where created_at > $2::timestamptz - interval '1 day' and outputs->'intake'->>'submittedBy' = $1`,
    [submittedBy, now],
  );
  return { lastHour: result.rows[0]?.hour ?? 0, lastDay: result.rows[0]?.day ?? 0 };
}

/** One idea by id, or by an unambiguous id prefix (8+ characters). */
export async function getIdea(db: Queryable, idOrPrefix: string): Promise<IdeaRow | undefined> {
  const text = idOrPrefix.trim().toLowerCase();
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text)) {
    const result = await db.query<Raw>(`select ${COLUMNS} from ideas where id = $1`, [text]);
    return result.rows[0] ? toIdea(result.rows[0]) : undefined;
  }
  if (!/^[0-9a-f-]{8,36}$/.test(text)) return undefined;
  const result = await db.query<Raw>(`select ${COLUMNS} from ideas where id::text like $1 || '%' limit 2`, [text]);
  return result.rows.length === 1 ? toIdea(result.rows[0]!) : undefined;
}

export interface ListFilter {
  status?: Status | 'processing' | 'parked' | 'waiting';
  stage?: Stage;
  category?: IdeaCategory;
  search?: string;
  limit?: number;
}

/** Escapes LIKE's wildcards so the text matches only itself. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const PROCESSING = `(current_stage <> 'COMPLETE' and status not in ('REJECTED', 'ARCHIVED') and parked_reason is null)`;

export async function listIdeas(db: Queryable, filter: ListFilter = {}): Promise<IdeaRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.status === 'processing') where.push(PROCESSING);
  else if (filter.status === 'parked') where.push('parked_reason is not null');
  else if (filter.status === 'waiting') where.push('waiting_on_budget is not null');
  else if (filter.status) add('status = ?', filter.status);
  if (filter.stage) add('current_stage = ?', filter.stage);
  if (filter.category) add('category = ?', filter.category);
  // one text parameter used twice; the operator's text is matched literally (its % and _ escaped)
  if (filter.search) add(`(title ilike ?::text escape '\\' or description ilike $${params.length + 1}::text escape '\\')`, `%${likeLiteral(filter.search)}%`);
  params.push(filter.limit ?? 50);
  const result = await db.query<Raw>(
    `select ${COLUMNS} from ideas ${where.length ? `where ${where.join(' and ')}` : ''} order by created_at desc, id limit $${params.length}`,
    params,
  );
  return result.rows.map(toIdea);
}

export interface HistoryRow {
  at: Date;
  fromStage: string | null;
  toStage: string;
  fromStatus: string | null;
  toStatus: string;
  actor: string;
  reason: string | null;
}

export async function stageHistory(db: Queryable, ideaId: string): Promise<HistoryRow[]> {
  const result = await db.query<{ at: Date; from_stage: string | null; to_stage: string; from_status: string | null; to_status: string; actor: string; reason: string | null }>(
    'select at, from_stage, to_stage, from_status, to_status, actor, reason from idea_stage_history where idea_id = $1 order by at, id',
    [ideaId],
  );
  return result.rows.map((r) => ({ at: r.at, fromStage: r.from_stage, toStage: r.to_stage, fromStatus: r.from_status, toStatus: r.to_status, actor: r.actor, reason: r.reason }));
}

// ---------------------------------------------------------------------------------------------------
// The orchestrator's claim and transitions
// ---------------------------------------------------------------------------------------------------

/**
 * Claim up to `limit` due ideas for `worker`: active, not parked, due, and not held by a live lease.
 * A claim over a lapsed lease counts the lapse. One statement; concurrent claimers skip each other's rows.
 */
export async function claimDue(db: Queryable, worker: string, leaseMs: number, limit = 1): Promise<IdeaRow[]> {
  const result = await db.query<Raw>(
    `with due as (
       select id from ideas
        where current_stage <> 'COMPLETE' and status not in ('REJECTED', 'ARCHIVED') and parked_reason is null
          and next_attempt_at <= now() and (lease_until is null or lease_until < now())
        order by next_attempt_at
        limit $3
        for update skip locked
     )
     update ideas i set locked_by = $1, lease_until = now() + $2::float8 * interval '1 millisecond',
            lease_lapses = i.lease_lapses + (case when i.lease_until is not null then 1 else 0 end)
       from due where i.id = due.id
     returning ${COLUMNS.split(',').map((c) => `i.${c.trim()}`).join(', ')}`,
    [worker, leaseMs, limit],
  );
  return result.rows.map(toIdea);
}

/** Extend a lease still held by `worker`; false when it was lost (lapsed and taken). */
export async function extendLease(db: Queryable, ideaId: string, worker: string, leaseMs: number): Promise<boolean> {
  const result = await db.query('update ideas set lease_until = now() + $3::float8 * interval \'1 millisecond\' where id = $1 and locked_by = $2', [ideaId, worker, leaseMs]);
  return result.rowCount > 0;
}

export interface RunStart {
  runId: number;
  resumed: boolean;
}

/** Open (or resume, after a crash or a budget wait) the run row of this idea's current stage attempt. */
export async function startRun(db: Queryable, run: { ideaId: string; stage: Stage; attempt: number; key: string; worker: string }): Promise<RunStart> {
  const result = await db.query<{ id: number; resumed: boolean }>(
    `insert into stage_runs (idea_id, stage, attempt, idempotency_key, state, worker) values ($1, $2, $3, $4, 'running', $5)
     on conflict (idempotency_key) do update set state = 'running', worker = excluded.worker, finished_at = null, error = null
     returning id, (xmax <> 0) as resumed`,
    [run.ideaId, run.stage, run.attempt, run.key, run.worker],
  );
  return { runId: result.rows[0]!.id, resumed: result.rows[0]!.resumed };
}

export interface Transition {
  ideaId: string;
  worker: string;
  runId: number;
  runState: 'passed' | 'failed' | 'error' | 'waiting';
  runOutputs: Record<string, unknown>;
  runError?: string | null;
  /** What this process saw settled (logged); the row's cost_cents is derived from the ledger instead. */
  costCents: number;
  /** Merged into ideas.outputs under the stage's name. */
  outputsKey?: string;
  outputs?: Record<string, unknown>;
  /** Set to move the idea to another stage. */
  toStage?: Stage;
  toStatus?: Status;
  stageProgress?: number;
  /** Next try of the same stage (retry, budget wait, campaign days). */
  nextAttemptInMs?: number;
  bumpAttempt?: boolean;
  parkedReason?: string | null;
  waitingOnBudget?: string | null;
  lastError?: string | null;
  historyReason?: string;
}

/**
 * Finish a stage run and move the idea, in one transaction: the run row, the idea (stage, status,
 * outputs, next attempt, lease released), and a history row when the stage or status changes.
 * Only the lease holder may do it; returns false when the lease was lost.
 */
export async function finishRun(tx: Queryable, t: Transition): Promise<boolean> {
  const moved = await tx.query<{ from_stage: Stage; from_status: Status; to_stage: Stage; to_status: Status }>(
    `update ideas i set
        current_stage = coalesce($3, i.current_stage),
        status = coalesce($4, i.status),
        stage_progress = coalesce($5, case when $3::text is not null then 0 else i.stage_progress end),
        stage_entered_at = case when $3::text is not null and $3 <> i.current_stage then now() else i.stage_entered_at end,
        attempt = case when $3::text is not null and $3 <> i.current_stage
                       then coalesce((select max(attempt) from stage_runs r where r.idea_id = i.id and r.stage = $3), 0) + 1
                       when $6 then i.attempt + 1 else i.attempt end,
        next_attempt_at = now() + coalesce($7::float8, 0) * interval '1 millisecond',
        outputs = case when $8::text is null then i.outputs else jsonb_set(i.outputs, array[$8::text], $9::jsonb, true) end,
        parked_reason = $10,
        waiting_on_budget = $11,
        last_error = $12,
        lease_lapses = case when $3::text is not null and $3 <> i.current_stage then 0 else i.lease_lapses end,
        completed_at = case when $3 = 'COMPLETE' then now() else i.completed_at end,
        locked_by = null, lease_until = null, updated_at = now()
      from (select current_stage as from_stage, status as from_status from ideas where id = $1 for update) old
      where i.id = $1 and i.locked_by = $2
      returning old.from_stage, old.from_status, i.current_stage as to_stage, i.status as to_status`,
    [
      t.ideaId,
      t.worker,
      t.toStage ?? null,
      t.toStatus ?? null,
      t.stageProgress ?? null,
      t.bumpAttempt ?? false,
      t.nextAttemptInMs ?? null,
      t.outputsKey ?? null,
      JSON.stringify(t.outputs ?? {}),
      t.parkedReason ?? null,
      t.waitingOnBudget ?? null,
      t.lastError ?? null,
    ],
  );
  const row = moved.rows[0];
  if (!row) return false;
  await tx.query(
    // The ledger is the truth: a run costs what was settled under its key (`<run key>:<step>`), counted
    // once however often the run was resumed after a crash (a process's own tally misses what a dead one paid).
    `update stage_runs r set state = $2, finished_at = now(), outputs = $3, error = $4,
            cost_cents = (select coalesce(sum(l.amount_cents), 0) from spend_ledger l
                           where l.idea_id = r.idea_id and l.state = 'settled'
                             and left(l.idempotency_key, length(r.idempotency_key) + 1) = r.idempotency_key || ':')
      where r.id = $1`,
    [t.runId, t.runState, JSON.stringify(t.runOutputs), t.runError ?? null],
  );
  if (row.from_stage !== row.to_stage || row.from_status !== row.to_status) {
    await tx.query(
      `insert into idea_stage_history (idea_id, from_stage, to_stage, from_status, to_status, actor, reason) values ($1, $2, $3, $4, $5, $6, $7)`,
      [t.ideaId, row.from_stage, row.to_stage, row.from_status, row.to_status, t.worker, t.historyReason ?? null],
    );
  }
  return true;
}

/** Ideas waiting on budget try again now (money was just settled or released). */
export async function wakeBudgetWaiters(db: Queryable): Promise<number> {
  const result = await db.query(`update ideas set next_attempt_at = now() where waiting_on_budget is not null and next_attempt_at > now() and locked_by is null`);
  return result.rowCount;
}

/** Release a lease without finishing (the worker is stopping). */
export async function releaseLease(db: Queryable, ideaId: string, worker: string): Promise<void> {
  await db.query('update ideas set locked_by = null, lease_until = null where id = $1 and locked_by = $2', [ideaId, worker]);
}

/** An operator (or intake) moves an idea: stage, status, attempt, parking cleared; history written. */
export async function moveIdea(
  tx: Queryable,
  move: { ideaId: string; toStage: Stage; toStatus: Status; actor: string; reason: string; clearOutputs?: string[] },
): Promise<{ fromStage: Stage; fromStatus: Status } | undefined> {
  const result = await tx.query<{ from_stage: Stage; from_status: Status }>(
    `update ideas i set current_stage = $2, status = $3, stage_progress = 0, stage_entered_at = now(), updated_at = now(),
        attempt = coalesce((select max(attempt) from stage_runs r where r.idea_id = i.id and r.stage = $2), 0) + 1,
        next_attempt_at = now(), parked_reason = null, waiting_on_budget = null, last_error = null, lease_lapses = 0,
        locked_by = null, lease_until = null, completed_at = case when $2 = 'COMPLETE' then now() else null end,
        outputs = i.outputs - $4::text[]
       from (select current_stage as from_stage, status as from_status from ideas where id = $1 for update) old
      where i.id = $1
      returning old.from_stage, old.from_status`,
    [move.ideaId, move.toStage, move.toStatus, move.clearOutputs ?? []],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  await tx.query(
    `insert into idea_stage_history (idea_id, from_stage, to_stage, from_status, to_status, actor, reason) values ($1, $2, $3, $4, $5, $6, $7)`,
    [move.ideaId, row.from_stage, move.toStage, row.from_status, move.toStatus, move.actor, move.reason],
  );
  return { fromStage: row.from_stage, fromStatus: row.from_status };
}

/** Park an idea for an operator outside a stage run (lease lapsed too often). */
export async function parkIdea(tx: Queryable, ideaId: string, reason: string): Promise<boolean> {
  const result = await tx.query('update ideas set parked_reason = $2, locked_by = null, lease_until = null, updated_at = now() where id = $1 and parked_reason is null', [ideaId, reason]);
  return result.rowCount > 0;
}

// ---------------------------------------------------------------------------------------------------
// Roll-ups for the console, health and `pipeline status`
// ---------------------------------------------------------------------------------------------------

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
export async function pipelineCounts(db: Queryable, now: Date): Promise<PipelineCounts> {
  // one round trip: the live counts ride on every grouped row (and on a lone row of nulls when there are none)
  const result = await db.query<{ stage: Stage | null; status: Status; parked: boolean; n: number; running: number; waiting: number; done: number }>(
    `select g.stage, g.status, g.parked, g.n, l.running, l.waiting, l.done
       from (select (select count(*) from ideas where lease_until > $1)::int as running,
                    (select count(*) from ideas where waiting_on_budget is not null)::int as waiting,
                    (select count(*) from ideas where completed_at > $1::timestamptz - interval '1 day')::int as done) l
       left join (select stage, status, parked, sum(n)::int as n from idea_counts group by stage, status, parked having sum(n) <> 0) g on true`,
    [now],
  );
  const live = result.rows[0];
  const stages = new Map<Stage, number>();
  const statuses = new Map<Status, number>();
  const sum = { processing: 0, parked: 0, total: 0 };
  for (const r of result.rows) {
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

/**
 * Stuck ideas: active and in one stage longer than `stuckAfterMs`, or whose lease lapsed `maxLapses`
 * times, longest in their stage first. Two bounded lists merged, each read in order from its own
 * partial index (ideas_stage_entered_idx, ideas_lapsed_idx): one `or` over both would scan and sort
 * every active idea whenever fewer than `limit` of them are stuck.
 */
export async function stuckIdeas(db: Queryable, now: Date, stuckAfterMs: number, options: { maxLapses?: number; limit?: number } = {}): Promise<StuckIdea[]> {
  const maxLapses = options.maxLapses ?? 3;
  const active = `current_stage <> 'COMPLETE' and status not in ('REJECTED', 'ARCHIVED')`;
  // `lease_lapses > 0` adds nothing when maxLapses >= 1 but lets the planner use ideas_lapsed_idx
  const lapsed = maxLapses >= 1 ? 'lease_lapses >= $3::int and lease_lapses > 0' : 'lease_lapses >= $3::int';
  const columns = 'id, title, current_stage, status, stage_entered_at, lease_lapses, parked_reason';
  // the second list leaves out what the first has (stage_entered_at is not null), so the two merge in order
  const result = await db.query<{ id: string; title: string; current_stage: Stage; status: Status; stage_entered_at: Date; lease_lapses: number; parked_reason: string | null }>(
    `with cut as (select $1::timestamptz - $2::float8 * interval '1 millisecond' as at)
     select ${columns} from (
       (select ${columns} from ideas where ${active} and stage_entered_at < (select at from cut)
         order by stage_entered_at limit $4)
       union all
       (select ${columns} from ideas where ${active} and ${lapsed} and stage_entered_at >= (select at from cut)
         order by stage_entered_at limit $4)
     ) stuck
     order by stage_entered_at limit $4`,
    [now, stuckAfterMs, maxLapses, options.limit ?? 50],
  );
  return result.rows.map((r) => {
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

export interface RunRow {
  id: number;
  stage: Stage;
  attempt: number;
  key: string;
  state: string;
  worker: string;
  startedAt: Date;
  finishedAt: Date | null;
  costCents: number;
  outputs: Record<string, unknown>;
  error: string | null;
}

export async function stageRuns(db: Queryable, ideaId: string): Promise<RunRow[]> {
  const result = await db.query<{ id: number; stage: Stage; attempt: number; idempotency_key: string; state: string; worker: string; started_at: Date; finished_at: Date | null; cost_cents: number; outputs: Record<string, unknown>; error: string | null }>(
    'select id, stage, attempt, idempotency_key, state, worker, started_at, finished_at, cost_cents, outputs, error from stage_runs where idea_id = $1 order by id',
    [ideaId],
  );
  return result.rows.map((r) => ({
    id: r.id,
    stage: r.stage,
    attempt: r.attempt,
    key: r.idempotency_key,
    state: r.state,
    worker: r.worker,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    costCents: Number(r.cost_cents),
    outputs: r.outputs,
    error: r.error,
  }));
}

/** Average cost of a passed run per stage (for reset previews), over the last `limit` runs of each. */
export async function averageStageCost(db: Queryable): Promise<Map<Stage, number>> {
  const result = await db.query<{ stage: Stage; cents: number }>(
    `select stage, coalesce(avg(cost_cents), 0)::float8 as cents from stage_runs where state = 'passed' group by stage`,
  );
  return new Map(result.rows.map((r) => [r.stage, Math.ceil(Number(r.cents))]));
}

/** Make an idea's current stage due now (its campaign finished, say). */
export async function makeDue(db: Queryable, ideaId: string, stage: Stage): Promise<void> {
  await db.query('update ideas set next_attempt_at = now() where id = $1 and current_stage = $2', [ideaId, stage]);
}

/** Failed or errored runs of a stage since the idea entered it (retry counting). */
export async function failuresInStage(db: Queryable, ideaId: string, stage: Stage, since: Date): Promise<number> {
  const result = await db.query<{ n: number }>(
    `select count(*)::int as n from stage_runs where idea_id = $1 and stage = $2 and state in ('failed', 'error') and started_at >= $3`,
    [ideaId, stage, since],
  );
  return result.rows[0]?.n ?? 0;
}

/** Active ideas not waiting on budget, those held by a live lease, and when the next one is due. */
export async function activeSummary(db: Queryable): Promise<{ pending: number; held: number; nextDueInMs: number | null }> {
  const result = await db.query<{ pending: number; held: number; next_ms: number | null }>(
    `select count(*) filter (where waiting_on_budget is null)::int as pending,
            count(*) filter (where lease_until > now())::int as held,
            (extract(epoch from (min(next_attempt_at) filter (where waiting_on_budget is null) - now())) * 1000)::float8 as next_ms
       from ideas where ${PROCESSING}`,
  );
  const row = result.rows[0]!;
  return { pending: row.pending, held: row.held, nextDueInMs: row.next_ms === null ? null : Number(row.next_ms) };
}

/** Whether an ops event with this dedup key was emitted since a time (stuck ideas are reported once a period). */
export async function eventEmittedSince(db: Queryable, dedupKey: string, since: Date): Promise<boolean> {
  const result = await db.query('select 1 from ops_events where dedup_key = $1 and at >= $2 limit 1', [dedupKey, since]);
  return result.rowCount > 0;
}

/** How many ideas there are (archived ones not counted). */
export async function countIdeas(db: Queryable): Promise<number> {
  const result = await db.query<{ n: number }>('select count(*)::int as n from ideas');
  return result.rows[0]?.n ?? 0;
}
