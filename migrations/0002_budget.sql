-- The budget sentinel's ledger (DOMAIN.md "Budget", DESIGN.md "The budget sentinel").
--
-- Guarantee: spend (settled + reserved) in a category never passes its allocation, and the categories add
-- up to no more than the cycle total (checked at configuration), so the total is never passed either.
--
-- Escrow: a category's allocation is split over a few shard rows (budget_buckets.shard). A reservation is
-- one conditional UPDATE of one shard (spent + reserved + amount <= allocated), so concurrent reservations
-- spread over rows instead of queueing on one hot row. When its shard lacks room, the reservation locks all
-- the category's shards in shard order, moves unused allocation into its shard and reserves there, or is
-- refused when the whole category lacks room. Each shard's CHECK holds, and the shards' allocations always
-- add up to the category's, so the category cap holds to the cent.

create table if not exists budget_cycles (
  id text primary key,
  started_at timestamptz not null default now(),
  ended_at timestamptz,
  total_cents bigint not null check (total_cents >= 0),
  warning_pct numeric not null default 80,
  critical_pct numeric not null default 95,
  emergency_pct numeric not null default 100,
  shards smallint not null default 8 check (shards between 1 and 64),   -- bucket rows per category
  emergency_shutdown boolean not null default false,
  circuit_breaker boolean not null default false,
  shutdown_at timestamptz,
  shutdown_reason text,
  opened_by text not null default 'system',
  closed_by text,
  close_reason text
);
-- At most one open cycle.
create unique index if not exists budget_cycles_one_open on budget_cycles ((true)) where ended_at is null;

create table if not exists budget_buckets (
  cycle_id text not null references budget_cycles (id),
  category text not null,
  shard smallint not null default 0,
  allocated_cents bigint not null check (allocated_cents >= 0),
  spent_cents bigint not null default 0 check (spent_cents >= 0),
  reserved_cents bigint not null default 0 check (reserved_cents >= 0),
  primary key (cycle_id, category, shard),
  -- the hard cap, enforced by the database itself as a last line of defence
  check (spent_cents + reserved_cents <= allocated_cents)
);

create table if not exists spend_ledger (
  id uuid primary key,
  cycle_id text not null references budget_cycles (id),
  category text not null,
  service text not null,
  operation text not null,
  idea_id uuid,
  estimate_cents bigint not null check (estimate_cents >= 0),
  amount_cents bigint not null check (amount_cents >= 0),   -- held while reserved; actual once settled; 0 if released
  shard smallint not null default 0,                          -- the bucket shard holding it
  state text not null check (state in ('reserved', 'settled', 'released')),
  idempotency_key text not null unique,
  holder text not null,                                       -- host:pid that reserved it
  lease_until timestamptz,
  created_at timestamptz not null default now(),
  settled_at timestamptz,
  metadata jsonb not null default '{}'::jsonb
);
create index if not exists spend_ledger_cycle_idx on spend_ledger (cycle_id, state, created_at);
create index if not exists spend_ledger_lease_idx on spend_ledger (lease_until) where state = 'reserved';
create index if not exists spend_ledger_idea_idx on spend_ledger (idea_id) where idea_id is not null;

-- Each level crossing fires once per cycle per scope (a category or 'total').
create table if not exists budget_level_crossings (
  cycle_id text not null references budget_cycles (id),
  scope text not null,
  level text not null,
  at timestamptz not null default now(),
  usage_pct numeric not null,
  primary key (cycle_id, scope, level)
);

