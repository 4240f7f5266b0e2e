/**
 * What the health check keeps: the last state per service (`service_states`, to see what changed) and
 * KPI samples (`kpi_samples`, a bounded history for trends and sparklines).
 */
import type { Queryable } from '../core/ports.js';
import type { Level } from '../core/types.js';

export interface StoredServiceState {
  name: string;
  level: Level;
  reason: string;
  offline: boolean;
  latencyMs: number | null;
  changedAt: Date;
  checkedAt: Date;
}

export interface ServiceStateInput {
  name: string;
  level: Level;
  reason: string;
  offline?: boolean;
  latencyMs?: number;
  details?: Record<string, unknown>;
}

/** Record a state; returns the previous level (null when the service is new). */
export async function upsertServiceState(db: Queryable, state: ServiceStateInput, at: Date): Promise<Level | null> {
  const result = await db.query<{ previous: Level | null }>(
    `with previous as (select level from service_states where name = $1)
     insert into service_states as s (name, level, reason, offline, latency_ms, details, changed_at, checked_at)
     values ($1, $2, $3, $4, $5, $6, $7, $7)
     on conflict (name) do update set
       level = excluded.level, reason = excluded.reason, offline = excluded.offline, latency_ms = excluded.latency_ms,
       details = excluded.details, checked_at = excluded.checked_at,
       changed_at = case when s.level = excluded.level then s.changed_at else excluded.checked_at end
     returning (select level from previous) as previous`,
    [state.name, state.level, state.reason, state.offline ?? false, state.latencyMs ?? null, JSON.stringify(state.details ?? {}), at],
  );
  return result.rows[0]?.previous ?? null;
}

/** listServiceStates' statement (the console's change check hashes its result: storage/console-changes.ts). */
export const SERVICE_STATES_SQL = `select name, level, reason, offline, latency_ms, changed_at, checked_at from service_states order by name`;

export async function listServiceStates(db: Queryable): Promise<StoredServiceState[]> {
  const result = await db.query<{ name: string; level: Level; reason: string; offline: boolean; latency_ms: number | null; changed_at: Date; checked_at: Date }>(SERVICE_STATES_SQL);
  return result.rows.map((r) => ({
    name: r.name,
    level: r.level,
    reason: r.reason,
    offline: r.offline,
    latencyMs: r.latency_ms,
    changedAt: r.changed_at,
    checkedAt: r.checked_at,
  }));
}

export interface KpiSample {
  kpi: string;
  value: number;
  level: Level;
  details?: Record<string, unknown>;
}

export async function insertKpiSamples(db: Queryable, samples: KpiSample[], at: Date): Promise<void> {
  if (samples.length === 0) return;
  await db.query(
    `insert into kpi_samples (at, kpi, value, level, details)
     select $1, s.kpi, s.value, s.level, s.details
       from jsonb_to_recordset($2::jsonb) as s(kpi text, value double precision, level text, details jsonb)`,
    [at, JSON.stringify(samples.map((s) => ({ ...s, details: s.details ?? {} })))],
  );
}

/** Delete samples older than `before`; returns how many went. */
export async function pruneKpiSamples(db: Queryable, before: Date): Promise<number> {
  const result = await db.query(`delete from kpi_samples where at < $1`, [before]);
  return result.rowCount;
}

export interface KpiPoint {
  at: Date;
  value: number;
  level: Level;
}

/** Samples per KPI since a time, oldest first (at most `limit` newest per KPI). */
/**
 * readKpiHistory's statement with its parameters at the placeholders given (the window's start, a KPI name
 * prefix or null, the samples per KPI): the console's change check hashes its result in its own query.
 */
export function kpiHistorySql(since: string, prefix: string, limit: string): string {
  return `with recursive kpis (kpi) as (
         select min(kpi) from kpi_samples
         union all
         select (select min(s.kpi) from kpi_samples s where s.kpi > kpis.kpi) from kpis where kpis.kpi is not null
       )
       select x.kpi, x.at, x.value, x.level from kpis
         cross join lateral (select s.kpi, s.at, s.value, s.level from kpi_samples s
                              where s.kpi = kpis.kpi and s.at >= ${since} order by s.at desc limit ${limit}) x
        where ${prefix}::text is null or kpis.kpi like ${prefix} || '%'
        order by x.kpi, x.at`;
}

