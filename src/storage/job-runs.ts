/**
 * `job_runs`: one row per job slot. The unique `(job, scheduled_for)` decides which process runs a slot:
 * the one whose insert lands. Retries of a slot update its row; a run whose node stopped heartbeating is
 * failed or handed back for retry by any live scheduler.
 */
import type { Queryable } from '../core/ports.js';

export type JobRunStatus = 'running' | 'succeeded' | 'failed' | 'timed_out' | 'retrying' | 'skipped' | 'missed';

export interface JobRun {
  id: number;
  job: string;
  scheduledFor: Date;
  status: JobRunStatus;
  manual: boolean;
  catchUp: boolean;
  operator: string | null;
  attempt: number;
  maxAttempts: number;
  critical: boolean;
  claimedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  nextAttemptAt: Date | null;
  nodeId: string | null;
  host: string | null;
  pid: number | null;
  error: string | null;
  progress: string | null;
  output: unknown;
}

const COLUMNS = `id, job, scheduled_for, status, manual, catch_up, operator, attempt, max_attempts, critical, claimed_at, started_at,
  finished_at, duration_ms, next_attempt_at, node_id, host, pid, error, progress, output`;

type Row = {
  id: number;
  job: string;
  scheduled_for: Date;
  status: JobRunStatus;
  manual: boolean;
  catch_up: boolean;
  operator: string | null;
  attempt: number;
  max_attempts: number;
  critical: boolean;
  claimed_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  next_attempt_at: Date | null;
  node_id: string | null;
  host: string | null;
  pid: number | null;
  error: string | null;
  progress: string | null;
  output: unknown;
};

const toRun = (r: Row): JobRun => ({
  id: Number(r.id),
  job: r.job,
  scheduledFor: r.scheduled_for,
  status: r.status,
  manual: r.manual,
  catchUp: r.catch_up,
  operator: r.operator,
  attempt: r.attempt,
  maxAttempts: r.max_attempts,
  critical: r.critical,
  claimedAt: r.claimed_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  durationMs: r.duration_ms,
  nextAttemptAt: r.next_attempt_at,
  nodeId: r.node_id,
  host: r.host,
  pid: r.pid,
  error: r.error,
  progress: r.progress,
  output: r.output,
});

export interface ClaimRequest {
  /** The slot key: the job name, or name@host for a per-host job. */
  job: string;
  /** The job name, whose pause state counts. */
  name: string;
  scheduledFor: Date;
  now: Date;
  maxAttempts: number;
  critical: boolean;
  nodeId: string;
  host: string;
  pid: number;
  manual?: boolean;
  catchUp?: boolean;
  operator?: string;
  /** Claim even when the job is paused (an operator's run-now). @default false */
  ignorePause?: boolean;
}

/**
 * Claim a slot in one statement: inserts the slot row as `running`, or nothing when the job is paused or
 * another process has the slot. Returns the row when this process inserted it.
 */
export async function claimSlot(db: Queryable, c: ClaimRequest): Promise<JobRun | undefined> {
  const result = await db.query<Row>(
    `insert into job_runs (job, scheduled_for, status, manual, catch_up, operator, attempt, max_attempts, critical, claimed_at, started_at, node_id, host, pid)
     select $1, $2, 'running', $3, $4, $5, 1, $6, $7, $8, $8, $9, $10, $11
      where $13 or not exists (select 1 from job_state s where s.job = $12 and s.paused)
     on conflict (job, scheduled_for) do nothing
     returning ${COLUMNS}`,
    [
      c.job,
      c.scheduledFor,
      c.manual ?? false,
      c.catchUp ?? false,
      c.operator ?? null,
      c.maxAttempts,
      c.critical,
      c.now,
      c.nodeId,
      c.host,
      c.pid,
      c.name,
      c.ignorePause ?? false,
    ],
  );
  const row = result.rows[0];
  return row ? toRun(row) : undefined;
}

/**
 * Claim many scheduled slots in one statement (the slots due at one instant): the same rules as
 * `claimSlot`. Returns the rows this process inserted.
 */
