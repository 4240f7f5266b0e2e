/**
 * In-memory PGlite databases started from the migrated template, kept by the worker process and handed to
 * one describe block at a time. Starting one costs ~1.8 s of CPU (the first in a process ~3 s: the wasm
 * compile); putting a used one back to the template's state costs ~0.1-0.3 s: every table emptied, the
 * template's rows (the migrations and settings it records) put back, every sequence where the template
 * had it, the session discarded (`DISCARD ALL`: settings, temporary tables, prepared statements, locks).
 *
 * Data is all a reset restores. A block that changed the schema (created, dropped or altered a table, a
 * function, a trigger, a schema, a database, an extension or a role) gets its database closed on release
 * and the next block a new one: the catalog's fingerprint is compared with the template's before reuse.
 *
 * The pool lives on `globalThis`: with `isolate: false` vitest imports this module afresh for each test
 * file, but one worker process runs many files.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../../src/core/ports.js';
import { createPgliteDatabase } from '../../src/storage/pglite.js';

type Pglite = Awaited<ReturnType<typeof createPgliteDatabase>>;

interface Template {
  /** md5 over the user objects of the catalog (see FINGERPRINT). */
  fingerprint: string;
  /** Every user table, quoted, for one `truncate`. */
  tables: string[];
  /** The rows the template holds (table → rows as JSON). */
  rows: Array<{ table: string; json: string }>;
  /** Every sequence and where the template had it. */
  sequences: Array<{ name: string; value: number; called: boolean }>;
}

interface Pooled {
  db: Pglite;
  template: Template;
}

interface OwnedHome extends Pooled {
  home: string;
}

interface Pool {
  idle: Pooled[];
  /** Embedded homes whose database this process owns (serving it on the home's socket), idle. */
  homes: OwnedHome[];
  /** Databases started by this process (for the figures in the docs). */
  started: number;
  reused: number;
}

const POOL = Symbol.for('studio.test.pglitePool');
const pool: Pool = ((globalThis as Record<symbol, unknown>)[POOL] as Pool | undefined) ?? { idle: [], homes: [], started: 0, reused: 0 };
(globalThis as Record<symbol, unknown>)[POOL] = pool;

/**
 * The user objects of the catalog (oid >= 16384, FirstNormalObjectId) and what a test could change about
 * them: a table, column, default, constraint, index, view, function body, trigger (and whether it is
 * enabled), type, schema (temporary schemas aside: they outlive `DISCARD ALL` empty), database, extension
 * or role added, removed or altered changes it.
 */
const FINGERPRINT = `select md5(coalesce(string_agg(x, ',' order by x), '')) as fingerprint from (
  select concat_ws(':', 'c', c.oid, c.relname, c.relkind, c.relnamespace, c.relrowsecurity) as x
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.oid >= 16384 and n.nspname !~ '^pg_(temp|toast_temp)_'
  union all select concat_ws(':', 'a', a.attrelid, a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.attisdropped, a.atthasdef)
    from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
    where a.attrelid >= 16384 and n.nspname !~ '^pg_(temp|toast_temp)_'
  union all select concat_ws(':', 'd', oid, md5(pg_get_expr(adbin, adrelid))) from pg_attrdef where oid >= 16384
  union all select concat_ws(':', 'k', c.oid, c.conname, md5(pg_get_constraintdef(c.oid)))
    from pg_constraint c join pg_namespace n on n.oid = c.connamespace
    where c.oid >= 16384 and n.nspname !~ '^pg_(temp|toast_temp)_'
  union all select concat_ws(':', 'p', oid, proname, md5(prosrc)) from pg_proc where oid >= 16384
  union all select concat_ws(':', 't', oid, tgname, tgenabled) from pg_trigger where oid >= 16384
  union all select concat_ws(':', 'r', oid, ev_class) from pg_rewrite where oid >= 16384
  union all select concat_ws(':', 'y', t.oid, t.typname)
    from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where t.oid >= 16384 and n.nspname !~ '^pg_(temp|toast_temp)_'
  union all select concat_ws(':', 'n', oid, nspname) from pg_namespace where nspname !~ '^pg_(temp|toast_temp)_'
  union all select concat_ws(':', 'b', datname) from pg_database
  union all select concat_ws(':', 'e', extname, extversion) from pg_extension
  union all select concat_ws(':', 'o', rolname) from pg_roles where oid >= 16384
) s`;

async function fingerprint(db: Database): Promise<string> {
  return (await db.query<{ fingerprint: string }>(FINGERPRINT)).rows[0]!.fingerprint;
}

