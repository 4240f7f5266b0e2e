-- Health, KPIs, incidents and notifications (issue 6).

-- The last state seen per service, so a health check knows what changed since the previous one.
create table if not exists service_states (
  name text primary key,
  level text not null check (level in ('HEALTHY', 'WARNING', 'CRITICAL', 'EMERGENCY')),
  reason text not null,
  offline boolean not null default false,
  latency_ms double precision,
  details jsonb not null default '{}'::jsonb,
  changed_at timestamptz not null default now(),   -- when the level last changed
  checked_at timestamptz not null default now()
);

-- KPI samples (pipeline completion, DB query time, API response, memory, disk, DB size ...): a short history
-- for trends and sparklines. The health job prunes rows older than 7 days.
create table if not exists kpi_samples (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  kpi text not null,               -- e.g. pipeline_completion_hours, db_query_ms, api_response_ms:openai, memory_pct, disk_pct
  value double precision not null,
  level text not null check (level in ('HEALTHY', 'WARNING', 'CRITICAL', 'EMERGENCY')),
  details jsonb not null default '{}'::jsonb
);
create index if not exists kpi_samples_kpi_at_idx on kpi_samples (kpi, at);
create index if not exists kpi_samples_at_idx on kpi_samples (at);

-- Incidents: one row per problem (dedup_key), however often it is seen while open.
create table if not exists incidents (
  id bigint generated always as identity primary key,
  dedup_key text not null,
  source text not null,            -- service:openai, budget, scheduler, backup ...
  kind text not null,              -- service.state, budget.level, job.deadman, job.failed ...
  severity text not null check (severity in ('P1', 'P2', 'P3', 'P4')),
  level text not null check (level in ('HEALTHY', 'WARNING', 'CRITICAL', 'EMERGENCY')),
  title text not null,
  status text not null default 'open' check (status in ('open', 'acknowledged', 'resolved')),
  count integer not null default 1,          -- times the problem was seen (check runs, events, reopenings)
  opened_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  acked_at timestamptz,
  acked_by text,
  resolved_at timestamptz,
  resolved_by text,                -- an operator, or 'auto' when the cause cleared
  resolution_note text,
  silenced boolean not null default false,   -- raised inside a maintenance window
  notified_severity text check (notified_severity in ('P1', 'P2', 'P3', 'P4')),  -- highest severity notified so far
  details jsonb not null default '{}'::jsonb
);
-- At most one unresolved incident per dedup key, across every process.
create unique index if not exists incidents_open_dedup_idx on incidents (dedup_key) where status <> 'resolved';
create index if not exists incidents_status_idx on incidents (status, opened_at);
create index if not exists incidents_dedup_resolved_idx on incidents (dedup_key, resolved_at);

create table if not exists incident_timeline (
  id bigint generated always as identity primary key,
  incident_id bigint not null references incidents (id) on delete cascade,
  at timestamptz not null default now(),
  kind text not null,              -- opened, escalated, reopened, acknowledged, resolved, auto_resolved, notified, silenced
  actor text not null,             -- 'health', 'events', an operator
  message text not null,
  details jsonb not null default '{}'::jsonb
);
create index if not exists incident_timeline_incident_idx on incident_timeline (incident_id, at);

-- Maintenance windows: alerts from the listed sources are recorded but not sent while a window is open.
create table if not exists maintenance_windows (
  id bigint generated always as identity primary key,
  reason text not null,
  sources text[] not null,         -- source patterns: 'service:database', 'job.*', '*'
  starts_at timestamptz not null default now(),
  ends_at timestamptz not null,
  opened_by text not null,
  closed_at timestamptz
);
create index if not exists maintenance_windows_ends_idx on maintenance_windows (ends_at);

-- Every notification studio decided to send, and what became of it (never the secret URL or key).
create table if not exists notifications (
  id bigint generated always as identity primary key,
  created_at timestamptz not null default now(),
  incident_id bigint references incidents (id) on delete set null,
  dedup_key text not null,
  channel text not null check (channel in ('slack', 'email', 'pagerduty')),
  action text not null check (action in ('trigger', 'acknowledge', 'resolve')),
  severity text not null,
  summary text not null,
  status text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'failed', 'rate_limited', 'skipped')),
  attempts integer not null default 0,
  target text,                     -- where it went, safe to print (host, recipients)
  error text,
  claimed_at timestamptz,
  sent_at timestamptz
);
create index if not exists notifications_pending_idx on notifications (id) where status in ('pending', 'sending');
create index if not exists notifications_channel_sent_idx on notifications (channel, sent_at);
create index if not exists notifications_incident_idx on notifications (incident_id);
