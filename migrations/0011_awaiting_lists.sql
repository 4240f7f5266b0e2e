-- The console reads the ideas waiting for an operator on every refresh: the parked ones and those waiting
-- on budget, each newest first (storage/ideas.ts, parkedAndWaitingSql). Parked ideas had no index, so
-- that list was a scan of every idea (26 ms of a 28 ms refresh with 100,000 ideas); both lists are now a
-- short walk of a small partial index in their own order.
create index if not exists ideas_parked_idx on ideas (created_at desc, id) where parked_reason is not null;
create index if not exists ideas_waiting_list_idx on ideas (created_at desc, id) where waiting_on_budget is not null;
