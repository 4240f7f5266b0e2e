/**
 * The owner side of embedded mode: the open PGlite instance served on a Unix socket with the PostgreSQL
 * wire protocol (`@electric-sql/pglite-socket`), so every other studio process, and `psql`, connects to it
 * through `pg` exactly as in server mode. The owner's own statements take turns with theirs (below).
 *
 * PGlite is ONE backend session. pglite-socket 0.2.17's queue runs one wire message at a time and, while
 * the session is inside a transaction block (`BEGIN` ... `COMMIT`), only the messages of the connection
 * that opened it. That is not enough on its own: a parameterised query is five messages (Parse, Bind,
 * Describe, Execute, Sync) outside any transaction block, and the queue lets another connection's Parse
 * in between, which replaces the unnamed statement the first one is about to bind. The session guard
 * below closes that gap: the session belongs to the connection that sent the last message until the
 * server answers ReadyForQuery with status idle (`Z` `I`), i.e. after its Sync or simple query in
 * autocommit, or after its COMMIT / ROLLBACK. A connection that goes away while it holds the session
 * (crash, kill -9 of a client) gets its unfinished sequence ended (Sync) and its transaction rolled
 * back before anyone else runs (the queue calls `exec('ROLLBACK')` through the guard).
 *
 * The owner itself does not go through its socket: its statements run on PGlite in-process (no wire
 * encoding, no socket round trips, no second parse of every row), taking turns with the clients at the
 * same boundaries. `runAsOwner` starts when the session is idle (no client between its first message and
 * its idle ReadyForQuery: never inside a client's sequence or transaction). Owner work waiting at such a
 * boundary goes first, all of it together (its console refresh is a dozen reads issued at once); the
 * client message waiting then goes next, and owner work arriving meanwhile waits for the client's
 * statement (or transaction) to end: neither side can starve the other. An owner transaction holds the
 * clients off until it ends, as a client's transaction holds off everyone else.
 */
import { chmodSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** Sync: ends an extended-query sequence. */
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);
const READY_FOR_QUERY = 0x5a; // 'Z'
const IDLE = 0x49; // 'I'
const TERMINATE = 0x58; // 'X'

export interface EmbeddedServer {
  /** The socket file (`<dir>/.s.PGSQL.5432`). */
  readonly socketPath: string;
  /** Run the owner's in-process database work in turn with the clients. */
  runAsOwner: RunAsOwner;
  /** Connections open now (the owner's own included). */
  connections(): number;
  /** Called with the number of connections whenever one opens or closes. */
  onConnectionsChange(listener: (connections: number) => void): void;
  close(): Promise<void>;
}

/** The subset of PGlite that pglite-socket's queue uses. */
type QueueSession = Pick<PGlite, 'isInTransaction' | 'runExclusive' | 'execProtocolRawStream' | 'exec' | 'waitReady'>;

/** Run the owner's own database work in turn with the socket's clients (see the file comment). */
export type RunAsOwner = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * Wrap PGlite so the socket queue treats "between a client's first message and its idle ReadyForQuery"
 * as a transaction: the queue then serves only that client until the session is idle again.
 */
