/** The console's session: it is audited when it opens, and tells the operator what happened since the last one. */
import type { App } from '../app.js';
import { activitySince, type ActivitySince } from '../../storage/activity.js';
import { lastConsoleSession, recordAudit } from '../../storage/audit.js';
import type { Operator } from './context.js';

export type { ActivitySince };

/** Record that `operator` opened the console; returns when their previous session ended (null: the first). */
export async function startConsoleSession(deps: Pick<App, 'db'>, operator: Operator, args: { readOnly: boolean }): Promise<Date | null> {
  const previous = await lastConsoleSession(deps.db, operator.user);
  await recordAudit(deps.db, operator, { action: 'console.session', details: { readOnly: args.readOnly } });
  return previous;
}

/** Record that `operator` closed the console: the next session counts "while you were away" from here. */
export async function endConsoleSession(deps: Pick<App, 'db'>, operator: Operator): Promise<void> {
  await recordAudit(deps.db, operator, { action: 'console.session.end' });
}

/** Incidents opened, ideas completed, job runs failed and money spent since `since`. */
export function activitySinceLastSession(deps: Pick<App, 'db'>, since: Date): Promise<ActivitySince> {
  return activitySince(deps.db, since);
}
