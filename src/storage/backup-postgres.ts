/**
 * Backups of a PostgreSQL server with the client tools: `pg_dump -Fc` of studio's schema, restore drills
 * with `pg_restore` into a scratch database, and restore in place in one transaction through `psql`.
 *
 * - The tools' major version must not be older than the server's (an older pg_dump refuses or writes a
 *   dump the server's features do not fit); the binaries come from PG_DUMP_PATH / PG_RESTORE_PATH / PSQL_PATH.
 * - The manifest's row counts and the dump see one snapshot: a repeatable-read transaction exports its
 *   snapshot, counts, and pg_dump runs with `--snapshot` while it stays open.
 * - The password never appears on a command line: the tools get it in PGPASSWORD.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execa, type ResultPromise } from 'execa';
import { BackupError, toError } from '../core/errors.js';
import type { Queryable } from '../core/ports.js';
import { redactText } from '../core/redact.js';
import type { BackupEngine, BackupEngineDeps, DumpProgress, DumpResult, Preflight, ScratchCheck } from './backup-engine.js';
import { checkVectorIndexes, countRows, migrationLevel, quoteIdent, serverVersion } from './backup-checks.js';
import { createPostgresDatabase } from './postgres.js';

interface Tool {
  name: 'pg_dump' | 'pg_restore' | 'psql';
  path: string;
  setting: string;
}

/** "pg_dump (PostgreSQL) 15.20 (Debian ...)" -> { text: '15.20', major: 15 }; 9.6 -> major 9.6. */
export function parseToolVersion(output: string): { text: string; major: number } | undefined {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return undefined;
  const first = Number(match[1]);
  const second = match[2] === undefined ? 0 : Number(match[2]);
  return { text: match[2] === undefined ? match[1]! : `${first}.${second}`, major: first >= 10 ? first : Number(`${first}.${second}`) };
}

/** Connection for the tools: the URL without its password, which goes in PGPASSWORD. */
export function toolConnection(url: string, database?: string): { dbname: string; env: Record<string, string> } {
  const parsed = new URL(url);
  const env: Record<string, string> = { PGAPPNAME: 'studio backup' };
  if (parsed.password) env.PGPASSWORD = decodeURIComponent(parsed.password);
  parsed.password = '';
  if (database) parsed.pathname = `/${encodeURIComponent(database)}`;
  return { dbname: parsed.toString(), env };
}