async function describeTemplate(db: Database): Promise<Template> {
  const tables = (
    await db.query<{ name: string }>(
      "select format('%I.%I', schemaname, tablename) as name from pg_tables where schemaname not in ('pg_catalog', 'information_schema') order by 1",
    )
  ).rows.map((r) => r.name);
  const rows: Template['rows'] = [];
  for (const table of tables) {
    const json = (await db.query<{ json: string | null }>(`select json_agg(t)::text as json from ${table} t`)).rows[0]!.json;
    if (json) rows.push({ table, json });
  }
  const sequences = (
    await db.query<{ name: string; value: number; called: boolean }>(
      "select format('%I.%I', schemaname, sequencename) as name, coalesce(last_value, start_value) as value, last_value is not null as called from pg_sequences",
    )
  ).rows;
  return { fingerprint: await fingerprint(db), tables, rows, sequences };
}

/** Back to the template's data and a fresh session; false when the schema no longer is the template's. */
async function reset(entry: Pooled): Promise<boolean> {
  const { db, template } = entry;
  await db.exec('DISCARD ALL');
  if ((await fingerprint(db)) !== template.fingerprint) return false;
  await db.withTransaction(async (tx) => {
    // delete, not truncate: truncate gives every table new files (~3x the CPU on a used database). Replica
    // role: no foreign-key checks or triggers (idea_counts is emptied as a table like the others).
    await tx.exec(['set local session_replication_role = replica', ...template.tables.map((table) => `delete from ${table}`)].join(';\n'));
    for (const { table, json } of template.rows) {
      await tx.query(`insert into ${table} overriding system value select * from json_populate_recordset(null::${table}, $1::json)`, [json]);
    }
    for (const s of template.sequences) await tx.query('select setval($1::regclass, $2, $3)', [s.name, s.value, s.called]);
  });
  return true;
}

/** The last idle entry of `idle` that `reset` brings back to the template's state; one that fails is closed for good. */
async function takeIdle<E extends { db: Database }>(idle: E[], reset: (entry: E) => Promise<boolean>): Promise<E | undefined> {
  while (idle.length > 0) {
    const candidate = idle.pop()!;
    if (await reset(candidate).catch(() => false)) {
      pool.reused++;
      return candidate;
    }
    await candidate.db.close().catch(() => undefined);
  }
  return undefined;
}

/**
 * A database in the template's state for one user: an idle one reset, else a new one. `close()` on the
 * result gives it back (closing it for good when its schema changed).
 */
export async function acquirePglite(templateTar: string): Promise<Pglite> {
  let entry = await takeIdle(pool.idle, reset);
  if (!entry) {
    const db = await createPgliteDatabase({ loadDataDir: new Blob([readFileSync(templateTar)]) });
    entry = { db, template: await describeTemplate(db) };
    pool.started++;
  }
  const lent = entry;
  let released = false;
  return withClose(lent.db, async () => {
    if (released) return;
    released = true;
    pool.idle.push(lent);
  });
}

/** `db` with another `close()`: everything else (getters included) is the database's own. */
function withClose<D extends Database>(db: D, close: () => Promise<void>): D {
  return new Proxy(db, { get: (target, key, receiver) => (key === 'close' ? close : Reflect.get(target, key, receiver)) });
}

/** What an owned home holds besides the database's directory: the owner's lock and socket directory. */
const OWNER_FILES = new Set(['pglite', 'pglite.lock', 'pglite.run']);

/** An owned home back to a just-opened one: the template's data, and nothing but the database in the home. */
async function resetHome(entry: OwnedHome): Promise<boolean> {
  if (!(await reset(entry))) return false;
  for (const name of readdirSync(entry.home)) if (name !== 'data') rmSync(join(entry.home, name), { recursive: true, force: true });
  for (const name of readdirSync(join(entry.home, 'data'))) if (!OWNER_FILES.has(name)) rmSync(join(entry.home, 'data', name), { recursive: true, force: true });
  return true;
}

/**
 * An embedded STUDIO_HOME whose database this process owns, in the template's state: an idle one reset
 * (data as in the template, every file in the home but the database removed), else `open()` makes one
 * (the home copied, PGlite started on it, its socket served). `release(keep)` gives it back; with `keep`
 * false (a test failed: its home is left to look at) the database is closed.
 */
export async function acquireOwnedHome(open: () => Promise<{ home: string; db: Database }>): Promise<{ home: string; db: Database; release(keep: boolean): Promise<void> }> {
  let entry = await takeIdle(pool.homes, resetHome);
  if (!entry) {
    const { home, db } = await open();
    entry = { home, db: db as Pglite, template: await describeTemplate(db) };
    pool.started++;
  }
  const lent = entry;
  let released = false;
  return {
    home: lent.home,
    db: withClose(lent.db, async () => undefined),
    async release(keep: boolean) {
      if (released) return;
      released = true;
      if (keep) pool.homes.push(lent);
      else await lent.db.close();
    },
  };
}