export async function claimSlots(
  db: Queryable,
  batch: { now: Date; nodeId: string; host: string; pid: number; slots: Array<{ job: string; name: string; scheduledFor: Date; maxAttempts: number; critical: boolean; catchUp: boolean }> },
): Promise<JobRun[]> {
  if (batch.slots.length === 0) return [];
  const result = await db.query<Row>(
    `insert into job_runs (job, scheduled_for, status, catch_up, attempt, max_attempts, critical, claimed_at, started_at, node_id, host, pid)
     select c.job, c.slot, 'running', c.catch_up, 1, c.max_attempts, c.critical, $7, $7, $8, $9, $10
       from unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[], $5::boolean[], $6::boolean[]) as c(job, name, slot, max_attempts, critical, catch_up)
      where not exists (select 1 from job_state s where s.job = c.name and s.paused)
     on conflict (job, scheduled_for) do nothing
     returning ${COLUMNS}`,
    [
      batch.slots.map((x) => x.job),
      batch.slots.map((x) => x.name),
      batch.slots.map((x) => x.scheduledFor),
      batch.slots.map((x) => x.maxAttempts),
      batch.slots.map((x) => x.critical),
      batch.slots.map((x) => x.catchUp),
      batch.now,
      batch.nodeId,
      batch.host,
      batch.pid,
    ],
  );
  return result.rows.map(toRun);
}

/** Record a slot that did not run (skipped by policy, or missed: the dead-man check). Returns true when inserted. */
export async function recordSlot(
  db: Queryable,
  slot: { job: string; scheduledFor: Date; status: 'skipped' | 'missed'; now: Date; error: string; critical: boolean; catchUp?: boolean; nodeId?: string; host?: string; pid?: number },
): Promise<boolean> {
  const result = await db.query(
    `insert into job_runs (job, scheduled_for, status, catch_up, claimed_at, finished_at, error, critical, node_id, host, pid, attempt, max_attempts)
     values ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, 0, 0)
     on conflict (job, scheduled_for) do nothing returning id`,
    [slot.job, slot.scheduledFor, slot.status, slot.catchUp ?? false, slot.now, slot.error, slot.critical, slot.nodeId ?? null, slot.host ?? null, slot.pid ?? null],
  );
  return result.rowCount > 0;
}

export interface FinishRequest {
  id: number;
  nodeId: string;
  attempt: number;
  status: 'succeeded' | 'failed' | 'timed_out' | 'retrying';
  now: Date;
  durationMs: number;
  error?: string;
  output?: unknown;
  nextAttemptAt?: Date;
}

/**
 * Record how an attempt ended. Guarded by node and attempt: if the run was taken from this node
 * meanwhile (its heartbeat lapsed), nothing is overwritten and false is returned.
 */
export async function finishRun(db: Queryable, f: FinishRequest): Promise<boolean> {
  const result = await db.query(
    `update job_runs set status = $4, finished_at = case when $4 = 'retrying' then null else $5::timestamptz end, duration_ms = $6,
            error = $7, output = coalesce($8::jsonb, output), next_attempt_at = $9, progress = null
      where id = $1 and node_id = $2 and attempt = $3 and status = 'running'`,
    [f.id, f.nodeId, f.attempt, f.status, f.now, Math.round(f.durationMs), f.error ?? null, f.output === undefined ? null : JSON.stringify(f.output), f.nextAttemptAt ?? null],
  );
  return result.rowCount > 0;
}

/** Take a run waiting for its retry (status retrying, due) for this node; the attempt is counted up. */
export async function claimRetry(db: Queryable, r: { id: number; now: Date; nodeId: string; host: string; pid: number }): Promise<JobRun | undefined> {
  const result = await db.query<Row>(
    `update job_runs set status = 'running', attempt = attempt + 1, started_at = $2, next_attempt_at = null, node_id = $3, host = $4, pid = $5,
            finished_at = null, progress = null
      where id = $1 and status = 'retrying' and next_attempt_at <= $2
      returning ${COLUMNS}`,
    [r.id, r.now, r.nodeId, r.host, r.pid],
  );
  const row = result.rows[0];
  return row ? toRun(row) : undefined;
}

/** Retries that are due, for the jobs this process knows. */
export async function dueRetries(db: Queryable, jobs: string[], now: Date, limit = 20): Promise<Array<{ id: number; job: string }>> {
  if (jobs.length === 0) return [];
  const result = await db.query<{ id: number; job: string }>(
    `select id, job from job_runs where status = 'retrying' and next_attempt_at <= $1 and job = any($2::text[])
      order by next_attempt_at limit $3`,
    [now, jobs, limit],
  );
  return result.rows.map((r) => ({ id: Number(r.id), job: r.job }));
}