export function createPostgresBackupEngine({ config, db }: BackupEngineDeps): BackupEngine {
  const url = config.database.url;
  if (!url) throw new BackupError('backup: server mode needs DATABASE_URL');
  const schema = config.database.schema;
  const tools: Record<Tool['name'], Tool> = {
    pg_dump: { name: 'pg_dump', path: config.backup.pgDumpPath, setting: 'PG_DUMP_PATH' },
    pg_restore: { name: 'pg_restore', path: config.backup.pgRestorePath, setting: 'PG_RESTORE_PATH' },
    psql: { name: 'psql', path: config.backup.psqlPath, setting: 'PSQL_PATH' },
  };
  const versions = new Map<string, { text: string; major: number }>();

  /** The tool's version, refusing clearly when it is missing or older than the server. */
  async function checkTool(tool: Tool, server: { text: string; major: number }, warnings: string[]): Promise<string> {
    let version = versions.get(tool.name);
    if (!version) {
      let output: string;
      try {
        output = String((await execa(tool.path, ['--version'], { timeout: 10_000 })).stdout);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'ENOENT' || code === 'EACCES') {
          throw new BackupError(
            `backup: ${tool.name} not found at "${tool.path}"; install the PostgreSQL ${server.major} client tools (postgresql-client-${server.major}) or set ${tool.setting}`,
            { cause: error },
          );
        }
        throw new BackupError(`backup: "${tool.path} --version" failed: ${firstLine(toError(error).message)}; check ${tool.setting}`, { cause: error });
      }
      const parsed = parseToolVersion(output);
      if (!parsed) throw new BackupError(`backup: "${tool.path}" does not look like ${tool.name} (it printed "${firstLine(output)}"); check ${tool.setting}`);
      version = parsed;
      versions.set(tool.name, version);
    }
    if (version.major < server.major) {
      throw new BackupError(
        `backup: ${tool.name} ${version.text} is older than the server (PostgreSQL ${server.text}); install postgresql-client-${server.major} or point ${tool.setting} at a ${tool.name} ${server.major}`,
      );
    }
    if (version.major > server.major) {
      warnings.push(`${tool.name} ${version.text} is newer than the server (PostgreSQL ${server.text}); a matching ${server.major} is safest`);
    }
    return `${tool.name} ${version.text}`;
  }

  async function preflightFor(names: Array<Tool['name']>): Promise<Preflight> {
    const server = await serverVersion(db);
    const warnings: string[] = [];
    const found: string[] = [];
    for (const name of names) found.push(await checkTool(tools[name], server, warnings));
    return { serverVersion: server.text, tool: found.join(', '), warnings };
  }

  /**
   * `pg_restore -l` without the entries that create (or comment on) the schema itself and the vector
   * extension: studio's own restores make both first (and COMMENT ON EXTENSION needs the extension's owner).
   */
  async function restoreList(file: string, dir: string, dumped = schema): Promise<string> {
    const listed = await run(tools.pg_restore, ['-l', file]);
    const own = new RegExp(`^\\d+; \\d+ \\d+ (SCHEMA - ${dumped} |COMMENT - SCHEMA ${dumped} |ACL - SCHEMA ${dumped} |EXTENSION - vector( |$)|COMMENT - EXTENSION vector( |$))`);
    const kept = listed.split('\n').filter((line) => !own.test(line));
    const path = join(dir, 'restore.list');
    await writeFile(path, kept.join('\n'), { mode: 0o600 });
    return path;
  }

  return {
    mode: 'server',
    extension: 'dump',

    preflight: () => preflightFor(['pg_dump', 'pg_restore']),

    async dump(file, options = {}): Promise<DumpResult> {
      const pre = await preflightFor(['pg_dump']);
      const conn = toolConnection(url);
      return db.withTransaction(async (tx) => {
        await tx.exec('set transaction isolation level repeatable read, read only');
        const snapshot = (await tx.query<{ s: string }>('select pg_export_snapshot() as s')).rows[0]!.s;
        const rowCounts = await countRows(tx, schema);
        if (Object.keys(rowCounts).length === 0) throw new BackupError(`backup: schema "${schema}" has no tables; nothing to back up (check DATABASE_SCHEMA)`);
        const level = await migrationLevel(tx, schema);
        const selection = await dumpSelection(tx, schema);
        const progress: DumpProgress = { bytesWritten: 0, tablesDone: 0, tablesTotal: Object.keys(rowCounts).length };
        const hash = createHash('sha256');
        const child = execa(
          tools.pg_dump.path,
          ['--format=custom', '--verbose', `--snapshot=${snapshot}`, '--no-publications', '--no-subscriptions', ...selection, `--dbname=${conn.dbname}`],
          { env: conn.env, buffer: false, stdin: 'ignore', cancelSignal: options.signal, forceKillAfterDelay: 2_000 },
        );
        const errors = captureErrors(child, 'pg_dump', (line) => {
          const table = /dumping contents of table "(?:[^"]*\.)?([^"]+)"/.exec(line)?.[1];
          if (table) {
            if (progress.currentTable) progress.tablesDone++;
            progress.currentTable = table;
            options.onProgress?.({ ...progress });
          }
        });
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            hash.update(chunk);
            progress.bytesWritten += chunk.length;
            options.onProgress?.({ ...progress });
            callback(null, chunk);
          },
        });
        const written = pipeline(child.stdout!, counter, createWriteStream(file, { mode: 0o600 }));
        const [exit, piped] = await Promise.allSettled([child, written]);
        if (exit.status === 'rejected') throw toolFailure('pg_dump', exit.reason, errors, options.signal);
        if (piped.status === 'rejected') throw new BackupError(`backup: writing ${file} failed: ${toError(piped.reason).message}`, { cause: piped.reason });
        progress.tablesDone = progress.tablesTotal;
        progress.currentTable = undefined;
        options.onProgress?.({ ...progress });
        const handle = await open(file, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
        return {
          sizeBytes: progress.bytesWritten,
          sha256: hash.digest('hex'),
          serverVersion: pre.serverVersion,
          tool: pre.tool,
          migrationLevel: level,
          rowCounts,
          warnings: pre.warnings,
        };
      });
    },

    async verify(file, options = {}): Promise<ScratchCheck> {
      await preflightFor(['pg_restore']);
      const dumped = options.schema ?? schema;
      const name = `studio_verify_${randomBytes(6).toString('hex')}`;
      try {
        await db.query(`create database ${quoteIdent(name)}`);
      } catch (error) {
        const code = (error as { pgCode?: string }).pgCode;
        if (code === '42501') {
          throw new BackupError('backup verify: the database role may not create databases, which the restore drill needs; grant it CREATEDB', { cause: error });
        }
        throw new BackupError(`backup verify: could not create the scratch database: ${toError(error).message.replace(/^storage: /, '')}`, { cause: error });
      }
      const work = await mkdtemp(join(tmpdir(), 'studio-verify-'));
      const scratchUrl = toolConnection(url, name);
      const scratch = await createPostgresDatabase({ url: withDatabase(url, name), poolMax: 2, statementTimeoutMs: 0 });
      try {
        await scratch.exec(`create extension if not exists vector; create schema if not exists ${quoteIdent(dumped)}`);
        const list = await restoreList(file, work, dumped);
        await run(tools.pg_restore, ['--no-owner', '--no-privileges', '--exit-on-error', `--use-list=${list}`, `--dbname=${scratchUrl.dbname}`, file], {
          env: scratchUrl.env,
          signal: options.signal,
        });
        const rowCounts = await countRows(scratch, dumped);
        const vectorIndexes = await checkVectorIndexes(scratch, dumped);
        return { rowCounts, vectorIndexes, serverVersion: (await serverVersion(scratch)).text };
      } finally {
        await scratch.close();
        await rm(work, { recursive: true, force: true });
        await db.query(`drop database if exists ${quoteIdent(name)} with (force)`);
      }
    },

    async restore(file, options = {}): Promise<void> {
      await preflightFor(['pg_restore', 'psql']);
      const work = await mkdtemp(join(tmpdir(), 'studio-restore-'));
      const conn = toolConnection(url);
      try {
        const list = await restoreList(file, work);
        const pre = join(work, 'before.sql');
        await writeFile(pre, emptySchemaSql(schema), { mode: 0o600 });
        const restore = execa(tools.pg_restore.path, ['--no-owner', '--no-privileges', `--use-list=${list}`, '--file=-', file], {
          buffer: false,
          stdin: 'ignore',
          cancelSignal: options.signal,
        });
        // One transaction: the schema is emptied and refilled, or nothing changes.
        const psql = execa(
          tools.psql.path,
          ['--no-psqlrc', '--quiet', '--single-transaction', '--set=ON_ERROR_STOP=1', `--dbname=${conn.dbname}`, `--file=${pre}`, '--file=-'],
          { env: conn.env, buffer: false, stdout: 'ignore', stdin: 'pipe', cancelSignal: options.signal },
        );
        const restoreErrors = captureErrors(restore, 'pg_restore');
        const psqlErrors = captureErrors(psql, 'psql');
        const piped = pipeline(restore.stdout!, psql.stdin!);
        const [r, p] = await Promise.allSettled([restore, psql, piped]);
        if (r.status === 'rejected') throw toolFailure('pg_restore', r.reason, restoreErrors, options.signal);
        if (p.status === 'rejected') throw toolFailure('psql', p.reason, psqlErrors, options.signal, 'the database is unchanged');
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };

  async function run(tool: Tool, args: string[], options: { env?: Record<string, string>; signal?: AbortSignal } = {}): Promise<string> {
    try {
      const result = await execa(tool.path, args, { env: options.env, cancelSignal: options.signal, stdin: 'ignore' });
      return String(result.stdout);
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? '');
      throw toolFailure(tool.name, error, stderr.split('\n'), options.signal);
    }
  }
}

