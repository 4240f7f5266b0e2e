/**
 * Incidents from observations. An observation is "source X is at level L because M", keyed by a dedup key:
 * a health check's service state, or an `ops_events` row (budget crossings, dead-man events, failed
 * critical jobs, backups ...). Rules:
 *
 * - not HEALTHY, no open incident for the key: open one (severity from `severityFor`) and queue its
 *   notifications, unless a maintenance window silences the source;
 * - not HEALTHY, an open incident: count it (one incident with a count, never fifty); escalate and
 *   notify again only if the severity rose above what was already notified;
 * - not HEALTHY, an incident for the key auto-resolved within `flapWindowMs`: reopen it (a flap), count
 *   it, re-trigger PagerDuty only if it had paged; Slack and e-mail are not repeated;
 * - HEALTHY while an incident is open: the cause cleared, so it is auto-resolved (resolve notices go
 *   where the trigger went: PagerDuty and Slack).
 *
 * Notifications are queued in the same transaction (the outbox in `notifications`) and delivered after
 * commit by `deliverNotifications`.
 */
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import type { NotifyChannel } from '../../core/notify.js';
import type { Operator } from '../../core/operator.js';
import type { Database, Queryable } from '../../core/ports.js';
import type { Level } from '../../core/types.js';
import { recordAudit } from '../../storage/audit.js';
import { claimUnprocessedEvents, markEventsProcessed } from '../../storage/events.js';
import {
  addTimeline,
  getIncident,
  insertIncident,
  lockOpenIncident,
  lockOpenIncidentsByPrefix,
  lockRecentlyAutoResolved,
  pagedDedupKeys,
  updateIncident,
  type Incident,
  type Severity,
} from '../../storage/incidents.js';
import { queueNotification } from '../../storage/notifications.js';
import { silencingWindow } from './maintenance.js';
import { moreSevere, pages, severityFor, triggerChannels } from './severity.js';

export interface Observation {
  source: string;
  kind: string;
  dedupKey: string;
  level: Level;
  message: string;
  details?: Record<string, unknown>;
}

export interface IncidentOptions {
  clock?: Clock;
  /** Channels that are configured; notifications are queued only for these. */
  channels: readonly NotifyChannel[];
  /** Who observed it, for the timeline: 'health', 'events', an operator. @default 'health' */
  actor?: string;
  /** An auto-resolved incident seen again within this long is reopened, not a new one. @default 3600000 (1 h) */
  flapWindowMs?: number;
}

export type ObserveOutcome = 'opened' | 'counted' | 'escalated' | 'reopened' | 'auto_resolved' | 'none';

export interface ObserveResult {
  outcome: ObserveOutcome;
  incident: Incident | null;
  /** Notifications queued. */
  queued: number;
}

/**
 * Dedup-key prefixes a HEALTHY event clears besides its own key: `details.clears` (any module), and a
 * budget reset clears the closed cycle's level crossings, overruns and shutdown.
 */
export function clearedPrefixes(obs: Observation): string[] {
  const prefixes = Array.isArray(obs.details?.clears) ? (obs.details.clears as unknown[]).filter((p): p is string => typeof p === 'string' && p.length > 0) : [];
  const closed = obs.details?.closed;
  if (obs.kind === 'budget.reset' && typeof closed === 'string') prefixes.push(`budget.level:${closed}:`, `budget.overrun:${closed}:`, `budget.shutdown:${closed}`);
  return prefixes;
}

