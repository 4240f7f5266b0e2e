/**
 * Embedded mode with many processes: one owner, everyone else connects.
 *
 * The first studio process to open the embedded database takes `<dataDir>.lock` (an atomic create),
 * opens PGlite, serves it on `<dataDir>.run/.s.PGSQL.5432` (the directory 0700, the socket 0600) and
 * writes the socket into the lock. Every other process finds the socket through the lock and connects
 * with `pg` as in server mode; the owner runs its own statements in-process, in turn with the clients'
 * at statement and transaction boundaries (embedded-server.ts).
 * A lock left by a killed owner (its pid is gone) is taken over and its socket file replaced; two
 * processes starting at once never both open the directory (only one create of the lock succeeds).
 */
import { existsSync, lstatSync, mkdirSync, chmodSync, rmdirSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { DatabaseError, toError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Database, EmbeddedOwner, Queryable } from '../core/ports.js';
import { isAlive, lockPathOf, readLock, tryLockDataDir, updateLock, type LockInfo } from './pglite.js';

/** The socket's file name, as PostgreSQL names it: clients give the directory as `host`. */
export const SOCKET_NAME = '.s.PGSQL.5432';
/** A Unix socket path is at most 107 bytes on Linux. */
const MAX_SOCKET_PATH = 100;
/** How long a client waits for an owner that is still opening (first create and migrations: seconds). */
const STARTING_OWNER_WAIT_MS = 60_000;
/** How long a closing owner waits for connected clients to finish before it closes the database. */
const DRAIN_MS = 3_000;
/** How long a client's first round trip may wait behind other clients' work before it gives up. */
const CLIENT_WAIT_MS = 30_000;

export interface EmbeddedOpenOptions {
  dataDir: string;
  connectTimeoutMs: number;
  poolMax?: number;
  applicationName?: string;
  logger?: Logger;
  /** Create the database when there is none. False for commands that only read. @default true */
  create?: boolean;
  /** Told what the owner is doing while it opens (the console prints it before its screen takes over). */
  onProgress?: (step: string) => void;
}

/** There is no studio database at the path and this command does not create one (exit 2). */
export class NoDatabaseError extends DatabaseError {}

/** Is there an embedded database (initialised data directory) at this path? */
export function hasEmbeddedDatabase(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

/** The directory the socket lives in: `<dataDir>.run`, or a private one under the temp dir when that path is too long. */
export function socketDirOf(dataDir: string): string {
  const beside = `${dataDir}.run`;
  if (`${beside}/${SOCKET_NAME}`.length <= MAX_SOCKET_PATH) return beside;
  const uid = process.getuid?.() ?? 0;
  return join(tmpdir(), `studio-${uid}-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`);
}

export async function openEmbedded(options: EmbeddedOpenOptions): Promise<Database> {
  const { dataDir } = options;
  if (options.create === false && !hasEmbeddedDatabase(dataDir) && !readLockOrRefuse(dataDir)) throw noDatabase(dataDir);
  const started = Date.now();
  let lastSeen: LockInfo | undefined;
  for (;;) {
    let attempt: ReturnType<typeof tryLockDataDir>;
    try {
      attempt = tryLockDataDir(dataDir, { serves: true });
    } catch (error) {
      throw noPermission(dataDir, error);
    }
    if ('release' in attempt) return becomeOwner(options, attempt.release);
    const owner = attempt.owner;
    lastSeen = owner;
    if (owner.socket) {
      const client = await connectClient(options, owner).catch((error: unknown) => error as Error);
      if (!(client instanceof Error)) return withFailover(client, options);
      const code = (client.cause as NodeJS.ErrnoException | undefined)?.code;
      if (code === 'EACCES') {
        throw new DatabaseError(
          `storage: no permission on the embedded database's socket ${owner.socket} (owner pid ${owner.pid}); run studio as the user who started it`,
          { cause: client },
        );
      }
      // refused or gone: the owner is handing over or was killed; the next round takes its lock over
      if (owner.pid && isAlive(owner.pid) && Date.now() - started > options.connectTimeoutMs + DRAIN_MS) throw client;
    } else if (owner.pid && !owner.serves && Date.now() - started > options.connectTimeoutMs) {
      // held by a process that never serves it (a restore swapping the directory, an older studio)
      throw new DatabaseError(`storage: the embedded database ${dataDir} is in use by pid ${owner.pid}${describeArgv(owner)}; stop it, or run against a server with DATABASE_URL`);
    } else if (owner.pid && Date.now() - started > Math.max(options.connectTimeoutMs, STARTING_OWNER_WAIT_MS)) {
      throw new DatabaseError(
        `storage: the embedded database ${dataDir} is held by pid ${owner.pid}${describeArgv(owner)} which has not served it for ${Math.round((Date.now() - started) / 1000)} s; stop that process`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (lastSeen && Date.now() - started > 10 * STARTING_OWNER_WAIT_MS) break;
  }
  throw new DatabaseError(`storage: could not open the embedded database ${dataDir}`);
}

/**
 * A client outlives its owner: after a call fails because the owner went away (it finished, or was
 * killed), the next call opens the database again (connecting to the new owner, or becoming it). A call
 * that failed on a connection already open is not retried: whether it ran before the owner went is
 * unknown, and the caller's own retry (a job's, a worker's, the console's next refresh) is the safe place
 * for that decision. A single statement that could not even connect (never sent) goes to the new owner.
 */
function withFailover(first: Database, options: EmbeddedOpenOptions): Database {
  let current = first;
  let broken = false;
  let reopening: Promise<Database> | undefined;
  let closed = false;
  const lost = (error: unknown) => error instanceof DatabaseError && /lost the embedded database's owner/.test(error.message);
  const get = async (): Promise<Database> => {
    if (!broken) return current;
    reopening ??= (async () => {
      try {
        await current.close().catch(() => undefined);
        current = await openEmbedded({ ...options, create: true });
        broken = false;
        options.logger?.warn({ owner: current.embeddedOwner?.() }, 'storage: the embedded database changed owner; reconnected');
        return current;
      } finally {
        reopening = undefined;
      }
    })();
    return reopening;
  };
  // the owner's socket refused or gone at connect (it handed over: closed, socket file removed first): the
  // statement was never sent, so one statement (not a transaction body, which may have run in part) is
  // safely sent again to whoever owns the database now
  const neverSent = (error: unknown) => {
    const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    return code === 'ENOENT' || code === 'ECONNREFUSED';
  };
  const run = async <T>(fn: (db: Database) => Promise<T>, single = false): Promise<T> => {
    if (closed) throw new DatabaseError('storage: the database is closed');
    const db = await get();
    try {
      return await fn(db);
    } catch (error) {
      if (!lost(error)) throw error;
      broken = true;
      if (!single || !neverSent(error)) throw error;
      return run(fn);
    }
  };
  return {
    mode: 'embedded',
    location: options.dataDir,
    query: (sql, params, opts) => run((db) => db.query(sql, params, opts), true),
    exec: (sql) => run((db) => db.exec(sql), true),
    withTransaction: (fn) => run((db) => db.withTransaction(fn)),
    withConnection: (fn) => run((db) => db.withConnection(fn)),
    poolStats: () => current.poolStats(),
    embeddedOwner: () => current.embeddedOwner?.(),
    get raw() {
      return (current as Database & { raw?: PGlite }).raw;
    },
    async close() {
      if (closed) return;
      closed = true;
      await (reopening ?? Promise.resolve(current)).then((db) => db.close(), () => undefined);
    },
  } as Database;
}

function describeArgv(owner: LockInfo): string {
  return owner.argv?.length ? ` (studio ${owner.argv.join(' ')})` : '';
}

async function becomeOwner(options: EmbeddedOpenOptions, release: () => void): Promise<Database> {
  const { dataDir } = options;
  if (options.create === false && !hasEmbeddedDatabase(dataDir)) {
    release();
    throw noDatabase(dataDir);
  }
  let pg: (Database & { raw: PGlite }) | undefined;
  let server: import('./embedded-server.js').EmbeddedServer | undefined;
  const socketDir = socketDirOf(dataDir);
  const socketPath = join(socketDir, SOCKET_NAME);
  try {
    assertOwnDatabase(dataDir);
    prepareSocketDir(socketDir, socketPath);
    options.onProgress?.(hasEmbeddedDatabase(dataDir) ? `opening the embedded database ${dataDir}` : `creating the embedded database ${dataDir} (first start: a few seconds)`);
    const { createPgliteDatabase } = await import('./pglite.js');
    pg = await createPgliteDatabase({ dataDir, heldLock: () => undefined });
    const { serveEmbedded } = await import('./embedded-server.js');
    server = await serveEmbedded(pg.raw, socketPath);
  } catch (error) {
    await server?.close().catch(() => undefined);
    await pg?.close().catch(() => undefined);
    try {
      rmdirSync(socketDir);
    } catch {
      // not ours to clean or not empty
    }
    release();
    throw error instanceof DatabaseError ? error : new DatabaseError(`storage: could not serve the embedded database: ${toError(error).message}`, { cause: error });
  }
  const since = new Date();
  // the owner's own statements run in-process, in turn with the clients' (embedded-server.ts)
  const { pgliteQueryable } = await import('./pglite.js');
  const raw = pg.raw;
  const direct = pgliteQueryable(raw);
  const asOwner = server.runAsOwner;
  const own: Queryable = {
    query: (sql, params) => asOwner(() => direct.query(sql, params)),
    exec: (sql) => asOwner(() => direct.exec(sql)),
  };
  let clients = 0;
  const publish = () => {
    const now = server!.connections();
    if (now === clients) return;
    clients = now;
    try {
      updateLock(dataDir, { clients });
    } catch {
      // the count is informational; a full disk must not stop the owner
    }
  };
  server.onConnectionsChange(publish);
  updateLock(dataDir, { socket: socketPath, clients: 0 });
  let closed = false;
  const argv = process.argv.slice(2, 4);
  return {
    mode: 'embedded',
    location: dataDir,
    raw,
    query: own.query,
    exec: own.exec,
    withTransaction: <T>(fn: (tx: Queryable) => Promise<T>) => asOwner(() => raw.transaction((tx) => fn(pgliteQueryable(tx)))),
    // one session for everyone: "a dedicated connection" is this process's turns, statement by statement
    withConnection: <T>(fn: (conn: Queryable) => Promise<T>) => fn(own),
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    embeddedOwner: (): EmbeddedOwner => ({
      pid: process.pid,
      command: argv.join(' '),
      since,
      socket: socketPath,
      clients: server!.connections(),
      self: true,
    }),
    async close() {
      if (closed) return;
      closed = true;
      // hand over: the socket file goes first, so newcomers wait for the lock instead of connecting; the
      // clients already connected (a CLI command lasts a second) get a bounded moment to finish; then
      // PGlite closes and the lock goes, and the next command becomes the owner
      try {
        rmSync(socketPath, { force: true });
        const drainUntil = Date.now() + Math.min(DRAIN_MS, options.connectTimeoutMs / 2);
        while (server!.connections() > 0 && Date.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 25));
        await server!.close();
        await pg!.close();
      } finally {
        // the (empty) socket directory goes too, before the lock: no next owner can be using it yet
        try {
          rmdirSync(socketDir);
        } catch {
          // not empty or already gone: left as it is
        }
        release();
      }
    },
  } as Database & { raw: PGlite };
}

async function connectClient(options: EmbeddedOpenOptions, owner: LockInfo): Promise<Database> {
  const socketDir = owner.socket!.slice(0, -SOCKET_NAME.length - 1);
  const { createPostgresDatabase } = await import('./postgres.js');
  const db = await createPostgresDatabase({
    socket: {
      dir: socketDir,
      location: options.dataDir,
      describeLoss: () =>
        `storage: lost the embedded database's owner (pid ${owner.pid}${describeArgv(owner)}); run the command again (it becomes the owner if that process is gone)`,
    },
    connectTimeoutMs: options.connectTimeoutMs,
    poolMax: options.poolMax,
    applicationName: options.applicationName,
    logger: options.logger,
  });
  // the first round trip, bounded: a refused or missing socket fails at once; a live owner busy in a long
  // transaction is waited for, a stopped one (SIGSTOP, hung) is not waited for forever
  const limit = Math.max(options.connectTimeoutMs, CLIENT_WAIT_MS);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.query('select 1'),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new DatabaseError(`storage: the embedded database's owner (pid ${owner.pid}${describeArgv(owner)}) has not answered for ${Math.round(limit / 1000)} s; is it stopped? (kill -CONT ${owner.pid}, or stop it)`)),
          limit,
        );
      }),
    ]);
  } catch (error) {
    void db.close().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return {
    ...db,
    mode: 'embedded',
    location: options.dataDir,
    embeddedOwner: (): EmbeddedOwner => {
      const now = readLock(options.dataDir) ?? owner;
      return { pid: now.pid, command: (now.argv ?? []).join(' '), since: new Date(now.since), socket: now.socket ?? null, clients: now.clients ?? 0, self: false };
    },
  };
}

