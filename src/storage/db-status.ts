/**
 * What `studio db status` reports: mode, reachability, versions, migrations, size, the largest tables,
 * connections, and a round-trip latency. Every query here is cheap (catalog and statistics views).
 */
import type { Database } from '../core/ports.js';
import { migrationStatus, type MigrateOptions } from './migrate.js';

export interface DbStatus {
  mode: Database['mode'];
  location: string;
  connected: boolean;
  serverVersion: string;
  pgvectorVersion: string | null;
  migrations: { applied: number; pending: string[]; latest: string | null; drifted: string[] };
  sizeBytes: number;
  tables: Array<{ name: string; rowsEstimate: number; bytes: number }>;
  connections: { inUse: number; max: number } | null;
  latencyMs: number;
}

export async function readDbStatus(db: Database, options: MigrateOptions = {}): Promise<DbStatus> {
  const latencyMs = await roundTrip(db);
  const info = await db.query<{ server_version: string; vector: string | null; size: number }>(
    `select current_setting('server_version') as server_version,
            (select extversion from pg_extension where extname = 'vector') as vector,
            pg_database_size(current_database()) as size`,
  );
  const migrations = await migrationStatus(db, options);
  const tables = await db.query<{ name: string; rows: number; bytes: number }>(
    `select c.relname as name,
            greatest(c.reltuples, coalesce(s.n_live_tup, 0))::bigint as rows,
            pg_total_relation_size(c.oid) as bytes
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       left join pg_stat_user_tables s on s.relid = c.oid
      where c.relkind in ('r', 'p') and n.nspname = current_schema()
      order by pg_total_relation_size(c.oid) desc, c.relname
      limit 10`,
  );
  let connections: DbStatus['connections'] = null;
  if (db.mode === 'server') {
    const conn = await db.query<{ in_use: number; max: number }>(
      `select (select count(*) from pg_stat_activity where datname = current_database()) as in_use,
              current_setting('max_connections')::int as max`,
    );
    connections = { inUse: conn.rows[0]!.in_use, max: conn.rows[0]!.max };
  }
  const row = info.rows[0]!;
  const last = migrations.applied.at(-1);
  return {
    mode: db.mode,
    location: db.location,
    connected: true,
    serverVersion: row.server_version,
    pgvectorVersion: row.vector,
    migrations: {
      applied: migrations.applied.length,
      pending: migrations.pending.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`),
      latest: last ? `${String(last.version).padStart(4, '0')}_${last.name}` : null,
      drifted: migrations.drifted.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`),
    },
    sizeBytes: Number(row.size),
    tables: tables.rows.map((t) => ({ name: t.name, rowsEstimate: Math.max(0, Number(t.rows)), bytes: Number(t.bytes) })),
    connections,
    latencyMs,
  };
}

/** Median of three `select 1` round trips, in milliseconds (two decimals). */
async function roundTrip(db: Database): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    await db.query('select 1');
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return Math.round(samples[1]! * 100) / 100;
}
