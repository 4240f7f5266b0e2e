/**
 * What a backup's manifest records and what a restore drill checks, as SQL that runs on any copy of the
 * database (the live one, a scratch PostgreSQL database, an in-memory PGlite): the row count of every
 * table in studio's schema, the migration level, the server version, and whether each vector index
 * (HNSW / IVFFlat) still answers a nearest-neighbour query through the index.
 */
import type { Queryable } from '../core/ports.js';

/** Row count of every table in `schema`, by table name, sorted by name. */
export async function countRows(db: Queryable, schema: string): Promise<Record<string, number>> {
  const tables = await db.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p') and not c.relispartition order by c.relname`,
    [schema],
  );
  if (tables.rows.length === 0) return {};
  // One statement for all of them: one round trip, and one snapshot inside a transaction.
  const sql = tables.rows
    .map((t, i) => `select ${i} as i, count(*)::bigint as n from ${quoteIdent(schema)}.${quoteIdent(t.name)}`)
    .join(' union all ');
  const counts = await db.query<{ i: number; n: number }>(sql);
  const out: Record<string, number> = {};
  for (const row of counts.rows) out[tables.rows[row.i]!.name] = Number(row.n);
  return out;
}

/** `0006_backups`: the newest applied migration, or null before the first. */
export async function migrationLevel(db: Queryable, schema: string): Promise<string | null> {
  const exists = await db.query<{ ok: boolean }>(`select to_regclass($1) is not null as ok`, [`${quoteIdent(schema)}.studio_migrations`]);
  if (!exists.rows[0]?.ok) return null;
  const row = await db.query<{ version: number; name: string }>(
    `select version, name from ${quoteIdent(schema)}.studio_migrations order by version desc limit 1`,
  );
  const last = row.rows[0];
  return last ? `${String(last.version).padStart(4, '0')}_${last.name}` : null;
}

export async function serverVersion(db: Queryable): Promise<{ text: string; major: number }> {
  const row = await db.query<{ v: string; num: string }>(`select current_setting('server_version') as v, current_setting('server_version_num') as num`);
  const text = row.rows[0]!.v.split(' ')[0]!;
  return { text, major: Math.floor(Number(row.rows[0]!.num) / 10_000) };
}

export interface VectorIndexCheck {
  index: string;
  table: string;
  column: string;
  method: string;
  /** Whether the planner used the index for ORDER BY <distance> LIMIT. */
  usedIndex: boolean;
  /** Rows the probe query returned (0 for an empty table). */
  rows: number;
  problem?: string;
}

const OPERATORS: Array<[RegExp, string]> = [
  [/_cosine_ops$/, '<=>'],
  [/_l2_ops$/, '<->'],
  [/_ip_ops$/, '<#>'],
  [/_l1_ops$/, '<+>'],
  [/_hamming_ops$/, '<~>'],
  [/_jaccard_ops$/, '<%>'],
];

/**
 * For each vector index in `schema`: ask for the 5 nearest neighbours of a stored vector with sequential
 * scans disabled, and check that the plan goes through the index and that the query answers.
 * Runs in its own transaction (settings are local to it).
 */
export async function checkVectorIndexes(
  db: { withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
  schema: string,
): Promise<VectorIndexCheck[]> {
  return db.withTransaction(async (tx) => {
    const indexes = await tx.query<{ index: string; table: string; column: string; method: string; opclass: string }>(
      `select i.relname as index, t.relname as table, a.attname as column, am.amname as method, opc.opcname as opclass
         from pg_index x
         join pg_class i on i.oid = x.indexrelid
         join pg_class t on t.oid = x.indrelid
         join pg_namespace n on n.oid = t.relnamespace
         join pg_am am on am.oid = i.relam
         join pg_opclass opc on opc.oid = x.indclass[0]
         join pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[0]
        where n.nspname = $1 and am.amname in ('hnsw', 'ivfflat')
        order by t.relname, i.relname`,
      [schema],
    );
    const results: VectorIndexCheck[] = [];
    if (indexes.rows.length === 0) return results;
    await tx.exec('set local enable_seqscan = off');
    for (const ix of indexes.rows) {
      const op = OPERATORS.find(([pattern]) => pattern.test(ix.opclass))?.[1];
      const base = { index: ix.index, table: ix.table, column: ix.column, method: ix.method };
      if (!op) {
        results.push({ ...base, usedIndex: false, rows: 0, problem: `unknown operator class ${ix.opclass}` });
        continue;
      }
      const table = `${quoteIdent(schema)}.${quoteIdent(ix.table)}`;
      const col = quoteIdent(ix.column);
      const probe = `select 1 from ${table} order by ${col} ${op} (select ${col} from ${table} where ${col} is not null limit 1) limit 5`;
      const plan = await tx.query<Record<string, unknown>>(`explain (format json) ${probe}`);
      const usedIndex = JSON.stringify(plan.rows).includes(`"Index Name":"${ix.index}"`) || JSON.stringify(plan.rows).includes(`"Index Name": "${ix.index}"`);
      const answered = await tx.query(probe);
      results.push({
        ...base,
        usedIndex,
        rows: answered.rows.length,
        problem: usedIndex ? undefined : `the planner does not use ${ix.index} for ORDER BY ${col} ${op}`,
      });
    }
    return results;
  });
}

/** A SQL identifier, quoted. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
