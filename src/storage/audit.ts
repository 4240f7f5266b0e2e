/**
 * The operator audit log: every action an operator takes (budget reset, idea reset, job run, restore ...)
 * with who, from where, and why.
 */
import type { AuditEvent, Operator } from '../core/operator.js';
import type { Queryable } from '../core/ports.js';

export interface AuditRow extends AuditEvent {
  id: number;
  at: Date;
  operator: string;
  sshClient?: string;
}

/** One audit row: `operator` did `event` (pass the action's transaction to write it with the change). */
export async function recordAudit(db: Queryable, operator: Operator, event: AuditEvent): Promise<number> {
  const result = await db.query<{ id: number }>(
    `insert into audit_log (operator, ssh_client, action, target, reason, details)
     values ($1, $2, $3, $4, $5, $6) returning id`,
    [operator.user, operator.sshClient ?? null, event.action, event.target ?? null, event.reason ?? null, JSON.stringify(event.details ?? {})],
  );
  return result.rows[0]!.id;
}

export interface AuditFilter {
  limit?: number;
  /** An action or an action prefix: `job` matches job.run, job.pause ... */
  action?: string;
  since?: Date;
  /** Exactly this operator. */
  operator?: string;
}

/** An audit row as stored, to carry across a restore unchanged (id and time included). */
export interface StoredAuditRow {
  id: number;
  at: Date;
  operator: string;
  ssh_client: string | null;
  action: string;
  target: string | null;
  reason: string | null;
  details: Record<string, unknown>;
}

export async function listAudit(db: Queryable, options: AuditFilter = {}): Promise<AuditRow[]> {
  const result = await db.query<StoredAuditRow>(
    `select id, at, operator, ssh_client, action, target, reason, details from audit_log
      where ($1::text is null or action = $1 or action like rtrim($1, '.') || '.%') and ($2::timestamptz is null or at >= $2)
        and ($4::text is null or operator = $4)
      order by id desc limit $3`,
    [options.action ?? null, options.since ?? null, options.limit ?? 50, options.operator ?? null],
  );
  return result.rows.map((r) => ({
    id: r.id,
    at: r.at,
    operator: r.operator,
    sshClient: r.ssh_client ?? undefined,
    action: r.action,
    target: r.target ?? undefined,
    reason: r.reason ?? undefined,
    details: r.details,
  }));
}


/** Audit rows written at or after `since`, oldest first (what a restore must not lose). */
export async function auditRowsSince(db: Queryable, since: Date): Promise<StoredAuditRow[]> {
  const result = await db.query<StoredAuditRow>(
    'select id, at, operator, ssh_client, action, target, reason, details from audit_log where at >= $1 order by id',
    [since],
  );
  return result.rows;
}

/**
 * Put back audit rows the restored table does not have (ids past its newest), with their own ids and
 * times, and move the id sequence past them: audit history only grows, a restore included.
 * Returns how many rows were carried forward.
 */
export async function carryAuditRowsForward(db: Queryable, rows: StoredAuditRow[]): Promise<number> {
  const newest = await db.query<{ id: string | null }>('select max(id)::text as id from audit_log');
  const restoredMax = Number(newest.rows[0]?.id ?? 0);
  const missing = rows.filter((r) => Number(r.id) > restoredMax);
  for (const r of missing) {
    await db.query(
      `insert into audit_log (id, at, operator, ssh_client, action, target, reason, details) overriding system value
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [r.id, r.at, r.operator, r.ssh_client, r.action, r.target, r.reason, JSON.stringify(r.details ?? {})],
    );
  }
  if (missing.length > 0) {
    await db.query(`select setval(pg_get_serial_sequence('audit_log', 'id'), (select max(id) from audit_log))`);
  }
  return missing.length;
}

/**
 * When this operator's previous console session ended (its `console.session.end` row), or began when it
 * never ended cleanly (`console.session`); null on first use.
 */
export async function lastConsoleSession(db: Queryable, user: string): Promise<Date | null> {
  const result = await db.query<{ at: Date }>(
    `select at from audit_log where action in ('console.session', 'console.session.end') and operator = $1 order by id desc limit 1`,
    [user],
  );
  return result.rows[0]?.at ?? null;
}
