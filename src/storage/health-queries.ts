/**
 * The manual's database health queries as code: connections, size, slow statements (pg_stat_statements,
 * when installed), index usage, unused and invalid indexes, dead tuples and vacuums, the vector indexes,
 * and the scheduler's heartbeats and failed runs. Every query reads catalog or statistics views only, so
 * a health check costs milliseconds. Works on PostgreSQL 15+ and on PGlite.
 */
import type { Queryable } from '../core/ports.js';

export interface DatabaseFacts {
  serverVersion: string;
  sizeBytes: number;
  connections: { inUse: number; active: number; max: number };
}

export async function readDatabaseFacts(db: Queryable): Promise<DatabaseFacts> {
  const result = await db.query<{ server_version: string; size: number; in_use: number; active: number; max: number }>(
    `select current_setting('server_version') as server_version,
            pg_database_size(current_database())::bigint as size,
            (select count(*) from pg_stat_activity where datname = current_database())::int as in_use,
            (select count(*) from pg_stat_activity where datname = current_database() and state = 'active')::int as active,
            current_setting('max_connections')::int as max`,
  );
  const row = result.rows[0]!;
  return { serverVersion: row.server_version, sizeBytes: Number(row.size), connections: { inUse: row.in_use, active: row.active, max: row.max } };
}

/** A representative query the application runs (an indexed count over ideas), timed by the caller. */
/** The cheapest round trip: is the database there at all? */
export async function ping(db: Queryable): Promise<void> {
  await db.query('select 1');
}

export async function timedProbeQuery(db: Queryable): Promise<void> {
  await db.query(`select count(*) from (select 1 from ideas order by updated_at desc limit 100) recent`);
}

export interface SlowStatement {
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  hitPercent: number | null;
}

/** Slowest statements by mean time, or null when pg_stat_statements is not installed or not loaded. */
export async function readSlowStatements(db: Queryable, options: { minCalls?: number; limit?: number } = {}): Promise<SlowStatement[] | null> {
  const installed = await db.query<{ ok: boolean }>(`select to_regclass('pg_stat_statements') is not null as ok`);
  if (!installed.rows[0]?.ok) return null;
  try {
    const result = await db.query<{ query: string; calls: number; total: number; mean: number; hit: number | null }>(
      `select query, calls::bigint as calls, total_exec_time as total, mean_exec_time as mean,
              100.0 * shared_blks_hit / nullif(shared_blks_hit + shared_blks_read, 0) as hit
         from pg_stat_statements
        where calls >= $1 and dbid = (select oid from pg_database where datname = current_database())
        order by mean_exec_time desc limit $2`,
      [options.minCalls ?? 10, options.limit ?? 5],
    );
    return result.rows.map((r) => ({
      query: r.query.replace(/\s+/g, ' ').slice(0, 200),
      calls: Number(r.calls),
      totalMs: Number(r.total),
      meanMs: Number(r.mean),
      hitPercent: r.hit === null ? null : Number(r.hit),
    }));
  } catch {
    // the view exists but the library is not in shared_preload_libraries: reading it raises an error
    return null;
  }
}

export interface IndexFacts {
  name: string;
  table: string;
  method: string;
  bytes: number;
  scans: number;
  tuplesRead: number;
  valid: boolean;
  unique: boolean;
}

/** Every index in studio's schemas with its size, scans and validity. */
export async function readIndexes(db: Queryable): Promise<IndexFacts[]> {
  const result = await db.query<{ name: string; tbl: string; method: string; bytes: number; scans: number | null; reads: number | null; valid: boolean; uniq: boolean }>(
    `select ic.relname as name, tc.relname as tbl, am.amname as method,
            pg_relation_size(ic.oid)::bigint as bytes,
            coalesce(s.idx_scan, 0)::bigint as scans, coalesce(s.idx_tup_read, 0)::bigint as reads,
            i.indisvalid as valid, (i.indisunique or i.indisprimary) as uniq
       from pg_index i
       join pg_class ic on ic.oid = i.indexrelid
       join pg_class tc on tc.oid = i.indrelid
       join pg_namespace n on n.oid = ic.relnamespace
       join pg_am am on am.oid = ic.relam
       left join pg_stat_user_indexes s on s.indexrelid = i.indexrelid
      where n.nspname = current_schema()
      order by pg_relation_size(ic.oid) desc, ic.relname`,
  );
  return result.rows.map((r) => ({
    name: r.name,
    table: r.tbl,
    method: r.method,
    bytes: Number(r.bytes),
    scans: Number(r.scans ?? 0),
    tuplesRead: Number(r.reads ?? 0),
    valid: r.valid,
    unique: r.uniq,
  }));
}

