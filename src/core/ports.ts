/**
 * The interfaces the layers above storage and providers program against. `app.ts` builds the concrete
 * implementations; pipeline, jobs and ops see only these.
 */
import type { BudgetCategory, DatabaseMode, Level } from './types.js';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Something that runs SQL: the database itself, or one transaction's connection. */
export interface Queryable {
  /**
   * Run one parameterised statement. `options.prepare` names a hot statement so a server connection parses
   * and plans it once (server mode; PGlite runs in-process and ignores it).
   */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: { prepare?: string }): Promise<QueryResult<R>>;
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
  /** Embedded mode: who owns the database (this process or another) and how many connect to it. */
  embeddedOwner?(): EmbeddedOwner | undefined;
  close(): Promise<void>;
}

/** The process that holds the embedded database open and serves it on a Unix socket. */
export interface EmbeddedOwner {
  pid: number;
  /** The studio command it runs, e.g. `console`. */
  command: string;
  since: Date;
  /** The socket other processes and psql connect to. */
  socket: string | null;
  /** Connections from other processes (psql included). */
  clients: number;
  /** True when this process is the owner. */
  self: boolean;
}

// ---------------------------------------------------------------------------------------------------
// Budget sentinel (implemented in src/pipeline/budget/; every paid provider call goes through it)
// ---------------------------------------------------------------------------------------------------

export interface ChargeRequest {
  category: BudgetCategory;
  /** Who is paid: openai, google_ads, posthog, ... */
  service: string;
  /** What for: research.summary, deck.slides, embeddings, campaign.create, invoice ... */
  operation: string;
  /** The most this call can cost, in cents; reserved before the call. */
  estimateCents: number;
  /** The same key never charges twice (e.g. `<idea>:<stage>:<attempt>:<step>`). */
  idempotencyKey: string;
  /** Critical work still runs at CRITICAL; non-critical work is refused or downgraded there. @default true */
  critical?: boolean;
  ideaId?: string;
  metadata?: Record<string, unknown>;
}

export interface Reservation {
  id: string;
  idempotencyKey: string;
  category: BudgetCategory;
  amountCents: number;
  state: 'reserved' | 'settled' | 'released';
  /** True when the key had been used before: nothing new was reserved. */
  replayed: boolean;
  /** Budget level of the category when reserved (callers downgrade at CRITICAL). */
  level: Level;
}

export interface CategoryStatus {
  allocatedCents: number;
  spentCents: number;
  reservedCents: number;
  remainingCents: number;
  usagePercentage: number;
  level: Level;
}

export interface BudgetSnapshot {
  cycleId: string;
  cycleStart: Date;
  total: CategoryStatus;
  categories: Record<BudgetCategory, CategoryStatus>;
  level: Level;
  emergencyShutdown: boolean;
  circuitBreakerActive: boolean;
}

export interface GuardOptions {
  /**
   * What a failed call still cost, in cents (a malformed model answer is billed): settled instead of
   * releasing the reservation when above 0. @default none: a failed call is released
   */
  chargeOnError?: (error: unknown, reservation: Reservation) => number;
}

export interface BudgetSentinel {
  /** Hold the estimate atomically; throws BudgetExceededError when a cap would be passed or spending is shut down. */
  reserve(request: ChargeRequest): Promise<Reservation>;
  /** Settle a reservation to the actual cost (refunding or adding the difference). */
  settle(reservationId: string, actualCents: number, metadata?: Record<string, unknown>): Promise<void>;
  /** Give a reservation back (the call failed or was not made). */
  release(reservationId: string, reason?: string): Promise<void>;
  /** reserve + settle for a known cost (an invoice). */
  record(request: Omit<ChargeRequest, 'estimateCents'> & { amountCents: number; /** Refuse a replayed key whose amount differs (an operator's budget record). */ strictAmount?: boolean }): Promise<Reservation>;
  /** Reserve, run the call, settle to what it reports, release if it throws. */
  guard<T>(request: ChargeRequest, call: (reservation: Reservation) => Promise<{ result: T; actualCents: number }>, options?: GuardOptions): Promise<T>;
  snapshot(): Promise<BudgetSnapshot>;
}