/**
 * Runs held by a node whose heartbeat lapsed (or that has no node row): handed back for a retry when
 * attempts remain, else failed. Returns what changed (final failures of critical jobs need an event).
 */
export async function reapLapsedRuns(
  db: Queryable,
  r: { now: Date; lapsedBefore: Date },
): Promise<Array<{ id: number; job: string; scheduledFor: Date; status: JobRunStatus; critical: boolean; nodeId: string | null; attempt: number }>> {
  const result = await db.query<{ id: number; job: string; scheduled_for: Date; status: JobRunStatus; critical: boolean; node_id: string | null; attempt: number }>(
    `update job_runs r
        set status = case when r.attempt < r.max_attempts then 'retrying' else 'failed' end,
            next_attempt_at = case when r.attempt < r.max_attempts then $1::timestamptz end,
            finished_at = case when r.attempt < r.max_attempts then null else $1::timestamptz end,
            error = 'scheduler node ' || coalesce(r.node_id, '?') || ' on ' || coalesce(r.host, '?') || ' (pid ' || coalesce(r.pid::text, '?') ||
                    ') stopped heartbeating during the run',
            progress = null
      where r.status = 'running'
        and not exists (select 1 from scheduler_nodes n where n.id = r.node_id and n.heartbeat_at >= $2)
     returning r.id, r.job, r.scheduled_for, r.status, r.critical, r.node_id, r.attempt`,
    [r.now, r.lapsedBefore],
  );
  return result.rows.map((x) => ({ id: Number(x.id), job: x.job, scheduledFor: x.scheduled_for, status: x.status, critical: x.critical, nodeId: x.node_id, attempt: x.attempt }));
}

/** Hand this node's running rows back (shutdown after the grace period): retry when attempts remain, else failed. */
export async function releaseRuns(db: Queryable, r: { nodeId: string; ids: number[]; now: Date; reason: string }): Promise<number> {
  if (r.ids.length === 0) return 0;
  const result = await db.query(
    `update job_runs set status = case when attempt < max_attempts then 'retrying' else 'failed' end,
            next_attempt_at = case when attempt < max_attempts then $3::timestamptz end,
            finished_at = case when attempt < max_attempts then null else $3::timestamptz end, error = $4, progress = null
      where node_id = $1 and id = any($2::bigint[]) and status = 'running'`,
    [r.nodeId, r.ids, r.now, r.reason],
  );
  return result.rowCount;
}

export async function setProgress(db: Queryable, id: number, message: string): Promise<void> {
  await db.query(`update job_runs set progress = $2 where id = $1 and status = 'running'`, [id, message.slice(0, 500)]);
}

/** The latest scheduled (not manual) slot recorded per job: where catch-up starts. */
export async function lastSlots(db: Queryable, jobs: string[]): Promise<Map<string, Date>> {
  if (jobs.length === 0) return new Map();
  const result = await db.query<{ job: string; last: Date | null }>(
    `select j.job, (select max(r.scheduled_for) from job_runs r where r.job = j.job and not r.manual) as last
       from unnest($1::text[]) as j(job)`,
    [jobs],
  );
  return new Map(result.rows.filter((r) => r.last).map((r) => [r.job, r.last!]));
}

/** Which of these (job, slot) pairs have a row. */
export async function existingSlots(db: Queryable, slots: Array<{ job: string; scheduledFor: Date }>): Promise<Set<string>> {
  if (slots.length === 0) return new Set();
  const result = await db.query<{ job: string; scheduled_for: Date }>(
    `select r.job, r.scheduled_for from job_runs r
       join unnest($1::text[], $2::timestamptz[]) as s(job, at) on r.job = s.job and r.scheduled_for = s.at`,
    [slots.map((s) => s.job), slots.map((s) => s.scheduledFor)],
  );
  return new Set(result.rows.map((r) => `${r.job}|${r.scheduled_for.getTime()}`));
}

/** The latest run of each job (any trigger), for jobs list. */
export async function latestRuns(db: Queryable, jobs: string[]): Promise<Map<string, JobRun>> {
  if (jobs.length === 0) return new Map();
  const result = await db.query<Row>(
    `select ${COLUMNS} from unnest($1::text[]) as j(name)
       cross join lateral (select * from job_runs r where r.job = j.name and r.status <> 'missed' order by r.claimed_at desc limit 1) x`,
    [jobs],
  );
  return new Map(result.rows.map((r) => [r.job, toRun(r)]));
}

