/**
 * Incidents by hand: list and show, acknowledge, resolve, declare one (an operator's P1-P4), and
 * maintenance windows. Every change is audited and its notifications are sent at once (the outbox rows
 * are written in the change's transaction; the 5-minute health job retries what could not be sent).
 */
import { randomBytes } from 'node:crypto';
import type { App } from '../app.js';
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import type { Level } from '../../core/types.js';
import { deliverNotifications, type DeliverResult } from '../../ops/incidents/deliver.js';
import { acknowledgeIncident, observe, resolveIncident as resolve, type Incident, type Severity } from '../../ops/incidents/incidents.js';
import { activeMaintenanceWindows, closeMaintenanceWindow, openMaintenanceWindow, type MaintenanceWindow } from '../../ops/incidents/maintenance.js';
import { createNotifiers } from '../../providers/notify/index.js';
import { recordAudit } from '../../storage/audit.js';
import { getIncident, listIncidents as list, listTimeline, type TimelineEntry } from '../../storage/incidents.js';
import { listNotifications, type NotificationRow } from '../../storage/notifications.js';
import type { Operator, OpsDeps } from './context.js';

export type { DeliverResult, Incident, MaintenanceWindow, NotificationRow, Severity, TimelineEntry };

export const SEVERITIES: readonly Severity[] = ['P1', 'P2', 'P3', 'P4'];

/** The channels configured here (notifications are queued only for these). */
const channels = (deps: Pick<App, 'config'>) => createNotifiers(deps.config).map((n) => n.channel);

/** Send what is queued now, through every configured channel; never throws (what fails stays queued). */
export async function deliverQueued(deps: OpsDeps): Promise<DeliverResult> {
  const notifiers = createNotifiers(deps.config);
  try {
    return await deliverNotifications(deps.db, notifiers, { logger: deps.logger, clock: deps.clock, maxPerHour: deps.config.notify.maxPerHour });
  } catch (error) {
    deps.logger.warn({ err: error }, 'incidents: could not send the queued notifications now; the health job retries them');
    return { sent: 0, failed: 0, rateLimited: 0, skipped: 0 };
  } finally {
    await Promise.all(notifiers.map((n) => n.close?.()));
  }
}

export function listIncidents(deps: Pick<App, 'db'>, args: { openOnly?: boolean; limit?: number }) {
  return list(deps.db, { openOnly: args.openOnly, limit: args.limit ?? 50 });
}

/** One incident with its timeline and the notifications sent. */
export async function showIncident(deps: Pick<App, 'db'>, id: number): Promise<{ incident: Incident; timeline: TimelineEntry[]; notifications: NotificationRow[] }> {
  const incident = await getIncident(deps.db, id);
  if (!incident) throw new NotFoundError(`incidents: no incident #${id}; see studio incidents list`);
  const [timeline, notifications] = await Promise.all([listTimeline(deps.db, id), listNotifications(deps.db, { incidentId: id })]);
  return { incident, timeline, notifications };
}

/** Take an incident (PagerDuty acknowledged if it paged); audited in the same transaction. */
export async function ackIncident(deps: OpsDeps, operator: Operator, args: { id: number }): Promise<{ incident: Incident; delivery: DeliverResult }> {
  const incident = await acknowledgeIncident(deps.db, args.id, { operator, clock: deps.clock, channels: channels(deps) });
  return { incident, delivery: await deliverQueued(deps) };
}

/** Close an incident with a note (PagerDuty and Slack told if they were); audited in the same transaction. */
export async function resolveIncident(deps: OpsDeps, operator: Operator, args: { id: number; note: string }): Promise<{ incident: Incident; delivery: DeliverResult }> {
  const incident = await resolve(deps.db, args.id, args.note, { operator, clock: deps.clock, channels: channels(deps) });
  return { incident, delivery: await deliverQueued(deps) };
}

/** The level an operator's severity stands for (P4 is still a problem worth a record: WARNING). */
const LEVEL_OF: Record<Severity, Level> = { P1: 'EMERGENCY', P2: 'CRITICAL', P3: 'WARNING', P4: 'WARNING' };

export interface OpenIncidentArgs {
  severity: string;
  title: string;
  /** What it is about (service:openai, budget, a host ...). @default 'operator' */
  source?: string;
}

/**
 * Declare an incident by hand (the manual's "open an incident"): it follows the rules of every other
 * incident (severity decides who is paged; a maintenance window covering its source silences it), gets
 * its own dedup key, and is audited in the same transaction.
 */
export async function openIncident(deps: OpsDeps, operator: Operator, args: OpenIncidentArgs): Promise<{ incident: Incident; delivery: DeliverResult }> {
  const severity = args.severity.trim().toUpperCase() as Severity;
  if (!SEVERITIES.includes(severity)) throw new InvalidInputError(`incidents: --severity must be one of ${SEVERITIES.join(', ')} (got "${args.severity}")`);
  const title = args.title.trim();
  if (!title) throw new InvalidInputError('incidents: --title must say what is wrong');
  if (title.length > 250) throw new InvalidInputError(`incidents: --title is ${title.length} characters; keep it to 250 (details go in the timeline when you resolve it)`);
  const source = (args.source ?? 'operator').trim() || 'operator';
  const dedupKey = `operator:${deps.clock.date().toISOString()}:${randomBytes(3).toString('hex')}`;
  const incident = await deps.db.withTransaction(async (tx) => {
    const result = await observe(
      tx,
      { source, kind: 'operator.declared', dedupKey, level: LEVEL_OF[severity], message: title, details: { severity, declaredBy: operator.user } },
      { clock: deps.clock, channels: channels(deps), actor: operator.user },
    );
    await recordAudit(tx, operator, { action: 'incident.open', target: String(result.incident!.id), reason: title, details: { severity, source, dedupKey } });
    return result.incident!;
  });
  deps.logger.warn({ incident: incident.id, severity, source, operator: operator.user }, `incidents: ${severity} declared by ${operator.user}: ${title}`);
  return { incident, delivery: await deliverQueued(deps) };
}

export async function openMaintenance(deps: OpsDeps, operator: Operator, args: { reason: string; sources: string[]; durationMs: number; maxDurationMs?: number }): Promise<MaintenanceWindow> {
  return deps.db.withTransaction(async (tx) => {
    const window = await openMaintenanceWindow(tx, { ...args, openedBy: operator.user, clock: deps.clock });
    await recordAudit(tx, operator, { action: 'maintenance.open', target: String(window.id), reason: args.reason, details: { sources: window.sources, endsAt: window.endsAt } });
    return window;
  });
}

export async function closeMaintenance(deps: OpsDeps, operator: Operator, args: { id: number }): Promise<void> {
  await deps.db.withTransaction(async (tx) => {
    await closeMaintenanceWindow(tx, args.id, deps.clock);
    await recordAudit(tx, operator, { action: 'maintenance.close', target: String(args.id) });
  });
}

export function listMaintenance(deps: Pick<App, 'db' | 'clock'>) {
  return activeMaintenanceWindows(deps.db, deps.clock.date());
}