/**
 * PostgreSQL's own rule: a database directory is opened only by the user who owns it. Another user who
 * got here took over a lock left by a dead owner (in a data directory anyone may write): the database
 * is still not theirs to open, and its socket directory not theirs to replace. Root may open any.
 */
function assertOwnDatabase(dataDir: string): void {
  const uid = process.getuid?.();
  let owner: number;
  try {
    owner = lstatSync(dataDir).uid;
  } catch {
    return; // not created yet: it will be this user's
  }
  if (uid === undefined || uid === 0 || owner === uid) return;
  throw new DatabaseError(
    `storage: no permission to use the embedded database at ${dataDir} (it belongs to uid ${owner}); run studio as the user who owns STUDIO_HOME, or point STUDIO_HOME at one of this user's`,
  );
}

/**
 * The socket directory exists, is ours and private; a socket file left there by a dead owner is removed,
 * anything else at that path is refused (we hold the lock, so no live owner uses it).
 */
function prepareSocketDir(socketDir: string, socketPath: string): void {
  mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  const dir = lstatSync(socketDir);
  const uid = process.getuid?.();
  if (!dir.isDirectory() || (uid !== undefined && dir.uid !== uid)) {
    throw new DatabaseError(`storage: ${socketDir} is not a directory of this user; remove it so studio can serve the embedded database there`);
  }
  chmodSync(socketDir, 0o700);
  let existing;
  try {
    existing = lstatSync(socketPath);
  } catch {
    return;
  }
  if (!existing.isSocket() || (uid !== undefined && existing.uid !== uid)) {
    throw new DatabaseError(`storage: ${socketPath} exists and is not a studio socket of this user; remove it and run the command again`);
  }
  rmSync(socketPath, { force: true });
}

/**
 * The lock (and the socket it names) are private to the user who owns the database: another user, even
 * one who may read STUDIO_HOME, can neither take the lock nor connect. One line that says whose it is.
 */
export function noPermission(dataDir: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') return error as Error;
  let owner = '';
  try {
    owner = ` (it belongs to uid ${lstatSync(dirname(lockPathOf(dataDir))).uid})`;
  } catch {
    // the directory itself is out of reach: the code says enough
  }
  return new DatabaseError(
    `storage: no permission to use the embedded database at ${dataDir}${owner}; run studio as the user who owns STUDIO_HOME, or point STUDIO_HOME at one of this user's`,
    { cause: error },
  );
}

/** The lock's owner, if any; a lock this user may not read is the one-line "no permission" error. */
export function readLockOrRefuse(dataDir: string): LockInfo | undefined {
  try {
    return readLock(dataDir);
  } catch (error) {
    throw noPermission(dataDir, error);
  }
}

export function noDatabase(dataDir: string): NoDatabaseError {
  return new NoDatabaseError(
    `storage: no studio database at ${dataDir}; start one with studio console or studio db migrate, or point STUDIO_HOME / DATABASE_URL at the existing one`,
  );
}
