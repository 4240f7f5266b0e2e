/**
 * Escalation of unacknowledged incidents. The operations manual gives P1 a 15-minute and P2 a 1-hour
 * response time; an open P1 or P2 that nobody acknowledged within that time (INCIDENT_ESCALATE_P1 /
 * INCIDENT_ESCALATE_P2) is notified again, and again each time the same time passes, until someone
 * acknowledges it or it resolves:
 *
 * - P1 is re-paged: PagerDuty gets a new trigger, plus Slack and e-mail. The trigger carries a dedup key of
 *   its own (`<key>:escalation:<round>`), because PagerDuty folds a trigger whose key is already open into
 *   that alert without paging anyone; acknowledging or resolving the incident tells PagerDuty about every
 *   key it paged under (see `queue` in incidents.ts).
 * - P2 is notified again on Slack and e-mail (it paged once; the reminder does not page again).
 * - Each round is an `escalation` entry on the incident's timeline, with the round and who was told.
 * - Silenced incidents (a maintenance window) and incidents nobody was told about are left alone.
 *
 * The health check (every 5 minutes, and `studio health --record`) drives it, so a round goes out up to one
 * check interval after it is due. Several processes may run it at once: each incident is re-checked under
 * its row lock, so a round is sent once.
 */
import type { Clock } from '../../core/clock.js';
import { formatDuration, systemClock } from '../../core/clock.js';
import type { NotifyChannel } from '../../core/notify.js';
import type { Database, Queryable } from '../../core/ports.js';
import { addTimeline, listUnacknowledged, type Severity, type UnacknowledgedIncident } from '../../storage/incidents.js';
import { queueNotification } from '../../storage/notifications.js';

export interface EscalationOptions {
  clock?: Clock;
  /** Channels that are configured; notifications are queued only for these. */
  channels: readonly NotifyChannel[];
  /** Re-notify after this many ms without an acknowledgement, per severity; 0 = never (config.notify.escalateMs). */
  afterMs: { P1: number; P2: number };
}

export interface Escalation {
  incidentId: number;
  severity: Severity;
  round: number;
  /** Channels the reminder was queued for (empty when none is configured). */
  channels: NotifyChannel[];
}

/** Queue the reminders that are due; returns one entry per incident escalated. */
export async function escalateUnacknowledged(db: Database, options: EscalationOptions): Promise<Escalation[]> {
  const at = (options.clock ?? systemClock).date();
  const severities = (['P1', 'P2'] as const).filter((s) => options.afterMs[s] > 0);
  if (severities.length === 0) return [];
  const due = (u: UnacknowledgedIncident) => {
    const after = options.afterMs[u.incident.severity as 'P1' | 'P2'];
    return after > 0 && at.getTime() - u.lastNotifiedAt.getTime() >= after;
  };
  const escalated: Escalation[] = [];
  for (const candidate of (await listUnacknowledged(db, { severities })).filter(due)) {
    const done = await db.withTransaction(async (tx) => {
      // acknowledged, resolved or escalated by another process since the list was read: nothing to do
      const [fresh] = await listUnacknowledged(tx, { severities, id: candidate.incident.id, lock: true });
      return fresh && due(fresh) ? escalate(tx, fresh, at, options.channels) : null;
    });
    if (done) escalated.push(done);
  }
  return escalated;
}

async function escalate(tx: Queryable, u: UnacknowledgedIncident, at: Date, configured: readonly NotifyChannel[]): Promise<Escalation> {
  const { incident } = u;
  const round = u.escalations + 1;
  const repage = incident.severity === 'P1';
  const wanted: NotifyChannel[] = repage ? ['pagerduty', 'slack', 'email'] : ['slack', 'email'];
  const channels = wanted.filter((c) => configured.includes(c));
  const waited = formatDuration(at.getTime() - u.lastNotifiedAt.getTime());
  const open = formatDuration(at.getTime() - incident.openedAt.getTime());
  const summary = `[${incident.severity}] ESCALATION ${round}: not acknowledged, open ${open}: ${incident.title}`.slice(0, 500);
  for (const channel of channels) {
    const dedupKey = channel === 'pagerduty' ? `${incident.dedupKey}:escalation:${round}` : incident.dedupKey;
    await queueNotification(tx, { incidentId: incident.id, dedupKey, channel, action: 'trigger', severity: incident.severity, summary, at });
  }
  const told = channels.length > 0 ? `${repage ? 're-paged' : 'notified again'}: ${channels.join(', ')}` : `no notifier configured for ${wanted.join(', ')}`;
  await addTimeline(tx, {
    incidentId: incident.id,
    at,
    kind: 'escalation',
    actor: 'escalation',
    message: `escalation ${round}: ${incident.severity} not acknowledged ${waited} after the last notice; ${told}`,
    details: { round, channels, unacknowledgedMs: at.getTime() - u.lastNotifiedAt.getTime() },
  });
  return { incidentId: incident.id, severity: incident.severity, round, channels };
}