export async function observe(tx: Queryable, obs: Observation, options: IncidentOptions): Promise<ObserveResult> {
  const clock = options.clock ?? systemClock;
  const at = clock.date();
  const actor = options.actor ?? 'health';

  if (obs.level === 'HEALTHY') {
    let queuedByPrefix = 0;
    let lastCleared: Incident | null = null;
    for (const prefix of clearedPrefixes(obs)) {
      for (const incident of await lockOpenIncidentsByPrefix(tx, prefix)) {
        const result = await observe(tx, { ...obs, dedupKey: incident.dedupKey, details: undefined }, options);
        queuedByPrefix += result.queued;
        lastCleared = result.incident ?? lastCleared;
      }
    }
    const open = await lockOpenIncident(tx, obs.dedupKey);
    if (!open) return { outcome: lastCleared ? 'auto_resolved' : 'none', incident: lastCleared, queued: queuedByPrefix };
    const resolved = await updateIncident(tx, open.id, { status: 'resolved', resolvedAt: at, resolvedBy: 'auto', level: 'HEALTHY', lastSeenAt: at });
    await addTimeline(tx, { incidentId: open.id, at, kind: 'auto_resolved', actor, message: `cause cleared: ${obs.message}` });
    let queued = 0;
    if (open.notifiedSeverity) {
      const channels: NotifyChannel[] = pages(open.notifiedSeverity) ? ['pagerduty', 'slack'] : ['slack'];
      queued = await queue(tx, resolved, 'resolve', channels, options.channels, `[${open.severity}] resolved: ${open.title}`, at);
    }
    return { outcome: 'auto_resolved', incident: resolved, queued: queued + queuedByPrefix };
  }

  const severity = severityFor(obs);
  const window = await silencingWindow(tx, obs, at);
  const title = `${obs.source} ${obs.level}: ${obs.message}`.slice(0, 300);

  let incident = await lockOpenIncident(tx, obs.dedupKey);
  let outcome: ObserveOutcome;
  if (incident) {
    const escalate = moreSevere(severity, incident.severity);
    incident = await updateIncident(tx, incident.id, {
      count: incident.count + 1,
      lastSeenAt: at,
      level: obs.level,
      ...(escalate ? { severity, title } : {}),
    });
    outcome = escalate ? 'escalated' : 'counted';
    if (escalate) await addTimeline(tx, { incidentId: incident.id, at, kind: 'escalated', actor, message: `now ${severity}: ${obs.message}` });
  } else {
    const flapped = await lockRecentlyAutoResolved(tx, obs.dedupKey, new Date(at.getTime() - (options.flapWindowMs ?? 3_600_000)));
    if (flapped) {
      const sev = moreSevere(severity, flapped.severity) ? severity : flapped.severity;
      incident = await updateIncident(tx, flapped.id, {
        status: 'open',
        resolvedAt: null,
        resolvedBy: null,
        count: flapped.count + 1,
        lastSeenAt: at,
        level: obs.level,
        severity: sev,
        title: sev !== flapped.severity ? title : undefined,
      });
      await addTimeline(tx, { incidentId: incident.id, at, kind: 'reopened', actor, message: `seen again (flapping): ${obs.message}` });
      outcome = 'reopened';
    } else {
      incident = await insertIncident(tx, { dedupKey: obs.dedupKey, source: obs.source, kind: obs.kind, severity, level: obs.level, title, silenced: Boolean(window), details: obs.details, at });
      if (!incident) {
        // another process opened it between our look and our insert: count it there
        return observe(tx, obs, options);
      }
      await addTimeline(tx, { incidentId: incident.id, at, kind: 'opened', actor, message: obs.message, details: obs.details });
      outcome = 'opened';
    }
  }

  let queued = 0;
  if (window) {
    if (outcome === 'opened' || outcome === 'escalated' || outcome === 'reopened') {
      await addTimeline(tx, { incidentId: incident.id, at, kind: 'silenced', actor, message: `not notified: maintenance window #${window.id} (${window.reason})` });
    }
    // marked only while nobody has been told; an incident already notified stays as it was
    if (!incident.silenced && !incident.notifiedSeverity) incident = await updateIncident(tx, incident.id, { silenced: true });
  } else if (moreSevere(incident.severity, incident.notifiedSeverity)) {
    queued = await queue(tx, incident, 'trigger', triggerChannels(incident.severity), options.channels, `[${incident.severity}] ${incident.title}`, at);
    incident = await updateIncident(tx, incident.id, { notifiedSeverity: incident.severity, silenced: false });
  } else if (outcome === 'reopened' && incident.notifiedSeverity && pages(incident.notifiedSeverity)) {
    queued = await queue(tx, incident, 'trigger', ['pagerduty'], options.channels, `[${incident.severity}] ${incident.title}`, at);
  }
  return { outcome, incident, queued };
}

async function queue(
  tx: Queryable,
  incident: Incident,
  action: 'trigger' | 'acknowledge' | 'resolve',
  wanted: NotifyChannel[],
  configured: readonly NotifyChannel[],
  summary: string,
  at: Date,
): Promise<number> {
  const channels = wanted.filter((c) => configured.includes(c));
  for (const channel of channels) {
    // escalations page under keys of their own (escalation.ts): acknowledge / resolve each of them
    const keys = channel === 'pagerduty' && action !== 'trigger' ? await pagedDedupKeys(tx, incident.id) : [];
    for (const dedupKey of keys.length > 0 ? keys : [incident.dedupKey]) {
      await queueNotification(tx, { incidentId: incident.id, dedupKey, channel, action, severity: incident.severity, summary, at });
    }
  }
  if (channels.length > 0) {
    await addTimeline(tx, { incidentId: incident.id, at, kind: 'notified', actor: 'notify', message: `${action} queued for ${channels.join(', ')}` });
  } else if (action === 'trigger') {
    await addTimeline(tx, { incidentId: incident.id, at, kind: 'notified', actor: 'notify', message: `no notifier configured for ${wanted.join(', ')}` });
  }
  return channels.length;
}