export async function readKpiHistory(db: Queryable, options: { since: Date; kpiPrefix?: string; limit?: number }): Promise<Record<string, KpiPoint[]>> {
  // Each KPI's newest samples straight from kpi_samples_kpi_at_idx: the KPI names by a skip over that
  // index (one probe per KPI), then per KPI a backward scan stopped at `limit`. A window over the whole
  // window's samples sorted them all (a day of minute samples: ~10k rows, ~12 ms) on every refresh.
  const result = await db.query<{ kpi: string; at: Date; value: number; level: Level }>(
    kpiHistorySql('$1', '$2', '$3'),
    [options.since, options.kpiPrefix ?? null, options.limit ?? 288],
  );
  const out: Record<string, KpiPoint[]> = {};
  for (const row of result.rows) (out[row.kpi] ??= []).push({ at: row.at, value: Number(row.value), level: row.level });
  return out;
}

export interface KpiSummary {
  kpi: string;
  samples: number;
  mean: number;
  p95: number;
  max: number;
  worst: Level;
  notHealthy: number;
}

/** Per KPI: count, mean, p95, max, and how many samples were not HEALTHY (reports). */
export async function summariseKpis(db: Queryable, since: Date, kpiPrefix?: string): Promise<KpiSummary[]> {
  const result = await db.query<{ kpi: string; n: number; mean: number; p95: number; max: number; bad: number; worst: number }>(
    `select kpi, count(*)::int as n, avg(value) as mean,
            percentile_cont(0.95) within group (order by value) as p95, max(value) as max,
            count(*) filter (where level <> 'HEALTHY')::int as bad,
            max(case level when 'EMERGENCY' then 3 when 'CRITICAL' then 2 when 'WARNING' then 1 else 0 end) as worst
       from kpi_samples where at >= $1 and ($2::text is null or kpi like $2 || '%')
      group by kpi order by kpi`,
    [since, kpiPrefix ?? null],
  );
  const levels: Level[] = ['HEALTHY', 'WARNING', 'CRITICAL', 'EMERGENCY'];
  return result.rows.map((r) => ({
    kpi: r.kpi,
    samples: r.n,
    mean: Number(r.mean),
    p95: Number(r.p95),
    max: Number(r.max),
    notHealthy: r.bad,
    worst: levels[Number(r.worst)] ?? 'HEALTHY',
  }));
}

/** The latest sample of one KPI before a time (database growth compares against it). */
export async function latestKpiBefore(db: Queryable, kpi: string, before: Date): Promise<{ at: Date; value: number } | null> {
  const result = await db.query<{ at: Date; value: number }>(
    `select at, value from kpi_samples where kpi = $1 and at <= $2 order by at desc limit 1`,
    [kpi, before],
  );
  const row = result.rows[0];
  return row ? { at: row.at, value: Number(row.value) } : null;
}

export interface CompletionFacts {
  completed: number;
  meanHours: number | null;
  maxHours: number | null;
  /** Ideas in the pipeline (not terminal) for longer than the critical limit, by stage. */
  inFlightOldestHours: number | null;
}

/**
 * Pipeline completion time: from an idea's creation to its entry into COMPLETE (stage history), for
 * ideas completed since `since`; and the age of the oldest idea still in flight.
 */
export async function readCompletionFacts(db: Queryable, since: Date, now: Date): Promise<CompletionFacts> {
  const result = await db.query<{ n: number; mean: number | null; max: number | null; oldest: number | null }>(
    `with done as (
       select i.id, extract(epoch from (min(h.at) - i.created_at)) / 3600.0 as hours
         from idea_stage_history h join ideas i on i.id = h.idea_id
        where h.to_stage = 'COMPLETE' and h.at >= $1
        group by i.id, i.created_at
     )
     select (select count(*)::int from done) as n,
            (select avg(hours) from done) as mean,
            (select max(hours) from done) as max,
            (select extract(epoch from ($2::timestamptz - min(stage_entered_at))) / 3600.0 from ideas
              where current_stage <> 'COMPLETE' and status not in ('REJECTED', 'ARCHIVED', 'DRAFT')) as oldest`,
    [since, now],
  );
  const row = result.rows[0]!;
  const num = (v: number | null) => (v === null || v === undefined ? null : Number(v));
  return { completed: row.n, meanHours: num(row.mean), maxHours: num(row.max), inFlightOldestHours: num(row.oldest) };
}
