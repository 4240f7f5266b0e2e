/**
 * The interfaces the layers above storage and providers program against. `app.ts` builds the concrete
 * implementations; pipeline, jobs and ops see only these.
 */
import type { DatabaseMode } from './types.js';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Something that runs SQL: the database itself, or one transaction's connection. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Run a script of one or more statements without parameters (migrations, maintenance). */
  exec(sql: string): Promise<void>;
}

/**
 * The database: PGlite in-process (embedded) or a PostgreSQL pool (server). Plain Postgres SQL that
 * runs on PostgreSQL 15 and on PGlite (PostgreSQL 18) alike.
 */
export interface Database extends Queryable {
  readonly mode: DatabaseMode;
  /** Where it is, safe to print: a data directory, or host:port/database without credentials. */
  readonly location: string;
  /** Run fn in one transaction on one connection; commit when it resolves, roll back when it throws. */
  withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Run fn on one dedicated connection (session-level locks, LISTEN, COPY); no transaction is opened. */
  withConnection<T>(fn: (conn: Queryable) => Promise<T>): Promise<T>;
  /** Pool usage (server mode); embedded has one connection. */
  poolStats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}
