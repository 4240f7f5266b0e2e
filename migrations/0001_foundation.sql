-- studio foundation: the vector extension, settings, and the operator audit log.
create extension if not exists vector;

-- Facts about this database that code must agree on (e.g. the embedding dimension its columns were sized for).
create table if not exists studio_settings (
  key text primary key,
  value text not null,
  updated_at timestamptz not null default now()
);
insert into studio_settings (key, value) values ('embedding_dim', '{{EMBEDDING_DIM}}')
  on conflict (key) do nothing;

-- Every operator action (budget reset/resume, idea resets, job runs from the console, restores ...).
create table if not exists audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  operator text not null,          -- OS user
  ssh_client text,                 -- address the operator came from, when over SSH
  action text not null,            -- e.g. budget.reset, idea.reset, job.run
  target text,                     -- what it acted on (idea id, job name, cycle id)
  reason text,
  details jsonb not null default '{}'::jsonb
);
create index if not exists audit_log_at_idx on audit_log (at);
create index if not exists audit_log_action_idx on audit_log (action, at);

-- Operational events: what any part of studio wants an operator to know (a budget level crossed, a job
-- missed its slot, a backup failed, a service changed state). Written in the same transaction as the
-- change that caused them; the incidents module turns them into incidents and notifications.
create table if not exists ops_events (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  kind text not null,              -- e.g. budget.level, job.deadman, job.failed, backup.failed, service.state
  source text not null,            -- module or service: budget, scheduler, backup, openai ...
  level text not null check (level in ('HEALTHY', 'WARNING', 'CRITICAL', 'EMERGENCY')),
  dedup_key text not null,         -- the same problem carries the same key (e.g. budget.level:google_ads:CRITICAL:<cycle>)
  message text not null,
  details jsonb not null default '{}'::jsonb,
  processed_at timestamptz         -- set when the incidents module has handled it
);
create index if not exists ops_events_unprocessed_idx on ops_events (id) where processed_at is null;
create index if not exists ops_events_at_idx on ops_events (at);
