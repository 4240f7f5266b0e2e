/** `studio audit`: the audit log — who did what, when, from where and why (every operator action writes a row). */
import type { Command } from 'commander';
import { parseDuration } from '../core/clock.js';
import { InvalidInputError } from '../core/errors.js';
import type { AuditRow } from '../app/operations/audit.js';
import { action, withApp } from './run.js';
import { c, cut, printJson, println, table } from './output.js';

/** --since: a duration back from now (7d, 12h) or an ISO date/time. */
export function parseSince(text: string, now: number): Date {
  try {
    return new Date(now - parseDuration(text));
  } catch {
    const at = new Date(text);
    if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
      throw new InvalidInputError(`audit: --since must be a duration back from now (like 24h, 7d) or a date (2026-11-30 or 2026-11-30T09:00Z); got "${text}"`);
    }
    return at;
  }
}

const rowJson = (r: AuditRow) => ({ id: r.id, at: r.at.toISOString(), operator: r.operator, ssh_client: r.sshClient ?? null, action: r.action, target: r.target ?? null, reason: r.reason ?? null, details: r.details ?? {} });

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('the audit log: every operator action with who, when, from where and why, newest first')
    .option('--since <when>', 'only since then: a duration back (24h, 7d) or a date (2026-11-30)')
    .option('--operator <user>', 'only this operator')
    .option('--action <action>', 'only this action, or a family of them (job, budget.reset, campaigns)')
    .option('--limit <n>', 'at most this many rows', '50')
    .option('--json', 'machine-readable output (one array, details included)')
    .addHelpText(
      'after',
      `
Actions include budget.reset, budget.resume, budget.record, idea.reset, idea.advance, job.run, job.pause,
job.resume, campaigns.pause, campaigns.resume, incident.open, incident.ack, incident.resolve,
maintenance.*, backup.create, backup.restore, notify.test, console.session.

Examples:
  studio audit --since 24h
  studio audit --operator dana --action budget
  studio audit --action job.run --since 2026-11-30 --json | jq '.[].target'`,
    )
    .action(
      action(async (opts: { since?: string; operator?: string; action?: string; limit: string; json?: boolean }) => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new InvalidInputError(`audit: --limit must be a whole number from 1 to 10000 (got "${opts.limit}")`);
        return withApp({ logBase: { cmd: 'audit' } }, async (app) => {
          const since = opts.since ? parseSince(opts.since, app.clock.now()) : undefined;
          const { readAuditLog } = await import('../app/operations/audit.js');
          const rows = await readAuditLog(app, { since, operator: opts.operator?.trim() || undefined, action: opts.action?.trim() || undefined, limit });
          if (opts.json) return void printJson(rows.map(rowJson));
          if (rows.length === 0) return void println('no audit rows match');
          println(
            table(
              ['at (UTC)', 'operator', 'from', 'action', 'target', 'reason'],
              rows.map((r) => [r.at.toISOString().slice(0, 19).replace('T', ' '), r.operator, r.sshClient ?? c.dim('local'), c.bold(r.action), cut(r.target ?? '', 36), cut(r.reason ?? '', 60)]),
            ),
          );
          if (rows.length === limit) println(c.dim(`\nthe newest ${limit}; --limit or --since for more`));
        });
      }),
    );
}