/**
 * Turn unprocessed `ops_events` into incidents, in batches, each batch in one transaction (several
 * processes may run this at once: events are claimed with SKIP LOCKED). Returns how many were handled.
 */
export async function processOpsEvents(db: Database, options: IncidentOptions & { batch?: number }): Promise<{ events: number; opened: number; resolved: number }> {
  const totals = { events: 0, opened: 0, resolved: 0 };
  const batch = options.batch ?? 100;
  for (;;) {
    const handled = await db.withTransaction(async (tx) => {
      const events = await claimUnprocessedEvents(tx, batch);
      for (const event of events) {
        const result = await observe(
          tx,
          { source: event.source, kind: event.kind, dedupKey: event.dedupKey, level: event.level, message: event.message, details: event.details },
          { ...options, actor: options.actor ?? 'events' },
        );
        if (result.outcome === 'opened' || result.outcome === 'reopened') totals.opened++;
        if (result.outcome === 'auto_resolved') totals.resolved++;
      }
      await markEventsProcessed(tx, events.map((e) => e.id));
      return events.length;
    });
    totals.events += handled;
    if (handled < batch) return totals;
  }
}

export interface OperatorAction {
  operator: Operator;
  clock?: Clock;
  channels: readonly NotifyChannel[];
}

/** An operator takes an incident: status acknowledged, timeline, audit, PagerDuty acknowledged if it paged. */
export async function acknowledgeIncident(db: Database, id: number, action: OperatorAction): Promise<Incident> {
  const at = (action.clock ?? systemClock).date();
  return db.withTransaction(async (tx) => {
    const incident = await getIncident(tx, id, { lock: true });
    if (!incident) throw new NotFoundError(`incidents: no incident #${id}; see studio incidents list`);
    if (incident.status === 'resolved') throw new InvalidInputError(`incidents: #${id} is already resolved`);
    if (incident.status === 'acknowledged') return incident;
    const updated = await updateIncident(tx, id, { status: 'acknowledged', ackedAt: at, ackedBy: action.operator.user });
    await addTimeline(tx, { incidentId: id, at, kind: 'acknowledged', actor: action.operator.user, message: `acknowledged by ${action.operator.user}` });
    await recordAudit(tx, action.operator, { action: 'incident.ack', target: String(id), details: { dedupKey: incident.dedupKey } });
    if (incident.notifiedSeverity && pages(incident.notifiedSeverity)) {
      await queue(tx, updated, 'acknowledge', ['pagerduty'], action.channels, `[${incident.severity}] acknowledged: ${incident.title}`, at);
    }
    return updated;
  });
}

/** An operator closes an incident with a note: timeline, audit, PagerDuty and Slack told if they were. */
export async function resolveIncident(db: Database, id: number, note: string, action: OperatorAction): Promise<Incident> {
  if (!note.trim()) throw new InvalidInputError('incidents: resolving needs a note saying what was done (--note "...")');
  const at = (action.clock ?? systemClock).date();
  return db.withTransaction(async (tx) => {
    const incident = await getIncident(tx, id, { lock: true });
    if (!incident) throw new NotFoundError(`incidents: no incident #${id}; see studio incidents list`);
    if (incident.status === 'resolved') throw new InvalidInputError(`incidents: #${id} is already resolved`);
    const updated = await updateIncident(tx, id, { status: 'resolved', resolvedAt: at, resolvedBy: action.operator.user, resolutionNote: note });
    await addTimeline(tx, { incidentId: id, at, kind: 'resolved', actor: action.operator.user, message: note });
    await recordAudit(tx, action.operator, { action: 'incident.resolve', target: String(id), reason: note, details: { dedupKey: incident.dedupKey } });
    if (incident.notifiedSeverity) {
      const channels: NotifyChannel[] = pages(incident.notifiedSeverity) ? ['pagerduty', 'slack'] : ['slack'];
      await queue(tx, updated, 'resolve', channels, action.channels, `[${incident.severity}] resolved by ${action.operator.user}: ${incident.title}`, at);
    }
    return updated;
  });
}

export type { Incident, Severity };
