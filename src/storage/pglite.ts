/**
 * Embedded database: PGlite (PostgreSQL compiled to WASM) in this process, with the `vector` extension,
 * data in a directory. One connection: PGlite runs one statement at a time and a transaction holds it
 * exclusively, so never call the database itself from inside a `withTransaction` callback (use `tx`).
 *
 * Two processes must never open one data directory at once (it would corrupt it); a lock file next to it
 * holds the owner's pid and a second opener gets a clear error instead.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hostname } from 'node:os';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { DatabaseError, toError } from '../core/errors.js';
import type { Database, Queryable, QueryResult } from '../core/ports.js';

export interface PgliteOptions {
  /** Data directory; omit for an in-memory database. */
  dataDir?: string;
  /** Start from a dump made by `dumpDataDir` (tests: a migrated template). */
  loadDataDir?: Blob;
  /** Connect timeout: how long to wait for a lock held by a process that is starting or stopping. @default 5000 */
  lockWaitMs?: number;
}

const PARSERS = {
  20: (value: string) => Number(value), // int8: counts and cents, always within 2^53 here
};

export async function createPgliteDatabase(options: PgliteOptions = {}): Promise<Database & { raw: PGlite }> {
  const release = options.dataDir ? await lockDataDir(options.dataDir, options.lockWaitMs ?? 5000) : () => undefined;
  let db: PGlite;
  try {
    const [{ PGlite }, { vector }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite-pgvector')]);
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    db = await PGlite.create({
      dataDir: options.dataDir,
      loadDataDir: options.loadDataDir,
      extensions: { vector },
      parsers: PARSERS,
    });
  } catch (error) {
    release();
    throw new DatabaseError(`storage: the embedded database at ${options.dataDir ?? 'memory'} could not be opened: ${toError(error).message}`, {
      cause: error,
    });
  }

  const wrap = (target: PGlite | Transaction): Queryable => ({
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      try {
        const result = await target.query<R>(sql, params as unknown[] | undefined);
        // PGlite reports affectedRows 0 for a SELECT; rows returned count as the row count, as in pg.
        return { rows: result.rows, rowCount: result.rows.length > 0 ? result.rows.length : (result.affectedRows ?? 0) };
      } catch (error) {
        throw asDatabaseError(error, sql);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await target.exec(sql);
      } catch (error) {
        throw asDatabaseError(error, sql);
      }
    },
  });

  const self = wrap(db);
  let closed = false;
  return {
    mode: 'embedded',
    location: options.dataDir ?? 'memory',
    raw: db,
    query: self.query,
    exec: self.exec,
    withTransaction: <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction((tx) => fn(wrap(tx))),
    withConnection: <T>(fn: (conn: Queryable) => Promise<T>) => fn(self),
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        release();
      }
    },
  };
}

function asDatabaseError(error: unknown, sql: string): Error {
  const err = toError(error);
  const wrapped = new DatabaseError(`storage: ${err.message}`, { cause: err });
  Object.assign(wrapped, { pgCode: (err as { code?: string }).code, sql: sql.slice(0, 200) });
  return wrapped;
}

/** Take `<dataDir>.lock` (pid, host); a stale lock from a dead process is taken over. Returns the release. */
export async function lockDataDir(dataDir: string, waitMs: number): Promise<() => void> {
  const lockPath = join(dirname(dataDir), `${dataDir.split('/').pop() ?? 'pglite'}.lock`);
  mkdirSync(dirname(lockPath), { recursive: true });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString(), argv: process.argv.slice(2, 4) }));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        rmSync(lockPath, { force: true });
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(lockPath);
    if (!owner || (owner.host === hostname() && !isAlive(owner.pid))) {
      rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      const what = owner.argv?.length ? ` (studio ${owner.argv.join(' ')})` : '';
      throw new DatabaseError(
        `storage: the embedded database ${dataDir} is in use by pid ${owner.pid}${what}; stop it, or run against a server with DATABASE_URL`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function readOwner(lockPath: string): { pid: number; host: string; argv?: string[] } | undefined {
  try {
    return JSON.parse(readFileSync(lockPath, 'utf8')) as { pid: number; host: string; argv?: string[] };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
