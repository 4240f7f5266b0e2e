/**
 * The operator audit log: every action an operator takes (budget reset, idea reset, job run, restore ...)
 * with who, from where, and why.
 */
import type { Queryable } from '../core/ports.js';

export interface AuditEntry {
  operator: string;
  sshClient?: string;
  action: string;
  target?: string;
  reason?: string;
  details?: Record<string, unknown>;
}

export interface AuditRow extends AuditEntry {
  id: number;
  at: Date;
}

export async function recordAudit(db: Queryable, entry: AuditEntry): Promise<number> {
  const result = await db.query<{ id: number }>(
    `insert into audit_log (operator, ssh_client, action, target, reason, details)
     values ($1, $2, $3, $4, $5, $6) returning id`,
    [entry.operator, entry.sshClient ?? null, entry.action, entry.target ?? null, entry.reason ?? null, JSON.stringify(entry.details ?? {})],
  );
  return result.rows[0]!.id;
}

export async function listAudit(db: Queryable, options: { limit?: number; action?: string; since?: Date } = {}): Promise<AuditRow[]> {
  const result = await db.query<{
    id: number;
    at: Date;
    operator: string;
    ssh_client: string | null;
    action: string;
    target: string | null;
    reason: string | null;
    details: Record<string, unknown>;
  }>(
    `select id, at, operator, ssh_client, action, target, reason, details from audit_log
      where ($1::text is null or action like $1 || '%') and ($2::timestamptz is null or at >= $2)
      order by id desc limit $3`,
    [options.action ?? null, options.since ?? null, options.limit ?? 50],
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