export function guardSession(pg: PGlite): QueueSession & { runAsOwner: RunAsOwner } {
  let held = false;
  // turns: the owner's work running now, the client message running now, and who waits for a turn
  let ownerActive = 0;
  let clientRunning = false;
  const ownerWaiting: (() => void)[] = [];
  const clientWaiting: (() => void)[] = [];
  // at every boundary with the session idle, the side that did not just run goes first when it waits (so
  // neither starves); the turn is taken here, synchronously, so nothing else starts in between. While a
  // client holds the session only its own messages run (they do not wait: see clientExclusive)
  const next = (ownerJustRan: boolean) => {
    if (ownerActive > 0 || clientRunning || held) return;
    const startOwner = () => {
      const batch = ownerWaiting.splice(0);
      ownerActive += batch.length;
      for (const go of batch) go();
    };
    const startClient = () => {
      clientRunning = true;
      clientWaiting.shift()!();
    };
    if (ownerJustRan ? clientWaiting.length > 0 : ownerWaiting.length === 0) {
      if (clientWaiting.length > 0) startClient();
    } else if (ownerWaiting.length > 0) startOwner();
  };
  const runAsOwner: RunAsOwner = async (fn) => {
    // in-process statements resolve without ever returning to the event loop: a loop of them would never
    // let the socket's data in. One turn of the loop first, so a client's waiting message is seen here
    await new Promise<void>((resolve) => setImmediate(resolve));
    // join the owner's turn in progress unless a client is waiting for the next one
    if ((ownerActive > 0 && clientWaiting.length === 0) || (ownerActive === 0 && !clientRunning && !held && clientWaiting.length === 0)) ownerActive++;
    else await new Promise<void>((resolve) => ownerWaiting.push(resolve));
    try {
      return await fn();
    } finally {
      ownerActive--;
      next(true);
    }
  };
  const clientExclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    // the message of a client holding the session goes on at once (the owner waits for the session anyway)
    if (!held && (ownerActive > 0 || clientRunning || ownerWaiting.length > 0)) await new Promise<void>((resolve) => clientWaiting.push(resolve));
    else clientRunning = true;
    try {
      return await pg.runExclusive(fn);
    } finally {
      clientRunning = false;
      next(false);
    }
  };
  // outgoing bytes are framed as type(1) length(4) body; a chunk may end inside a message or its header
  let skip = 0;
  let carry = new Uint8Array(0);
  let lastType = 0;
  let lastStatus = 0;
  const observe = (chunk: Uint8Array) => {
    let data = chunk;
    if (carry.length > 0) {
      data = new Uint8Array(carry.length + chunk.length);
      data.set(carry);
      data.set(chunk, carry.length);
      carry = new Uint8Array(0);
    }
    let i = Math.min(skip, data.length);
    skip -= i;
    while (i < data.length) {
      if (data.length - i < 6) {
        carry = data.slice(i);
        return;
      }
      lastType = data[i]!;
      const length = ((data[i + 1]! << 24) | (data[i + 2]! << 16) | (data[i + 3]! << 8) | data[i + 4]!) >>> 0;
      if (lastType === READY_FOR_QUERY) lastStatus = data[i + 5]!;
      const end = i + 1 + length;
      if (end > data.length) {
        skip = end - data.length;
        return;
      }
      i = end;
    }
  };
  return {
    get waitReady() {
      return pg.waitReady;
    },
    // a client's sequence or transaction; the owner's own transaction (in-process) is not the queue's
    // business: a client message then waits for its turn in runExclusive, and a client that disconnects
    // meanwhile must not roll the owner's transaction back
    isInTransaction: () => held,
    runExclusive: clientExclusive,
    runAsOwner,
    async execProtocolRawStream(message, options) {
      // a Terminate from a connection that holds nothing ends it: no answer follows and nothing is left to
      // roll back, so it does not take the session. It did, until the socket closed: the owner and every
      // other connection then waited for a client process on its way out to get a CPU again and close its
      // end (`pg` ends the stream after the Terminate's write; exiting closes it too), and one that had
      // lowered its priority, as read-only commands do, took 40-150 ms to get there on a busy machine
      if (!held && message[0] === TERMINATE) return pg.execProtocolRawStream(message, options);
      held = true;
      lastType = 0;
      const result = await pg.execProtocolRawStream(message, {
        ...options,
        onRawData: (data: Uint8Array) => {
          observe(data);
          options?.onRawData?.(data);
        },
      });
      // a Terminate ('X') inside a transaction or sequence gets no answer and ends the connection: the
      // session stays held until the disconnect path has rolled it back
      if (lastType === READY_FOR_QUERY && lastStatus === IDLE && skip === 0 && carry.length === 0) held = false;
      return result;
    },
    // only called by the queue to clean up after a connection that left while holding the session
    async exec(query: string) {
      if (!held) return [];
      try {
        if (!pg.isInTransaction()) await pg.runExclusive(() => pg.execProtocolRaw(SYNC));
        if (pg.isInTransaction()) return await pg.exec(query);
        return [];
      } finally {
        held = false;
        next(false);
      }
    },
  } as QueueSession & { runAsOwner: RunAsOwner };
}

/** Serve `pg` on a Unix socket at `socketPath` (the directory must exist and be private). */
export async function serveEmbedded(pg: PGlite, socketPath: string): Promise<EmbeddedServer> {
  const guard = guardSession(pg);
  const server = new PGLiteSocketServer({
    db: guard as unknown as PGlite,
    path: socketPath,
    // clients are other studio processes and psql: each pg pool holds up to DB_POOL_MAX connections
    maxConnections: 256,
  });
  const listeners: ((n: number) => void)[] = [];
  let open = 0;
  const changed = (delta: number) => {
    open = Math.max(0, open + delta);
    for (const listener of listeners) listener(open);
  };
  server.addEventListener('connection', () => changed(1));
  await server.start();
  chmodSync(socketPath, 0o600);
  // the server has no close event per connection; its stats count the handlers still attached
  const poll = setInterval(() => {
    const now = server.getStats().activeConnections;
    if (now !== open) changed(now - open);
  }, 500);
  poll.unref();
  return {
    socketPath,
    runAsOwner: guard.runAsOwner,
    connections: () => server.getStats().activeConnections,
    onConnectionsChange: (listener) => listeners.push(listener),
    async close() {
      clearInterval(poll);
      await server.stop();
    },
  };
}
