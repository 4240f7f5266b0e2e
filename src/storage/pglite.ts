/**
 * Embedded database: PGlite (PostgreSQL compiled to WASM) in this process, with the `vector` extension,
 * data in a directory. One connection: PGlite runs one statement at a time and a transaction holds it
 * exclusively, so never call the database itself from inside a `withTransaction` callback (use `tx`).
 *
 * Two processes must never open one data directory at once (it would corrupt it); a lock file next to it
 * holds the owner's pid and a second opener gets a clear error instead.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
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
  /** The caller already holds the directory's lock; this releases it on close. */
  heldLock?: () => void;
}

const PARSERS = {
  20: (value: string) => Number(value), // int8: counts and cents, always within 2^53 here
};

export async function createPgliteDatabase(options: PgliteOptions = {}): Promise<Database & { raw: PGlite }> {
  const release = options.heldLock ?? (options.dataDir ? await lockDataDir(options.dataDir, options.lockWaitMs ?? 5000) : () => undefined);
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
    const hint = options.dataDir && !options.loadDataDir ? `${writtenBy(options.dataDir)}; if another PGlite or studio version wrote it, open it with that version or restore a backup (studio backup restore)` : '';
    throw new DatabaseError(`storage: the embedded database at ${options.dataDir ?? 'memory'} could not be opened: ${toError(error).message}${hint}`, {
      cause: error,
    });
  }

  const wrap = pgliteQueryable;

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

/** Statements on an open PGlite (or one of its transactions), results and errors shaped as over pg. */
export function pgliteQueryable(target: PGlite | Transaction): Queryable {
  return {
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
  };
}

function asDatabaseError(error: unknown, sql: string): Error {
  const err = toError(error);
  const wrapped = new DatabaseError(`storage: ${err.message}`, { cause: err });
  Object.assign(wrapped, { pgCode: (err as { code?: string }).code, sql: sql.slice(0, 200) });
  return wrapped;
}

/** " (its PG_VERSION says 17)": which PostgreSQL major wrote a data directory PGlite could not open. */
function writtenBy(dataDir: string): string {
  try {
    const version = readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim();
    return /^\d{1,3}$/.test(version) ? ` (its PG_VERSION says PostgreSQL ${version})` : '';
  } catch {
    return '';
  }
}

/** What the lock file next to a data directory says about its owner. */
export interface LockInfo {
  pid: number;
  host: string;
  since: string;
  argv?: string[];
  /** The Unix socket the owner serves the database on, once it does. */
  socket?: string;
  /** Connections to the socket from other processes (updated by the owner). */
  clients?: number;
  /** The holder will serve the database on a socket once open (an embedded owner that is starting). */
  serves?: boolean;
}

/** `<dataDir>.lock`. */
export function lockPathOf(dataDir: string): string {
  return join(dirname(dataDir), `${dataDir.split('/').pop() ?? 'pglite'}.lock`);
}

/**
 * One attempt to take `<dataDir>.lock` (O_EXCL create). A lock left by a dead process on this host is
 * taken over under a second O_EXCL file (`.takeover`), re-checked there, so two processes that find the
 * same stale lock never both remove it (the second would remove the first one's fresh lock).
 */
export function tryLockDataDir(dataDir: string, extra: Partial<LockInfo> = {}): { release: () => void } | { owner: LockInfo } {
  const lockPath = lockPathOf(dataDir);
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let round = 0; round < 3; round++) {
    // written whole to a private file first, then linked into place (link fails when the lock exists):
    // nobody ever reads a half-written lock and mistakes it for a stale one
    const info: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString(), argv: process.argv.slice(2, 4), ...extra };
    const tmp = `${lockPath}.${process.pid}.new`;
    writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
    try {
      linkSync(tmp, lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(tmp, { force: true });
    }
    if (readOwner(lockPath)?.pid === process.pid && readOwner(lockPath)?.since === info.since) {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        // only our own lock: a takeover after a pause (SIGSTOP) must not be undone
        if (readOwner(lockPath)?.pid === process.pid) rmSync(lockPath, { force: true });
      };
      process.on('exit', release);
      return { release };
    }
    const owner = readOwner(lockPath);
    if (owner && !(owner.host === hostname() && !isAlive(owner.pid))) return { owner };
    if (!takeOverStale(lockPath)) return { owner: owner ?? { pid: 0, host: hostname(), since: new Date().toISOString() } };
  }
  const owner = readOwner(lockPath);
  return { owner: owner ?? { pid: 0, host: hostname(), since: new Date().toISOString() } };
}

/** Remove a stale lock under the takeover file; false when another process is taking it over now. */
function takeOverStale(lockPath: string): boolean {
  const takeover = `${lockPath}.takeover`;
  let fd: number;
  try {
    fd = openSync(takeover, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // its holder does only synchronous file calls; one left behind means it died in them
    const holder = readOwner(takeover);
    if (!holder || (holder.host === hostname() && !isAlive(holder.pid))) rmSync(takeover, { force: true });
    return false;
  }
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
    closeSync(fd);
    const owner = readOwner(lockPath);
    if (!owner || (owner.host === hostname() && !isAlive(owner.pid))) rmSync(lockPath, { force: true });
    return true;
  } finally {
    rmSync(takeover, { force: true });
  }
}

/** Rewrite the lock we hold with more about us (atomic: a reader sees the old or the new file). */
export function updateLock(dataDir: string, fields: Partial<LockInfo>): void {
  const lockPath = lockPathOf(dataDir);
  const current = readOwner(lockPath);
  if (current?.pid !== process.pid) return;
  const tmp = `${lockPath}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...current, ...fields }), { mode: 0o600 });
  renameSync(tmp, lockPath);
}

/** The owner named by the lock file, if any (alive or not). */
export function readLock(dataDir: string): LockInfo | undefined {
  return readOwner(lockPathOf(dataDir));
}

/** Take `<dataDir>.lock` (pid, host); a stale lock from a dead process is taken over. Returns the release. */
export async function lockDataDir(dataDir: string, waitMs: number): Promise<() => void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const attempt = tryLockDataDir(dataDir);
    if ('release' in attempt) return attempt.release;
    const owner = attempt.owner;
    if (Date.now() >= deadline) {
      const what = owner.argv?.length ? ` (studio ${owner.argv.join(' ')})` : '';
      throw new DatabaseError(
        `storage: the embedded database ${dataDir} is in use by pid ${owner.pid}${what}; stop it, or run against a server with DATABASE_URL`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function readOwner(lockPath: string): LockInfo | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch (error) {
    // a lock this user may not read is another user's, alive or not: never "no lock", which would let
    // tryLockDataDir remove it as stale (in a group-writable directory it could) and open the database twice
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw error;
    return undefined;
  }
  try {
    return JSON.parse(text) as LockInfo;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