/**
 * What pg_dump selects, so that the stock `createdb x && pg_restore -d x FILE` works into a bare database:
 *
 * - the vector extension is in the dump (`--extension=vector`: `CREATE EXTENSION IF NOT EXISTS vector`),
 *   else the tables with vector columns cannot be created (and its schema, when it is not public);
 * - studio in `public`: no `--schema=public` (with it pg_dump writes `CREATE SCHEMA public`, which fails
 *   in any new database); the whole database instead, minus every other schema. Without `--schema`
 *   pg_dump knows that initdb makes `public` and does not create it.
 * - studio in its own schema: `--schema=NAME`, whose `CREATE SCHEMA NAME` is what a bare database needs.
 */
export async function dumpSelection(tx: Queryable, schema: string): Promise<string[]> {
  const vector = await tx.query<{ home: string }>(
    'select n.nspname as home from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = $1',
    ['vector'],
  );
  // the extension's own schema (when not public) is needed too: the vector type lives there
  const home = vector.rows[0]?.home;
  const extension = home ? ['--extension=vector'] : [];
  const keep = new Set([schema, ...(home && home !== 'public' ? [home] : [])]);
  if (schema !== 'public') return [...extension, ...[...keep].map((name) => `--schema=${namePattern(name)}`)];
  const others = await tx.query<{ name: string }>(
    `select nspname as name from pg_namespace
      where nspname <> 'public' and nspname <> 'information_schema' and nspname !~ '^pg_' order by nspname`,
  );
  return [...extension, ...others.rows.filter((r) => !keep.has(r.name)).map((r) => `--exclude-schema=${namePattern(r.name)}`)];
}