/** What the console's jobs panel shows of one job: its latest run that was not missed, and whether it is paused. */
export interface JobPanelEntry {
  paused: boolean;
  run?: Pick<JobRun, 'status' | 'scheduledFor' | 'startedAt' | 'durationMs' | 'error' | 'progress'>;
}

/**
 * The jobs panel in one round trip, keyed by job key: the latest run as `latestRuns` finds it (through
 * job_runs_latest_idx) and the pause flag from `job_state` (by job name), without the runs' output.
 */
/** jobPanel's statement with its parameters (job keys, job names) at the placeholders given (the console's change check hashes its result). */
export function jobPanelSql(keys: string, names: string): string {
  return `select j.key, coalesce(s.paused, false) as paused, x.status, x.scheduled_for, x.started_at, x.duration_ms, x.error, x.progress
       from unnest(${keys}::text[], ${names}::text[]) as j(key, name)
       left join job_state s on s.job = j.name
       left join lateral (select status, scheduled_for, started_at, duration_ms, error, progress from job_runs r
                           where r.job = j.key and r.status <> 'missed' order by r.claimed_at desc limit 1) x on true`;
}

export async function jobPanel(db: Queryable, jobs: Array<{ key: string; name: string }>): Promise<Map<string, JobPanelEntry>> {
  if (jobs.length === 0) return new Map();
  const result = await db.query<{
    key: string;
    paused: boolean;
    status: JobRunStatus | null;
    scheduled_for: Date | null;
    started_at: Date | null;
    duration_ms: number | null;
    error: string | null;
    progress: string | null;
  }>(
    jobPanelSql('$1', '$2'),
    [jobs.map((j) => j.key), jobs.map((j) => j.name)],
  );
  return new Map(
    result.rows.map((r) => [
      r.key,
      {
        paused: r.paused,
        run:
          r.status === null
            ? undefined
            : { status: r.status, scheduledFor: r.scheduled_for!, startedAt: r.started_at, durationMs: r.duration_ms, error: r.error, progress: r.progress },
      },
    ]),
  );
}

/** History, newest first. `job` matches the name and its per-host keys (name@host). */
export async function listRuns(db: Queryable, options: { job?: string; limit?: number; since?: Date } = {}): Promise<JobRun[]> {
  const result = await db.query<Row>(
    `select ${COLUMNS} from job_runs
      where ($1::text is null or job = $1 or job like $1 || '@%') and ($2::timestamptz is null or scheduled_for >= $2)
      order by claimed_at desc, id desc limit $3`,
    [options.job ?? null, options.since ?? null, options.limit ?? 20],
  );
  return result.rows.map(toRun);
}

export async function getRun(db: Queryable, id: number): Promise<JobRun | undefined> {
  const result = await db.query<Row>(`select ${COLUMNS} from job_runs where id = $1`, [id]);
  return result.rows[0] ? toRun(result.rows[0]) : undefined;
}

/** Where a job is running now, if anywhere. */
export async function runningRun(db: Queryable, job: string): Promise<JobRun | undefined> {
  const result = await db.query<Row>(`select ${COLUMNS} from job_runs where job = $1 and status = 'running' limit 1`, [job]);
  return result.rows[0] ? toRun(result.rows[0]) : undefined;
}

/** Delete finished history older than `before`, in batches; returns rows deleted. */
export async function purgeRuns(db: Queryable, before: Date, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await db.query(
      `delete from job_runs where id in (select id from job_runs where claimed_at < $1 and status not in ('running', 'retrying') limit $2)`,
      [before, batch],
    );
    total += result.rowCount;
    if (result.rowCount < batch) return total;
  }
}

/** Finished history older than `before` (what `purgeRuns` would delete). */
export async function countOldRuns(db: Queryable, before: Date): Promise<number> {
  const result = await db.query<{ n: number }>(`select count(*)::int as n from job_runs where claimed_at < $1 and status not in ('running', 'retrying')`, [before]);
  return result.rows[0]!.n;
}

/** Runs per job and status since a time (metrics). */
export async function countRuns(db: Queryable, since: Date): Promise<Array<{ job: string; status: JobRunStatus; count: number }>> {
  const result = await db.query<{ job: string; status: JobRunStatus; count: number }>(
    `select job, status, count(*)::int as count from job_runs where claimed_at >= $1 group by job, status order by job, status`,
    [since],
  );
  return result.rows;
}
