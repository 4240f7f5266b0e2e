-- The scheduler (src/jobs/): one row per job slot, persisted pause state, and the live scheduler processes.

-- Every scheduler process (and a CLI while it runs a job by hand) keeps a row here and refreshes
-- heartbeat_at; a process silent past SCHEDULER_NODE_TIMEOUT is dead and its running jobs are failed
-- (or retried). Other modules (backup) read it to see whether a scheduler is live.
create table if not exists scheduler_nodes (
  id text primary key,
  host text not null,
  pid int not null,
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  stopping boolean not null default false,
  kind text not null default 'scheduler' check (kind in ('scheduler', 'cli'))
);

-- One row per slot (job + scheduled time): the process that inserts it first runs the slot, so each slot
-- runs once across all hosts. Retries of the slot update the same row (attempt, next_attempt_at).
create table if not exists job_runs (
  id bigint generated always as identity primary key,
  job text not null,                 -- job name; a per-host job is stored as name@host
  scheduled_for timestamptz not null,
  status text not null check (status in ('running', 'succeeded', 'failed', 'timed_out', 'retrying', 'skipped', 'missed')),
  manual boolean not null default false,
  catch_up boolean not null default false,
  operator text,                     -- who asked, for manual runs
  attempt int not null default 1,
  max_attempts int not null default 1,
  critical boolean not null default false,
  claimed_at timestamptz not null,
  started_at timestamptz,
  finished_at timestamptz,
  duration_ms int,
  next_attempt_at timestamptz,       -- when status = retrying
  node_id text,
  host text,
  pid int,
  error text,
  progress text,
  output jsonb,
  unique (job, scheduled_for)
);
create index if not exists job_runs_running_idx on job_runs (job) where status = 'running';
create index if not exists job_runs_retrying_idx on job_runs (next_attempt_at) where status = 'retrying';
create index if not exists job_runs_claimed_idx on job_runs (claimed_at);

-- Pause state seen by every process, and when a job was first registered / last resumed (dead-man
-- detection and catch-up ignore slots before those).
create table if not exists job_state (
  job text primary key,
  paused boolean not null default false,
  paused_at timestamptz,
  paused_by text,
  pause_reason text,
  resumed_at timestamptz,
  registered_at timestamptz not null default now()
);
