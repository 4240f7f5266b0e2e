/**
 * Who acts, and what the audit log keeps of it. Every operator action (from the shell or the console) is
 * done by an `Operator` and leaves one `AuditEvent` row in `audit_log`, written in the action's own
 * transaction where it has one (src/app/operations/).
 */

/** The person acting: the OS user (or STUDIO_OPERATOR) and, over SSH, the address they came from. */
export interface Operator {
  user: string;
  sshClient?: string;
}

/** What an operator did, as one audit row records it. */
export interface AuditEvent {
  /** Dotted verb, e.g. `job.pause`, `budget.reset`, `campaigns.pause`. */
  action: string;
  /** What it acted on: a job name, an idea id, a cycle id ... */
  target?: string;
  reason?: string;
  details?: Record<string, unknown>;
}
