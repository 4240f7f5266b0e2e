/**
 * Server database: a node-postgres pool against PostgreSQL 15+ with pgvector. Connect and statement
 * timeouts come from config; errors on idle clients are logged, never thrown into the void.
 */
import pg from 'pg';
import { DatabaseError, toError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Database, Queryable, QueryResult } from '../core/ports.js';

export interface PostgresOptions {
  url?: string;
  /**
   * Embedded mode over the owner's Unix socket instead of `url`: the directory of `.s.PGSQL.5432`. One
   * backend session serves every connection there, so no named prepared statements (they would collide
   * across processes) and no per-connection settings (they would leak to everyone).
   */
  socket?: { dir: string; location: string; describeLoss: () => string };
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  /** How much longer than statement_timeout the client waits for an answer before it gives up (10 s). */
  readTimeoutMarginMs?: number;
  poolMax?: number;
  /** Schema to put first on the search path (tests use one schema per file). */
  schema?: string;
  applicationName?: string;
  logger?: Logger;
}

const NO_READ_TIMEOUT = 2 ** 31 - 1;

/** int8 as a number (counts and cents stay far below 2^53); everything else as pg does it. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

export async function createPostgresDatabase(options: PostgresOptions): Promise<Database & { pool: pg.Pool }> {
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const settings = [`-c statement_timeout=${statementTimeoutMs}`];
  if (options.schema) settings.push(`-c search_path=${options.schema},public`);
  const socket = options.socket;
  const pool = new pg.Pool({
    ...(socket ? { host: socket.dir, user: 'postgres', database: 'postgres' } : { connectionString: options.url }),
    max: options.poolMax ?? 10,
    // over the embedded socket every statement queues for the one session, and so does a pool checkout:
    // a wait there is the queue, not an unreachable server (the opener bounds the first connect itself)
    connectionTimeoutMillis: socket ? 0 : (options.connectTimeoutMs ?? 5_000),
    idleTimeoutMillis: 30_000,
    // A server that stops answering (a frozen host, a dead network path) sends no error: without these a
    // query waits forever. The client gives up a little after the server-side statement_timeout would
    // have, and TCP keepalive finds dead connections that sit idle in the pool. No statement_timeout
    // (0) means no limit on this side either.
    query_timeout: statementTimeoutMs > 0 ? statementTimeoutMs + (options.readTimeoutMarginMs ?? 10_000) : undefined,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: options.applicationName ?? 'studio',
    ...(socket ? {} : { options: settings.join(' ') }),
    types,
  });
  // a lost connection is reported by whoever queries next (a worker says "database out of reach" once per
  // outage); one line per pooled connection here would only repeat it
  pool.on('error', (error) => options.logger?.debug({ err: error }, 'storage: an idle database connection failed'));

  const location = socket ? socket.location : describeUrl(options.url ?? '');
  const asError = (error: unknown, sql?: string) => (socket ? asEmbeddedError(error, socket.describeLoss, sql) : asDatabaseError(error, location, sql));
  const wrap = (target: pg.Pool | pg.PoolClient): Queryable => ({
    async query<R>(sql: string, params?: readonly unknown[], options?: { prepare?: string }): Promise<QueryResult<R>> {
      try {
        const result = options?.prepare && !socket
          ? await target.query({ name: options.prepare, text: sql, values: params as unknown[] | undefined })
          : await target.query(sql, params as unknown[] | undefined);
        return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
      } catch (error) {
        throw asError(error, sql);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        // A script (a migration, VACUUM, REINDEX, a session setting) is not held to the pool's read timeout:
        // the server applies statement_timeout to each of its statements, so several of them may together
        // take longer, and maintenance lifts statement_timeout on purpose. pg takes a per-query value only
        // when it is truthy, so "no limit" is setTimeout's largest delay (24.8 days).
        await target.query({ text: sql, query_timeout: NO_READ_TIMEOUT } as pg.QueryConfig);
      } catch (error) {
        throw asError(error, sql);
      }
    },
  });

  // a checked-out client whose connection dies emits 'error'; without a listener that ends the process
  const watched = new WeakSet<pg.PoolClient>();
  const checkout = async (): Promise<pg.PoolClient> => {
    try {
      const client = await pool.connect();
      if (!watched.has(client)) {
        watched.add(client);
        // the statement in flight on it fails with the same error, and its caller reports that
        client.on('error', (error) => options.logger?.debug({ err: error }, 'storage: a database connection in use failed'));
      }
      return client;
    } catch (error) {
      throw asError(error);
    }
  };

  const self = wrap(pool);
  let closed = false;
  return {
    mode: socket ? 'embedded' : 'server',
    location,
    pool,
    query: self.query,
    exec: self.exec,
    async withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await checkout();
      const tx = wrap(client);
      let broken = false;
      try {
        await tx.query('BEGIN');
        const result = await fn(tx);
        await tx.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true; // the connection is gone; do not hand it back to the pool
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async withConnection<T>(fn: (conn: Queryable) => Promise<T>): Promise<T> {
      const client = await checkout();
      try {
        return await fn(wrap(client));
      } finally {
        client.release();
      }
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** host:port/database, without user or password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return 'postgres';
  }
}

/** Errors over the embedded owner's socket: a lost connection says what happened and what to do. */
function asEmbeddedError(error: unknown, describeLoss: () => string, sql?: string): Error {
  const err = toError(error) as Error & { code?: string };
  const lost =
    err.code === 'ECONNREFUSED' || err.code === 'ENOENT' || err.code === 'ECONNRESET' || err.code === 'EPIPE' ||
    /Connection terminated|connection timeout|timeout expired|not queryable/i.test(err.message);
  const wrapped = new DatabaseError(lost ? describeLoss() : `storage: ${err.message}`, { cause: err, unreachable: lost });
  Object.assign(wrapped, { pgCode: err.code, sql: sql?.slice(0, 200) });
  return wrapped;
}

function asDatabaseError(error: unknown, location: string, sql?: string): Error {
  const err = toError(error) as Error & { code?: string };
  const code = err.code;
  let message: string;
  const cannotReach = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || /timeout expired|Connection terminated due to connection timeout/i.test(err.message);
  // a connection that broke under a statement (server restarted, network cut): also an outage, not a bad statement
  const lost = code === 'ECONNRESET' || code === 'EPIPE' || code === '57P01' || code === '57P03' || (typeof code === 'string' && code.startsWith('08')) || /Connection terminated|Client has encountered a connection error|not queryable/i.test(err.message);
  if (cannotReach) {
    message = `storage: cannot reach PostgreSQL at ${location} (${code ?? 'connect timeout'}); is it running? check DATABASE_URL`;
  } else if (code === '3D000') {
    message = `storage: database at ${location} does not exist; create it (createdb) or fix DATABASE_URL`;
  } else if (code === '28P01' || code === '28000') {
    message = `storage: PostgreSQL at ${location} refused the credentials; check DATABASE_URL`;
  } else {
    message = `storage: ${err.message}`;
  }
  const wrapped = new DatabaseError(message, { cause: err, unreachable: cannotReach || lost });
  Object.assign(wrapped, { pgCode: code, sql: sql?.slice(0, 200) });
  return wrapped;
}