export interface TableVacuumFacts {
  table: string;
  liveTuples: number;
  deadTuples: number;
  lastVacuum: Date | null;
  lastAnalyze: Date | null;
  seqScans: number;
  indexScans: number;
}

export async function readTableVacuum(db: Queryable): Promise<TableVacuumFacts[]> {
  const result = await db.query<{ tbl: string; live: number; dead: number; vac: Date | null; an: Date | null; seq: number; idx: number }>(
    `select s.relname as tbl, s.n_live_tup::bigint as live, s.n_dead_tup::bigint as dead,
            greatest(s.last_vacuum, s.last_autovacuum) as vac, greatest(s.last_analyze, s.last_autoanalyze) as an,
            coalesce(s.seq_scan, 0)::bigint as seq, coalesce(s.idx_scan, 0)::bigint as idx
       from pg_stat_user_tables s
      where s.schemaname = current_schema()
      order by s.n_dead_tup desc, s.relname`,
  );
  return result.rows.map((r) => ({
    table: r.tbl,
    liveTuples: Number(r.live),
    deadTuples: Number(r.dead),
    lastVacuum: r.vac,
    lastAnalyze: r.an,
    seqScans: Number(r.seq),
    indexScans: Number(r.idx),
  }));
}

export interface SchedulerFacts {
  installed: boolean;
  nodes: number;
  /** Most recent heartbeat of a scheduler process that has not stopped cleanly (running, or gone silent). */
  lastHeartbeat: Date | null;
  /** The most recent clean stop of a scheduler process, if any. */
  lastStop: { at: Date; host: string; pid: number } | null;
  /** Runs that failed in the window. */
  failedRuns: Array<{ job: string; at: Date | null; error: string | null }>;
  /** Dead-man events (a job that did not run when it should) in the window. */
  deadman: Array<{ job: string; at: Date; message: string }>;
}

/**
 * The scheduler's state, read without depending on its exact column names (`to_jsonb(row)`): the
 * scheduler module owns `scheduler_nodes` and `job_runs`; when they do not exist, `installed` is false.
 */
export async function readSchedulerFacts(db: Queryable, since: Date): Promise<SchedulerFacts> {
  const deadman = await db.query<{ job: string | null; at: Date; message: string }>(
    `select coalesce(details->>'job', source) as job, at, message from ops_events
      where kind like 'job.deadman%' and at >= $1 order by at desc limit 20`,
    [since],
  );
  // scheduler processes only: a CLI running a job by hand also holds a row (kind = 'cli')
  const heartbeat = await db.query<{ nodes: number; last: Date | null }>(
    `select count(*) filter (where not stopping)::int as nodes, max(heartbeat_at) as last
       from scheduler_nodes where kind = 'scheduler' and stopped_at is null`,
  );
  const stop = await db.query<{ at: Date; host: string; pid: number }>(
    `select stopped_at as at, host, pid from scheduler_nodes
      where kind = 'scheduler' and stopped_at is not null order by stopped_at desc limit 1`,
  );
  // the last hour of finished runs is found through job_runs_claimed_idx
  const failed = await db.query<{ job: string; at: Date | null; error: string | null }>(
    `select job, coalesce(finished_at, started_at, scheduled_for) as at, error
       from job_runs
      where claimed_at >= $1 and status in ('failed', 'timed_out')
      order by claimed_at desc limit 20`,
    [since],
  );
  return {
    installed: true,
    nodes: heartbeat.rows[0]?.nodes ?? 0,
    lastHeartbeat: heartbeat.rows[0]?.last ?? null,
    lastStop: stop.rows[0] ?? null,
    failedRuns: failed.rows.map((r) => ({ job: r.job, at: r.at, error: r.error })),
    deadman: deadman.rows.map((r) => ({ job: r.job ?? 'unknown', at: r.at, message: r.message })),
  };
}