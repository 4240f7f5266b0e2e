-- A scheduler that stops cleanly says so: stopped_at is set on its node row at the end of a graceful
-- stop (SIGTERM, console quit, a refused start). Health tells "stopped cleanly at ..." from "went silent",
-- and a restore resets liveness by stamping the restored rows stopped.
alter table scheduler_nodes add column if not exists stopped_at timestamptz;

-- A smoke test that did not succeed ends the pipeline as its own outcome, not as DEPLOYED.
alter table ideas drop constraint if exists ideas_status_check;
alter table ideas add constraint ideas_status_check check (status in
  ('DRAFT','VALIDATING','VALIDATED','REJECTED','RESEARCHING','BUILDING','TESTING','DEPLOYED','SMOKE_TEST_FAILED','ARCHIVED'));
