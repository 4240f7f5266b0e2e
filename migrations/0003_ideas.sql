-- Ideas and their stage history (DOMAIN.md "Ideas"). The pipeline adds its own tables in later migrations.
create table if not exists ideas (
  id uuid primary key,
  title text not null check (char_length(title) between 10 and 200),
  description text not null check (char_length(description) between 10 and 5000),
  category text not null default 'uncategorized' check (category in
    ('fintech','healthtech','edtech','saas','ecommerce','ai_ml','blockchain','consumer','enterprise','marketplace','uncategorized')),
  status text not null default 'DRAFT' check (status in
    ('DRAFT','VALIDATING','VALIDATED','REJECTED','RESEARCHING','BUILDING','TESTING','DEPLOYED','ARCHIVED')),
  current_stage text not null default 'IDEATE' check (current_stage in
    ('IDEATE','RESEARCH','DECK','INVESTORS','MVP','SMOKE_TEST','COMPLETE')),
  stage_progress double precision not null default 0 check (stage_progress >= 0 and stage_progress <= 1),
  problem_statement text check (char_length(problem_statement) <= 1000),
  solution_description text check (char_length(solution_description) <= 1000),
  target_market text check (char_length(target_market) <= 500),
  evidence_links text[] not null default '{}' check (cardinality(evidence_links) <= 10),
  created_by text not null default 'unknown' check (char_length(created_by) <= 100),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- when the idea entered its current stage (stuck detection, completion times)
  stage_entered_at timestamptz not null default now(),
  -- stage outputs (research summary, deck path, investor score, landing path, smoke-test result ...)
  outputs jsonb not null default '{}'::jsonb
);
create index if not exists ideas_stage_status_idx on ideas (current_stage, status);
create index if not exists ideas_status_updated_idx on ideas (status, updated_at);
create index if not exists ideas_created_by_idx on ideas (created_by, created_at);
create index if not exists ideas_title_lower_idx on ideas (lower(title));

-- Every stage change, with who or what made it.
create table if not exists idea_stage_history (
  id bigint generated always as identity primary key,
  idea_id uuid not null references ideas (id) on delete cascade,
  at timestamptz not null default now(),
  from_stage text,
  to_stage text not null,
  from_status text,
  to_status text not null,
  actor text not null,             -- worker id, operator name, or 'intake'
  reason text
);
create index if not exists idea_stage_history_idea_idx on idea_stage_history (idea_id, at);
create index if not exists idea_stage_history_at_idx on idea_stage_history (at);

-- Ideas moved out of the hot table after the retention period (weekly maintenance), whole row as JSON.
create table if not exists ideas_archive (
  id uuid primary key,
  archived_at timestamptz not null default now(),
  status text not null,
  current_stage text not null,
  title text not null,
  data jsonb not null,             -- the ideas row as it was
  history jsonb not null default '[]'::jsonb
);
