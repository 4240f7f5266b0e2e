-- The console's jobs panel (and `studio jobs`) read each job's latest run that was not missed: this index
-- serves that read as one short backward probe per job. Without it the planner walks job_runs_claimed_idx
-- from the newest run and filters, which reads the whole history for a job that has never run.
create index if not exists job_runs_latest_idx on job_runs (job, claimed_at) where status <> 'missed';

-- Stuck ideas are read as two bounded, index-ordered lists: active ideas in their stage longest
-- (ideas_stage_entered_idx) and active ideas whose lease lapsed (this index, small: a lapse is rare).
-- Without it, a pipeline where few ideas are stuck was a scan and sort of every idea on each refresh.
create index if not exists ideas_lapsed_idx on ideas (stage_entered_at)
  where lease_lapses > 0 and current_stage <> 'COMPLETE' and status not in ('REJECTED', 'ARCHIVED');
