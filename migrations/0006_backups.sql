-- Backups taken and what their restore drills found (studio backup create|verify|list|prune|restore).
-- The files and their manifests on disk are the source of truth: a restore brings this table back to
-- the backup's moment, and studio re-adds the rows of backups made since from their manifests.
create table if not exists backups (
  id text primary key,               -- e.g. 20261128-183100 (UTC), also in the file name
  file text not null,                -- absolute path of the dump (no secret in it)
  created_at timestamptz not null,
  size_bytes bigint not null,
  checksum text not null,            -- sha256 of the file, hex
  mode text not null check (mode in ('server', 'embedded')),
  kind text not null default 'manual' check (kind in ('manual', 'scheduled', 'safety')),
  manifest jsonb not null,           -- time, size, checksum, server version, migration level, row counts
  verified_at timestamptz,
  verify_status text check (verify_status in ('ok', 'failed')),
  verify_error text
);
create index if not exists backups_created_idx on backups (created_at);
create index if not exists backups_verified_idx on backups (verified_at) where verify_status = 'ok';
