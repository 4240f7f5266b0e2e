/**
 * Database maintenance (the manual's weekly tasks): VACUUM (ANALYZE) table by table, REINDEX one index at
 * a time (CONCURRENTLY, with lock_timeout), archive ideas in terminal states, purge old audit rows. All on
 * studio's schema only (`current_schema()`). VACUUM and REINDEX CONCURRENTLY cannot run in a transaction,
 * so each statement is sent on its own on one connection.
 */
import type { Database, Queryable } from '../core/ports.js';

export interface TableInfo {
  name: string;
  bytes: number;
  liveRows: number;
  deadRows: number;
}

export interface IndexInfo {
  name: string;
  table: string;
  bytes: number;
  valid: boolean;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function currentSchema(db: Queryable): Promise<string> {
  const result = await db.query<{ schema: string }>('select current_schema() as schema');
  return result.rows[0]!.schema;
}

/** Ordinary tables in studio's schema, largest first. */
export async function listTables(db: Queryable): Promise<TableInfo[]> {
  const result = await db.query<{ name: string; bytes: number; live: number | null; dead: number | null }>(
    `select c.relname as name, pg_total_relation_size(c.oid)::bigint as bytes, s.n_live_tup::bigint as live, s.n_dead_tup::bigint as dead
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       left join pg_stat_user_tables s on s.relid = c.oid
      where n.nspname = current_schema() and c.relkind = 'r'
      order by bytes desc, name`,
  );
  return result.rows.map((r) => ({ name: r.name, bytes: Number(r.bytes), liveRows: Number(r.live ?? 0), deadRows: Number(r.dead ?? 0) }));
}

/** Indexes in studio's schema, smallest first (the most get done within a time budget). */
export async function listIndexes(db: Queryable): Promise<IndexInfo[]> {
  const result = await db.query<{ name: string; table: string; bytes: number; valid: boolean }>(
    `select i.relname as name, t.relname as table, pg_relation_size(i.oid)::bigint as bytes, x.indisvalid as valid
       from pg_index x
       join pg_class i on i.oid = x.indexrelid
       join pg_class t on t.oid = x.indrelid
       join pg_namespace n on n.oid = i.relnamespace
      where n.nspname = current_schema() and t.relkind = 'r'
      order by bytes, name`,
  );
  return result.rows.map((r) => ({ name: r.name, table: r.table, bytes: Number(r.bytes), valid: r.valid }));
}

/** VACUUM (ANALYZE) one table, with no statement timeout. */
export async function vacuumTable(db: Database, table: string): Promise<void> {
  await db.withConnection(async (conn) => {
    const schema = await currentSchema(conn);
    await withoutStatementTimeout(db, conn, () => conn.exec(`vacuum (analyze) ${ident(schema)}.${ident(table)}`));
  });
}

/**
 * REINDEX one index. On PostgreSQL: CONCURRENTLY (writes go on) with `lock_timeout`; a failed concurrent
 * reindex leaves an invalid `<name>_ccnew` index behind, which is dropped. On PGlite (one connection, no
 * concurrent sessions) a plain REINDEX.
 */
export async function reindexIndex(db: Database, index: string, options: { lockTimeoutMs: number }): Promise<{ concurrently: boolean }> {
  const concurrently = db.mode === 'server';
  await db.withConnection(async (conn) => {
    const schema = await currentSchema(conn);
    // embedded: one session shared by every process, so no session setting (and no lock waits to bound)
    if (concurrently) await conn.exec(`set lock_timeout = ${Math.max(1, Math.round(options.lockTimeoutMs))}`);
    try {
      await withoutStatementTimeout(db, conn, () => conn.exec(`reindex index ${concurrently ? 'concurrently ' : ''}${ident(schema)}.${ident(index)}`));
    } catch (error) {
      if (concurrently) await dropLeftovers(conn, schema, index).catch(() => undefined);
      throw error;
    } finally {
      if (concurrently) await conn.exec('reset lock_timeout').catch(() => undefined);
    }
  });
  return { concurrently };
}

async function dropLeftovers(conn: Queryable, schema: string, index: string): Promise<void> {
  const result = await conn.query<{ name: string }>(
    `select i.relname as name from pg_index x join pg_class i on i.oid = x.indexrelid join pg_namespace n on n.oid = i.relnamespace
      where n.nspname = $1 and not x.indisvalid and i.relname like $2`,
    [schema, `${index.slice(0, 55)}_ccnew%`],
  );
  for (const row of result.rows) await conn.exec(`drop index concurrently if exists ${ident(schema)}.${ident(row.name)}`);
}

async function withoutStatementTimeout<T>(db: Database, conn: Queryable, fn: () => Promise<T>): Promise<T> {
  if (db.mode !== 'server') return fn();
  await conn.exec('set statement_timeout = 0');
  try {
    return await fn();
  } finally {
    await conn.exec('reset statement_timeout').catch(() => undefined);
  }
}

export interface ArchiveCandidate {
  id: string;
  title: string;
  status: string;
  updatedAt: Date;
}

const TERMINAL = ['REJECTED', 'DEPLOYED', 'SMOKE_TEST_FAILED'];

/** Ideas in a terminal state not touched since `before` (what `archiveIdeas` would move). */
export async function archiveCandidates(db: Queryable, before: Date, limit = 1000): Promise<ArchiveCandidate[]> {
  const result = await db.query<{ id: string; title: string; status: string; updated_at: Date }>(
    `select id, title, status, updated_at from ideas where status = any($1::text[]) and updated_at < $2 order by updated_at limit $3`,
    [TERMINAL, before, limit],
  );
  return result.rows.map((r) => ({ id: r.id, title: r.title, status: r.status, updatedAt: r.updated_at }));
}

/**
 * Move up to `limit` terminal ideas older than `before` into `ideas_archive` in one statement (so in one
 * transaction): the row as JSON in `data`, its stage history in `history`, status ARCHIVED; then delete
 * them (their history goes with them). An idea another transaction holds is left for the next run.
 */
export async function archiveIdeas(tx: Queryable, options: { before: Date; now: Date; limit?: number }): Promise<ArchiveCandidate[]> {
  const result = await tx.query<{ id: string; title: string; status: string; updated_at: Date }>(
    `with picked as (
        select * from ideas where status = any($1::text[]) and updated_at < $2 order by updated_at limit $3 for update skip locked
     ), hist as (
        select h.idea_id, jsonb_agg(to_jsonb(h) - 'idea_id' order by h.at, h.id) as history
          from idea_stage_history h join picked p on p.id = h.idea_id group by h.idea_id
     ), archived as (
        insert into ideas_archive (id, archived_at, status, current_stage, title, data, history)
        select p.id, $4, 'ARCHIVED', p.current_stage, p.title, to_jsonb(p), coalesce(hist.history, '[]'::jsonb)
          from picked p left join hist on hist.idea_id = p.id
        on conflict (id) do update set archived_at = excluded.archived_at, data = excluded.data, history = excluded.history
        returning id
     )
     delete from ideas i using archived a where i.id = a.id
     returning i.id, i.title, i.status, i.updated_at`,
    [TERMINAL, options.before, options.limit ?? 500, options.now],
  );
  return result.rows.map((r) => ({ id: r.id, title: r.title, status: r.status, updatedAt: r.updated_at }));
}

/** Audit rows older than `before`: how many (dry run) or delete them in batches. */
export async function purgeAudit(db: Queryable, before: Date, options: { dryRun?: boolean; batch?: number } = {}): Promise<number> {
  if (options.dryRun) {
    const result = await db.query<{ n: number }>('select count(*)::int as n from audit_log where at < $1', [before]);
    return result.rows[0]!.n;
  }
  const batch = options.batch ?? 5000;
  let total = 0;
  for (;;) {
    const result = await db.query('delete from audit_log where id in (select id from audit_log where at < $1 limit $2)', [before, batch]);
    total += result.rowCount;
    if (result.rowCount < batch) return total;
  }
}
