/**
 * `scheduler_nodes`: every process that runs jobs, with its heartbeat. A node silent past the node
 * timeout is dead; its running jobs are reaped. Other modules (backup) read `liveNodes` to see whether a
 * scheduler is running.
 */
import type { Queryable } from '../core/ports.js';

export interface SchedulerNode {
  id: string;
  host: string;
  pid: number;
  startedAt: Date;
  heartbeatAt: Date;
  stopping: boolean;
  kind: 'scheduler' | 'cli';
  /** Set when it stopped cleanly. */
  stoppedAt?: Date | null;
}

type Row = { id: string; host: string; pid: number; started_at: Date; heartbeat_at: Date; stopping: boolean; kind: 'scheduler' | 'cli'; stopped_at?: Date | null };
const toNode = (r: Row): SchedulerNode => ({ id: r.id, host: r.host, pid: r.pid, startedAt: r.started_at, heartbeatAt: r.heartbeat_at, stopping: r.stopping, kind: r.kind, stoppedAt: r.stopped_at ?? null });

export async function registerNode(db: Queryable, n: { id: string; host: string; pid: number; now: Date; kind?: 'scheduler' | 'cli' }): Promise<void> {
  await db.query(
    `insert into scheduler_nodes (id, host, pid, started_at, heartbeat_at, stopping, kind) values ($1, $2, $3, $4, $4, false, $5)
     on conflict (id) do update set heartbeat_at = $4, stopping = false, stopped_at = null`,
    [n.id, n.host, n.pid, n.now, n.kind ?? 'scheduler'],
  );
}

/** Refresh the heartbeat; false when the row is gone (pruned), so the caller registers again. */
export async function heartbeat(db: Queryable, id: string, now: Date): Promise<boolean> {
  const result = await db.query('update scheduler_nodes set heartbeat_at = $2 where id = $1', [id, now]);
  return result.rowCount > 0;
}

export async function markStopping(db: Queryable, id: string): Promise<void> {
  await db.query('update scheduler_nodes set stopping = true where id = $1', [id]);
}

/**
 * The end of a clean stop: the row stays (health reads when and where the scheduler stopped), marked
 * stopping, with its last heartbeat and its stop time set to `now`.
 */
export async function markStopped(db: Queryable, id: string, now: Date): Promise<void> {
  await db.query('update scheduler_nodes set stopping = true, stopped_at = $2, heartbeat_at = greatest(heartbeat_at, $2) where id = $1', [id, now]);
}

export async function removeNode(db: Queryable, id: string): Promise<void> {
  await db.query('delete from scheduler_nodes where id = $1', [id]);
}

/** Scheduler processes whose heartbeat is fresh and that are not stopping. */
export async function liveNodes(db: Queryable, freshAfter: Date): Promise<SchedulerNode[]> {
  const result = await db.query<Row>(
    `select id, host, pid, started_at, heartbeat_at, stopping, kind from scheduler_nodes
      where heartbeat_at >= $1 and not stopping and kind = 'scheduler' order by started_at`,
    [freshAfter],
  );
  return result.rows.map(toNode);
}

export async function listNodes(db: Queryable): Promise<SchedulerNode[]> {
  const result = await db.query<Row>('select id, host, pid, started_at, heartbeat_at, stopping, kind, stopped_at from scheduler_nodes order by heartbeat_at desc');
  return result.rows.map(toNode);
}

/** Forget nodes silent since before `before` (their runs were reaped long ago). */
export async function pruneNodes(db: Queryable, before: Date): Promise<number> {
  const result = await db.query('delete from scheduler_nodes where heartbeat_at < $1', [before]);
  return result.rowCount;
}

/**
 * After a restore: the node rows describe processes, not data, so the restored (old) rows are replaced
 * by the rows as they were just before the restore. Nothing restored looks live.
 */
export async function replaceNodes(db: Queryable, nodes: SchedulerNode[]): Promise<void> {
  await db.query('delete from scheduler_nodes');
  for (const n of nodes) {
    await db.query(
      `insert into scheduler_nodes (id, host, pid, started_at, heartbeat_at, stopping, kind, stopped_at) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [n.id, n.host, n.pid, n.startedAt, n.heartbeatAt, n.stopping, n.kind, n.stoppedAt ?? null],
    );
  }
}
