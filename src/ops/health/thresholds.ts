/**
 * The manual's KPI table (docs/domain.md "Operations") as data: target / warning / critical. A value above
 * `warning` is WARNING, above `critical` CRITICAL.
 */
export interface Threshold {
  target: number;
  warning: number;
  critical: number;
  unit: string;
  label: string;
}

export const KPI_THRESHOLDS = {
  /** Pipeline completion time (idea created to COMPLETE), hours. */
  pipeline_completion_hours: { target: 4, warning: 4, critical: 6, unit: 'h', label: 'pipeline completion time' },
  /** Database query time, ms. */
  db_query_ms: { target: 100, warning: 500, critical: 1000, unit: 'ms', label: 'database query time' },
  /** API response time of a provider, ms. */
  api_response_ms: { target: 2000, warning: 5000, critical: 10000, unit: 'ms', label: 'API response time' },
  /** Memory in use, percent. */
  memory_pct: { target: 70, warning: 80, critical: 90, unit: '%', label: 'memory usage' },
  /** Disk in use, percent (the fullest of the data, log and backup paths). */
  disk_pct: { target: 70, warning: 80, critical: 90, unit: '%', label: 'disk usage' },
} satisfies Record<string, Threshold>;

export type KpiName = keyof typeof KPI_THRESHOLDS;

/** Connections in use vs max_connections, percent. */
export const CONNECTIONS_PCT = { warning: 80, critical: 90 };
/** A table whose dead tuples pass this share of all its tuples (and DEAD_TUPLES_MIN) needs a vacuum. */
export const DEAD_TUPLE_RATIO = 0.2;
export const DEAD_TUPLES_MIN = 1000;
/** A statement slower than this on average (ms, pg_stat_statements) makes the database WARNING. */
export const SLOW_STATEMENT_MS = 1000;
/** Load average per core above this is WARNING. */
export const LOAD_PER_CORE_WARNING = 2;
