/** `job_state`: pause and resume, persisted so every scheduler process sees them; when a job was registered. */
import type { Queryable } from '../core/ports.js';

export interface JobState {
  job: string;
  paused: boolean;
  pausedAt: Date | null;
  pausedBy: string | null;
  pauseReason: string | null;
  resumedAt: Date | null;
  registeredAt: Date;
}

type Row = { job: string; paused: boolean; paused_at: Date | null; paused_by: string | null; pause_reason: string | null; resumed_at: Date | null; registered_at: Date };
const toState = (r: Row): JobState => ({
  job: r.job,
  paused: r.paused,
  pausedAt: r.paused_at,
  pausedBy: r.paused_by,
  pauseReason: r.pause_reason,
  resumedAt: r.resumed_at,
  registeredAt: r.registered_at,
});

/** Make sure every job has a state row (registered_at = now for a job seen for the first time). */
export async function registerJobs(db: Queryable, jobs: string[], now: Date): Promise<void> {
  if (jobs.length === 0) return;
  await db.query(`insert into job_state (job, registered_at) select unnest($1::text[]), $2 on conflict (job) do nothing`, [jobs, now]);
}

export async function jobStates(db: Queryable, jobs?: string[]): Promise<Map<string, JobState>> {
  const result = await db.query<Row>(
    `select job, paused, paused_at, paused_by, pause_reason, resumed_at, registered_at from job_state where $1::text[] is null or job = any($1::text[])`,
    [jobs ?? null],
  );
  return new Map(result.rows.map((r) => [r.job, toState(r)]));
}

/** Pause or resume; returns the previous paused flag (undefined when the row did not exist). */
export async function setPaused(db: Queryable, s: { job: string; paused: boolean; now: Date; by: string; reason?: string }): Promise<boolean | undefined> {
  const before = await db.query<{ paused: boolean }>('select paused from job_state where job = $1 for update', [s.job]);
  await db.query(
    `insert into job_state (job, paused, paused_at, paused_by, pause_reason, resumed_at, registered_at)
     values ($1, $2, case when $2 then $3::timestamptz end, case when $2 then $4 end, case when $2 then $5 end, case when $2 then null else $3::timestamptz end, $3)
     on conflict (job) do update set paused = $2,
       paused_at = case when $2 then $3::timestamptz else job_state.paused_at end,
       paused_by = case when $2 then $4 else job_state.paused_by end,
       pause_reason = case when $2 then $5 else job_state.pause_reason end,
       resumed_at = case when $2 then job_state.resumed_at else $3::timestamptz end`,
    [s.job, s.paused, s.now, s.by, s.reason ?? null],
  );
  return before.rows[0]?.paused;
}
