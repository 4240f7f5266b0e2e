/**
 * Numbered SQL migrations (`migrations/0001_name.sql` ...), each applied in its own transaction and
 * recorded in `studio_migrations`. The same files run on PGlite and PostgreSQL. Concurrent starters
 * (several schedulers at once) serialise on a transaction-level advisory lock and skip what another
 * already applied. `{{EMBEDDING_DIM}}` in a file is replaced by the configured embedding dimension.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseError } from '../core/errors.js';
import type { Database, Queryable } from '../core/ports.js';
import { packageRoot } from '../core/package-root.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  applied: Array<{ version: number; name: string; appliedAt: Date }>;
  pending: Array<{ version: number; name: string }>;
  /** Applied migrations whose file changed since (or vanished). */
  drifted: Array<{ version: number; name: string }>;
}

export interface MigrateOptions {
  dir?: string;
  /** Values for `{{NAME}}` placeholders. */
  vars?: Record<string, string | number>;
  /** Told the name of each migration before it is applied. */
  onApply?: (name: string) => void;
}

const LOCK_KEY = 727_165_001; // any constant; names the "studio migrations" lock

export function migrationsDir(): string {
  return join(packageRoot(), 'migrations');
}

/** The migration files in order, by version and name, without reading them. */
function migrationFiles(dir: string): Array<{ version: number; name: string; file: string }> {
  const files = readdirSync(dir).filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file)).sort();
  const seen = new Set<number>();
  return files.map((file) => {
    const version = Number(file.slice(0, 4));
    if (seen.has(version)) throw new DatabaseError(`storage: two migrations are numbered ${version} in ${dir}; renumber one`);
    seen.add(version);
    return { version, name: file.slice(5, -4), file };
  });
}

/** The migration files in order. */
export function loadMigrations(options: MigrateOptions = {}): Migration[] {
  const dir = options.dir ?? migrationsDir();
  return migrationFiles(dir).map(({ version, name, file }) => {
    const template = readFileSync(join(dir, file), 'utf8');
    const sql = template.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
      const value = options.vars?.[key];
      if (value === undefined) throw new DatabaseError(`storage: migration ${file} needs a value for {{${key}}}`);
      return String(value);
    });
    return { version, name, sql, checksum: createHash('sha256').update(template).digest('hex').slice(0, 16) };
  });
}

async function ensureTable(db: Queryable): Promise<void> {
  await db.exec(`
    create table if not exists studio_migrations (
      version integer primary key,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`);
}

/** Apply every pending migration; returns the names applied now. */
export async function migrate(db: Database, options: MigrateOptions = {}): Promise<string[]> {
  const files = migrationFiles(options.dir ?? migrationsDir());
  // every command start comes here: when all is applied (the usual case) one read answers it, and the
  // files are only listed, not read and hashed
  // (the table of the first schema on the search path: a test schema must not read public's)
  const schema = (await db.query<{ s: string }>('select current_schema() as s')).rows[0]?.s ?? 'public';
  const applied = await db
    .query<{ version: number }>(`select version from "${schema.replace(/"/g, '""')}".studio_migrations`)
    .then((r) => new Set(r.rows.map((row) => row.version)))
    .catch(() => new Set<number>());
  if (files.every((m) => applied.has(m.version))) return [];
  const migrations = loadMigrations(options);
  await db.withTransaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await ensureTable(tx);
  });
  const appliedNow: string[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    const done = await db.withTransaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const existing = await tx.query('select 1 from studio_migrations where version = $1', [migration.version]);
      if (existing.rowCount > 0) return false;
      options.onApply?.(`${String(migration.version).padStart(4, '0')}_${migration.name}`);
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new DatabaseError(`storage: migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      await tx.query('insert into studio_migrations (version, name, checksum) values ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      return true;
    });
    if (done) appliedNow.push(`${String(migration.version).padStart(4, '0')}_${migration.name}`);
  }
  return appliedNow;
}

/** What is applied, what is pending, and what changed on disk since it was applied. */
export async function migrationStatus(db: Queryable, options: MigrateOptions = {}): Promise<MigrationStatus> {
  const migrations = loadMigrations({ ...options, vars: new Proxy({}, { get: () => '0' }) });
  const table = await db.query<{ exists: boolean }>("select to_regclass('studio_migrations') is not null as exists");
  const rows = table.rows[0]?.exists
    ? (await db.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
        'select version, name, checksum, applied_at from studio_migrations order by version',
      )).rows
    : [];
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  const appliedVersions = new Set(rows.map((r) => r.version));
  return {
    applied: rows.map((r) => ({ version: r.version, name: r.name, appliedAt: r.applied_at })),
    pending: migrations.filter((m) => !appliedVersions.has(m.version)).map((m) => ({ version: m.version, name: m.name })),
    drifted: rows
      .filter((r) => byVersion.get(r.version)?.checksum !== r.checksum)
      .map((r) => ({ version: r.version, name: r.name })),
  };
}
