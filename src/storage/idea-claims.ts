/**
 * SQL of the orchestrator's work on ideas: the claim (FOR UPDATE SKIP LOCKED with a lease), leases, stage
 * runs and their transitions, operator moves and parking, retry counting.
 */
import type { Queryable } from '../core/ports.js';
import type { Stage, Status } from '../core/types.js';
import { COLUMNS, PROCESSING, toIdea, type IdeaRow, type Raw } from './ideas.js';

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

/**
 * Release every lease `worker` holds (it runs nothing now: a database outage cut its stage off, perhaps
 * after a claim committed whose answer was lost). No lapse is counted; the ideas are claimable at once.
 */
export async function releaseWorkerLeases(db: Queryable, worker: string): Promise<number> {
  const result = await db.query('update ideas set locked_by = null, lease_until = null where locked_by = $1', [worker]);
  return result.rowCount;
}

/** The active ideas not waiting on budget (due or not), with when they are due and their last error. */
export async function pendingIdeas(db: Queryable): Promise<Array<{ id: string; title: string; stage: Stage; nextAttemptAt: Date; lastError: string | null }>> {
  const result = await db.query<{ id: string; title: string; current_stage: Stage; next_attempt_at: Date | string; last_error: string | null }>(
    `select id, title, current_stage, next_attempt_at, last_error from ideas where ${PROCESSING} and waiting_on_budget is null order by next_attempt_at`,
  );
  return result.rows.map((r) => ({ id: r.id, title: r.title, stage: r.current_stage, nextAttemptAt: new Date(r.next_attempt_at), lastError: r.last_error }));
}
