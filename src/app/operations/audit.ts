/** Reading the audit log: who did what, from where, and why (every operation writes one row). */
import type { App } from '../app.js';
import { InvalidInputError } from '../../core/errors.js';
import { listAudit, type AuditFilter, type AuditRow } from '../../storage/audit.js';

export type { AuditFilter, AuditRow };

/** Audit rows newest first: since a time, of one operator, of an action or an action family (`job`, `budget.reset`). */
export async function readAuditLog(deps: Pick<App, 'db'>, filter: AuditFilter): Promise<AuditRow[]> {
  const limit = filter.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new InvalidInputError(`audit: --limit must be a whole number from 1 to 10000 (got ${filter.limit})`);
  return listAudit(deps.db, { ...filter, limit });
}
