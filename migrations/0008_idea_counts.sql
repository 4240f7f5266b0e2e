-- Counts of ideas per stage, status and parked, kept by triggers, so the console's pipeline panel and
-- `pipeline status` read a few dozen rows instead of grouping the whole ideas table on every refresh.
-- Eight shards per key (by idea id) so concurrent stage workers do not queue on one counter row.
create table if not exists idea_counts (
  stage text not null,
  status text not null,
  parked boolean not null,
  shard smallint not null,
  n bigint not null default 0,
  primary key (stage, status, parked, shard)
);

create or replace function studio_idea_counts() returns trigger
language plpgsql as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    insert into idea_counts (stage, status, parked, shard, n)
    values (old.current_stage, old.status, old.parked_reason is not null, hashtext(old.id::text) & 7, -1)
    on conflict (stage, status, parked, shard) do update set n = idea_counts.n - 1;
  end if;
  if tg_op in ('UPDATE', 'INSERT') then
    insert into idea_counts (stage, status, parked, shard, n)
    values (new.current_stage, new.status, new.parked_reason is not null, hashtext(new.id::text) & 7, 1)
    on conflict (stage, status, parked, shard) do update set n = idea_counts.n + 1;
  end if;
  return null;
end $$;

drop trigger if exists ideas_counts_insert_delete on ideas;
create trigger ideas_counts_insert_delete after insert or delete on ideas
  for each row execute function studio_idea_counts();
drop trigger if exists ideas_counts_update on ideas;
create trigger ideas_counts_update after update of current_stage, status, parked_reason on ideas
  for each row
  when (old.current_stage is distinct from new.current_stage or old.status is distinct from new.status
        or (old.parked_reason is null) <> (new.parked_reason is null))
  execute function studio_idea_counts();

delete from idea_counts;
insert into idea_counts (stage, status, parked, shard, n)
  select current_stage, status, parked_reason is not null, hashtext(id::text) & 7, count(*)
    from ideas group by 1, 2, 3, 4;

-- "running" (a worker holds the lease) is counted through this index, not a scan
create index if not exists ideas_lease_idx on ideas (lease_until) where lease_until is not null;