/** A schema name as a pg_dump pattern matching exactly it: quoted, so `*`, `?` and `.` are literal. */
function namePattern(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The SQL that empties studio's schema before a restore refills it (run inside the restore's transaction). */
function emptySchemaSql(schema: string): string {
  const lines = ['set lock_timeout = 30000;'];
  if (schema !== 'public') {
    lines.push(`drop schema if exists ${quoteIdent(schema)} cascade;`, `create schema ${quoteIdent(schema)};`);
  } else {
    // public also holds the vector extension (used by other schemas too): drop studio's objects, not the schema.
    lines.push(`do $$
declare r record;
begin
  for r in select format('%I.%I', n.nspname, c.relname) as name,
                  case c.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'S' then 'sequence' when 'f' then 'foreign table' else 'table' end as what
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
              and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
            order by c.relkind desc loop
    execute format('drop %s if exists %s cascade', r.what, r.name);
  end loop;
  for r in select p.oid::regprocedure::text as name, case p.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end as what
             from pg_proc p where p.pronamespace = 'public'::regnamespace
              and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e') loop
    execute format('drop %s if exists %s cascade', r.what, r.name);
  end loop;
  for r in select format('%I.%I', 'public', t.typname) as name, case t.typtype when 'd' then 'domain' else 'type' end as what
             from pg_type t where t.typnamespace = 'public'::regnamespace and t.typtype in ('e', 'd', 'r', 'c')
              and (t.typtype <> 'c' or (select c.relkind from pg_class c where c.oid = t.typrelid) = 'c')
              and not exists (select 1 from pg_depend d where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e') loop
    execute format('drop %s if exists %s cascade', r.what, r.name);
  end loop;
end $$;`);
  }
  lines.push('create extension if not exists vector with schema public;', '');
  return lines.join('\n');
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** Keep the error lines a tool writes to stderr (and pass every line to onLine). */
function captureErrors(child: ResultPromise, _tool: string, onLine?: (line: string) => void): string[] {
  const lines: string[] = [];
  let partial = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      onLine?.(line);
      if (/error|fatal|ERROR|FATAL|could not|failed/i.test(line)) lines.push(line);
    }
  });
  child.stderr?.on('end', () => {
    if (partial && /error|fatal|could not|failed/i.test(partial)) lines.push(partial);
  });
  return lines;
}

function toolFailure(tool: string, error: unknown, errorLines: string[], signal?: AbortSignal, after = ''): BackupError {
  if (signal?.aborted) return new BackupError(`backup: ${tool} was stopped (timeout or shutdown)`, { cause: error });
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return new BackupError(`backup: ${tool} not found; install the PostgreSQL client tools or set its *_PATH setting`, { cause: error });
  const line = errorLines.map((l) => l.trim()).find((l) => l.length > 0) ?? firstLine(toError(error).message);
  const cleaned = redactText(line.replace(/^(pg_dump|pg_restore|psql)(:[^:]*:\d+)?: (error: )?/, '').replace(/^ERROR:\s+/, ''));
  return new BackupError(`backup: ${tool} failed: ${cleaned}${after ? `; ${after}` : ''}`, { cause: error });
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? text).trim().slice(0, 300);
}