-- Identical LLM / embedding requests are answered from here for free until they expire.
create table if not exists response_cache (
  key text primary key,                 -- sha256 of the request
  kind text not null,                   -- chat | embedding
  model text not null,
  response jsonb not null,
  cost_cents bigint not null default 0, -- what the original call cost (for "saved" figures)
  hits bigint not null default 0,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index if not exists response_cache_expires_idx on response_cache (expires_at);

-- Make room for p_amount in one shard of a category by moving unused allocation from its other shards.
-- Locks every shard of the category in shard order (so two of these never deadlock). Returns false when
-- the category as a whole has no room.
create or replace function studio_budget_gather(p_cycle text, p_category text, p_shard smallint, p_amount bigint)
returns boolean
language plpgsql as $$
#variable_conflict use_column
declare
  v_row record;
  v_free bigint := 0;
  v_mine bigint := 0;
  v_need bigint;
  v_take bigint;
begin
  for v_row in select shard, allocated_cents - spent_cents - reserved_cents as free from budget_buckets
                where cycle_id = p_cycle and category = p_category order by shard for update loop
    v_free := v_free + v_row.free;
    if v_row.shard = p_shard then v_mine := v_row.free; end if;
  end loop;
  if v_free < p_amount then
    return false;
  end if;
  v_need := p_amount - v_mine;
  if v_need <= 0 then
    return true;
  end if;
  for v_row in select shard, allocated_cents - spent_cents - reserved_cents as free from budget_buckets
                where cycle_id = p_cycle and category = p_category and shard <> p_shard
                  and allocated_cents - spent_cents - reserved_cents > 0 order by shard loop
    v_take := least(v_need, v_row.free);
    update budget_buckets set allocated_cents = allocated_cents - v_take
     where cycle_id = p_cycle and category = p_category and shard = v_row.shard;
    update budget_buckets set allocated_cents = allocated_cents + v_take
     where cycle_id = p_cycle and category = p_category and shard = p_shard;
    v_need := v_need - v_take;
    exit when v_need <= 0;
  end loop;
  return true;
end $$;

-- reserve: one round trip, atomic. Outcomes: reserved | replayed | no_cycle | shutdown | cap | throttled.
-- The ledger row is written first and the bucket shard updated last, so a shard row is locked only from
-- its update to the commit; a refused reservation deletes its ledger row before returning. The returned
-- spent / reserved / allocated are the category's totals (for levels).
create or replace function studio_budget_reserve(
  p_id uuid, p_key text, p_category text, p_service text, p_operation text, p_amount bigint,
  p_critical boolean, p_idea uuid, p_metadata jsonb, p_holder text, p_lease_ms bigint, p_shard smallint
) returns table (outcome text, ledger_id uuid, ledger_state text, amount bigint, cycle text,
                 spent bigint, reserved bigint, allocated bigint)
language plpgsql as $$
#variable_conflict use_column
declare
  v_cycle budget_cycles%rowtype;
  v_existing spend_ledger%rowtype;
  v_id uuid;
  v_reuse boolean := false;
  v_shards smallint;
  v_shard smallint;
  v_done boolean;
  v_spent bigint;
  v_reserved bigint;
  v_allocated bigint;
begin
  select * into v_cycle from budget_cycles where ended_at is null;
  if not found then
    return query select 'no_cycle'::text, null::uuid, null::text, 0::bigint, null::text, null::bigint, null::bigint, null::bigint;
    return;
  end if;
  if v_cycle.emergency_shutdown or v_cycle.circuit_breaker then
    return query select 'shutdown'::text, null::uuid, null::text, 0::bigint, v_cycle.id, null::bigint, null::bigint, null::bigint;
    return;
  end if;
  v_shards := v_cycle.shards;
  v_shard := ((p_shard % v_shards) + v_shards) % v_shards;
  if not p_critical then
    -- non-critical work waits while the category is CRITICAL (a soft policy: read without locks)
    select sum(spent_cents), sum(reserved_cents), sum(allocated_cents) into v_spent, v_reserved, v_allocated
      from budget_buckets where cycle_id = v_cycle.id and category = p_category;
    if v_allocated > 0 and (v_spent + v_reserved + p_amount) * 100 >= v_allocated * v_cycle.critical_pct then
      return query select
        case when v_spent + v_reserved + p_amount <= v_allocated then 'throttled' else 'cap' end,
        null::uuid, null::text, 0::bigint, v_cycle.id, v_spent, v_reserved, v_allocated;
      return;
    end if;
  end if;
  insert into spend_ledger (id, cycle_id, category, service, operation, idea_id, estimate_cents, amount_cents, shard, state,
                            idempotency_key, holder, lease_until, metadata)
  values (p_id, v_cycle.id, p_category, p_service, p_operation, p_idea, p_amount, p_amount, v_shard, 'reserved',
          p_key, p_holder, now() + p_lease_ms * interval '1 millisecond', coalesce(p_metadata, '{}'::jsonb))
  on conflict (idempotency_key) do nothing
  returning id into v_id;
  if v_id is null then
    select * into v_existing from spend_ledger where idempotency_key = p_key for update;
    if v_existing.state <> 'released' then
      return query select 'replayed'::text, v_existing.id, v_existing.state, v_existing.amount_cents, v_existing.cycle_id,
        null::bigint, null::bigint, null::bigint;
      return;
    end if;
    -- a released reservation (its call failed or never happened) charged nothing: the key may be used again
    v_reuse := true;
    v_id := v_existing.id;
  end if;
  -- fast path: this shard has room
  update budget_buckets set reserved_cents = reserved_cents + p_amount
   where cycle_id = v_cycle.id and category = p_category and shard = v_shard
     and spent_cents + reserved_cents + p_amount <= allocated_cents;
  v_done := found;
  if not v_done then
    -- slow path: gather unused allocation from the other shards, or refuse
    if studio_budget_gather(v_cycle.id, p_category, v_shard, p_amount) then
      update budget_buckets set reserved_cents = reserved_cents + p_amount
       where cycle_id = v_cycle.id and category = p_category and shard = v_shard
         and spent_cents + reserved_cents + p_amount <= allocated_cents;
      v_done := found;
    end if;
  end if;
  select sum(spent_cents), sum(reserved_cents), sum(allocated_cents) into v_spent, v_reserved, v_allocated
    from budget_buckets where cycle_id = v_cycle.id and category = p_category;
  if not v_done then
    if not v_reuse then
      delete from spend_ledger where id = v_id;
    end if;
    return query select 'cap'::text, null::uuid, null::text, 0::bigint, v_cycle.id, v_spent, v_reserved, v_allocated;
    return;
  end if;
  if v_reuse then
    update spend_ledger set state = 'reserved', cycle_id = v_cycle.id, category = p_category, service = p_service,
           operation = p_operation, estimate_cents = p_amount, amount_cents = p_amount, shard = v_shard, holder = p_holder,
           lease_until = now() + p_lease_ms * interval '1 millisecond', settled_at = null, created_at = now(),
           metadata = coalesce(p_metadata, '{}'::jsonb)
     where id = v_id;
  end if;
  return query select 'reserved'::text, v_id, 'reserved'::text, p_amount, v_cycle.id, v_spent, v_reserved, v_allocated;
end $$;

-- settle: the reservation becomes the actual cost. Above the estimate, only what the category's cap still
-- allows is charged and the rest is reported as an overrun (estimates are maxima: it means a wrong estimate).
create or replace function studio_budget_settle(p_id uuid, p_actual bigint, p_metadata jsonb)
returns table (outcome text, charged bigint, overrun bigint, category text, cycle text, spent bigint, reserved bigint, allocated bigint)
language plpgsql as $$
#variable_conflict use_column
declare
  v_row spend_ledger%rowtype;
  v_charge bigint;
  v_extra bigint;
  v_free bigint;
begin
  select * into v_row from spend_ledger where id = p_id for update;
  if not found then
    return query select 'missing'::text, 0::bigint, 0::bigint, null::text, null::text, null::bigint, null::bigint, null::bigint;
    return;
  end if;
  if v_row.state <> 'reserved' then
    return query select v_row.state, v_row.amount_cents, 0::bigint, v_row.category, v_row.cycle_id, null::bigint, null::bigint, null::bigint;
    return;
  end if;
  v_charge := p_actual;
  v_extra := p_actual - v_row.amount_cents;
  if v_extra > 0 then
    -- more than was held: take what the category still has, gathered into this shard
    select coalesce(sum(allocated_cents - spent_cents - reserved_cents), 0) into v_free
      from budget_buckets where cycle_id = v_row.cycle_id and category = v_row.category;
    v_extra := least(v_extra, v_free);
    if v_extra > 0 and not studio_budget_gather(v_row.cycle_id, v_row.category, v_row.shard, v_extra) then
      v_extra := 0;
    end if;
    v_charge := v_row.amount_cents + greatest(v_extra, 0);
  end if;
  update budget_buckets set reserved_cents = reserved_cents - v_row.amount_cents, spent_cents = spent_cents + v_charge
   where cycle_id = v_row.cycle_id and category = v_row.category and shard = v_row.shard;
  update spend_ledger set state = 'settled', amount_cents = v_charge, settled_at = now(), lease_until = null,
         metadata = metadata || coalesce(p_metadata, '{}'::jsonb)
                    || case when p_actual > v_charge then jsonb_build_object('overrun_cents', p_actual - v_charge) else '{}'::jsonb end
   where id = p_id;
  return query select 'settled'::text, v_charge, p_actual - v_charge, v_row.category, v_row.cycle_id,
    s.spent, s.reserved, s.allocated
    from (select sum(spent_cents)::bigint as spent, sum(reserved_cents)::bigint as reserved, sum(allocated_cents)::bigint as allocated
            from budget_buckets where cycle_id = v_row.cycle_id and category = v_row.category) s;
end $$;

-- release: give a reservation back (call failed, never made, or its holder died).
create or replace function studio_budget_release(p_id uuid, p_reason text)
returns table (outcome text, category text, cycle text)
language plpgsql as $$
#variable_conflict use_column
declare
  v_row spend_ledger%rowtype;
begin
  select * into v_row from spend_ledger where id = p_id for update;
  if not found then
    return query select 'missing'::text, null::text, null::text;
    return;
  end if;
  if v_row.state <> 'reserved' then
    return query select v_row.state, v_row.category, v_row.cycle_id;
    return;
  end if;
  update budget_buckets set reserved_cents = reserved_cents - v_row.amount_cents
   where cycle_id = v_row.cycle_id and category = v_row.category and shard = v_row.shard;
  update spend_ledger set state = 'released', amount_cents = 0, settled_at = now(), lease_until = null,
         metadata = metadata || jsonb_build_object('release_reason', coalesce(p_reason, 'released'))
   where id = p_id;
  return query select 'released'::text, v_row.category, v_row.cycle_id;
end $$;
