-- The idea pipeline (DESIGN.md "The pipeline", DOMAIN.md "Ideas", "Pipeline gates and outputs").
--
-- Workers claim due ideas with FOR UPDATE SKIP LOCKED and hold them with a lease (locked_by, lease_until);
-- a lease that lapses is reclaimed and counted (lease_lapses). Every stage run is a row whose idempotency
-- key (<idea>:<stage>:<attempt>) prefixes the keys of its charges, so a run resumed after a crash never
-- pays twice.

alter table ideas add column if not exists embedding vector({{EMBEDDING_DIM}});
alter table ideas add column if not exists locked_by text;
alter table ideas add column if not exists lease_until timestamptz;
alter table ideas add column if not exists lease_lapses integer not null default 0;
-- attempt of the current stage (1 = first try); retries and resets raise it
alter table ideas add column if not exists attempt integer not null default 0;
-- when the current stage may run next (backoff, budget waits, campaign days)
alter table ideas add column if not exists next_attempt_at timestamptz not null default now();
-- set when the idea waits for an operator (gate failed past the retry limit, lease lapsed too often ...)
alter table ideas add column if not exists parked_reason text;
-- set while a stage could not reserve the money it needs (cap, CRITICAL throttling, emergency shutdown)
alter table ideas add column if not exists waiting_on_budget text;
alter table ideas add column if not exists last_error text;
alter table ideas add column if not exists completed_at timestamptz;

-- Cosine distance over the ideas' embeddings (duplicates >= 0.80, similar >= 0.50).
create index if not exists ideas_embedding_hnsw_idx on ideas using hnsw (embedding vector_cosine_ops);
-- What workers claim: active, unparked ideas by due time. Stays small: finished ideas drop out of it.
create index if not exists ideas_due_idx on ideas (next_attempt_at)
  where current_stage <> 'COMPLETE' and status not in ('REJECTED', 'ARCHIVED') and parked_reason is null;
create index if not exists ideas_waiting_budget_idx on ideas (id) where waiting_on_budget is not null;
create index if not exists ideas_stage_entered_idx on ideas (stage_entered_at)
  where current_stage <> 'COMPLETE' and status not in ('REJECTED', 'ARCHIVED');
create index if not exists ideas_completed_idx on ideas (completed_at) where completed_at is not null;

-- One row per attempt at a stage.
create table if not exists stage_runs (
  id bigint generated always as identity primary key,
  idea_id uuid not null references ideas (id) on delete cascade,
  stage text not null,
  attempt integer not null,
  idempotency_key text not null unique,          -- <idea>:<stage>:<attempt>; charges use <key>:<step>
  state text not null check (state in ('running', 'passed', 'failed', 'error', 'waiting')),
  worker text not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  cost_cents bigint not null default 0,
  outputs jsonb not null default '{}'::jsonb,
  error text
);
create index if not exists stage_runs_idea_idx on stage_runs (idea_id, stage, attempt);
create index if not exists stage_runs_finished_idx on stage_runs (finished_at) where finished_at is not null;

-- The evidence corpus for RESEARCH (RAG): documents chunked and embedded.
create table if not exists evidence_documents (
  id bigint generated always as identity primary key,
  source text not null unique,                    -- file path (or URL) it was read from
  url text not null,                              -- what a citation points to
  title text not null,
  domain text not null check (domain in ('market_research', 'technology_trends', 'business_validation')),
  published_at date,
  content_hash text not null,
  ingested_at timestamptz not null default now()
);
create table if not exists evidence_chunks (
  id bigint generated always as identity primary key,
  document_id bigint not null references evidence_documents (id) on delete cascade,
  chunk_index integer not null,
  domain text not null,
  content text not null,
  embedding vector({{EMBEDDING_DIM}}) not null,
  unique (document_id, chunk_index)
);
create index if not exists evidence_chunks_embedding_hnsw_idx on evidence_chunks using hnsw (embedding vector_cosine_ops);
create index if not exists evidence_chunks_domain_idx on evidence_chunks (domain);

-- Smoke-test campaigns (Google Ads or the simulated account). Money in micros, as Google Ads reports it.
create table if not exists campaigns (
  id uuid primary key,
  idea_id uuid not null references ideas (id) on delete cascade,
  attempt integer not null,
  external_id text not null,
  account text not null,                          -- google_ads | simulated
  status text not null check (status in ('ENABLED', 'PAUSED', 'ENDED')),
  paused_reason text,
  budget_micros bigint not null,
  daily_budget_micros bigint not null,
  days integer not null,
  spec jsonb not null,                            -- headlines, descriptions, keywords, bidding, locations
  reservation_id uuid,                            -- the google_ads reservation it is settled against
  days_reported integer not null default 0,
  impressions bigint not null default 0,
  clicks bigint not null default 0,
  conversions bigint not null default 0,
  cost_micros bigint not null default 0,
  daily jsonb not null default '[]'::jsonb,
  result jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (idea_id, attempt)
);
create index if not exists campaigns_status_idx on campaigns (status) where status <> 'ENDED';
