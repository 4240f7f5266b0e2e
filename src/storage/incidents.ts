/**
 * Incidents and their timelines. At most one unresolved incident per dedup key (a partial unique index),
 * so a flapping check is one incident with a count however many processes see it.
 */
import type { Queryable } from '../core/ports.js';
import type { Level } from '../core/types.js';

export type Severity = 'P1' | 'P2' | 'P3' | 'P4';
export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';

export interface Incident {
  id: number;
  dedupKey: string;
  source: string;
  kind: string;
  severity: Severity;
  level: Level;
  title: string;
  status: IncidentStatus;
  count: number;
  openedAt: Date;
  lastSeenAt: Date;
  ackedAt: Date | null;
  ackedBy: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
  silenced: boolean;
  notifiedSeverity: Severity | null;
  details: Record<string, unknown>;
}

export interface TimelineEntry {
  id: number;
  incidentId: number;
  at: Date;
  kind: string;
  actor: string;
  message: string;
  details: Record<string, unknown>;
}

type Row = {
  id: number;
  dedup_key: string;
  source: string;
  kind: string;
  severity: Severity;
  level: Level;
  title: string;
  status: IncidentStatus;
  count: number;
  opened_at: Date;
  last_seen_at: Date;
  acked_at: Date | null;
  acked_by: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution_note: string | null;
  silenced: boolean;
  notified_severity: Severity | null;
  details: Record<string, unknown>;
};

const COLUMNS = `id, dedup_key, source, kind, severity, level, title, status, count, opened_at, last_seen_at, acked_at, acked_by,
  resolved_at, resolved_by, resolution_note, silenced, notified_severity, details`;

const toIncident = (r: Row): Incident => ({
  id: Number(r.id),
  dedupKey: r.dedup_key,
  source: r.source,
  kind: r.kind,
  severity: r.severity,
  level: r.level,
  title: r.title,
  status: r.status,
  count: r.count,
  openedAt: r.opened_at,
  lastSeenAt: r.last_seen_at,
  ackedAt: r.acked_at,
  ackedBy: r.acked_by,
  resolvedAt: r.resolved_at,
  resolvedBy: r.resolved_by,
  resolutionNote: r.resolution_note,
  silenced: r.silenced,
  notifiedSeverity: r.notified_severity,
  details: r.details,
});

/** The unresolved incident for a key, locked for this transaction. */
export async function lockOpenIncident(tx: Queryable, dedupKey: string): Promise<Incident | null> {
  const result = await tx.query<Row>(`select ${COLUMNS} from incidents where dedup_key = $1 and status <> 'resolved' for update`, [dedupKey]);
  return result.rows[0] ? toIncident(result.rows[0]) : null;
}

/** Unresolved incidents whose key starts with a prefix, locked. */
export async function lockOpenIncidentsByPrefix(tx: Queryable, prefix: string): Promise<Incident[]> {
  const result = await tx.query<Row>(
    `select ${COLUMNS} from incidents where status <> 'resolved' and starts_with(dedup_key, $1) order by id for update`,
    [prefix],
  );
  return result.rows.map(toIncident);
}

/** The latest incident for a key auto-resolved at or after `since` (a flap reopens it), locked. */
export async function lockRecentlyAutoResolved(tx: Queryable, dedupKey: string, since: Date): Promise<Incident | null> {
  const result = await tx.query<Row>(
    `select ${COLUMNS} from incidents where dedup_key = $1 and status = 'resolved' and resolved_by = 'auto' and resolved_at >= $2
      order by resolved_at desc limit 1 for update`,
    [dedupKey, since],
  );
  return result.rows[0] ? toIncident(result.rows[0]) : null;
}

export interface NewIncident {
  dedupKey: string;
  source: string;
  kind: string;
  severity: Severity;
  level: Level;
  title: string;
  silenced: boolean;
  details?: Record<string, unknown>;
  at: Date;
}

/** Insert a new incident; null when another process opened one for the key first (then lock and update that). */
export async function insertIncident(tx: Queryable, incident: NewIncident): Promise<Incident | null> {
  const result = await tx.query<Row>(
    `insert into incidents (dedup_key, source, kind, severity, level, title, silenced, details, opened_at, last_seen_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
     on conflict (dedup_key) where status <> 'resolved' do nothing
     returning ${COLUMNS}`,
    [incident.dedupKey, incident.source, incident.kind, incident.severity, incident.level, incident.title, incident.silenced, JSON.stringify(incident.details ?? {}), incident.at],
  );
  return result.rows[0] ? toIncident(result.rows[0]) : null;
}

export interface IncidentChange {
  severity?: Severity;
  level?: Level;
  title?: string;
  status?: IncidentStatus;
  count?: number;
  lastSeenAt?: Date;
  ackedAt?: Date | null;
  ackedBy?: string | null;
  resolvedAt?: Date | null;
  resolvedBy?: string | null;
  resolutionNote?: string | null;
  silenced?: boolean;
  notifiedSeverity?: Severity | null;
}

const CHANGE_COLUMNS: Record<keyof IncidentChange, string> = {
  severity: 'severity',
  level: 'level',
  title: 'title',
  status: 'status',
  count: 'count',
  lastSeenAt: 'last_seen_at',
  ackedAt: 'acked_at',
  ackedBy: 'acked_by',
  resolvedAt: 'resolved_at',
  resolvedBy: 'resolved_by',
  resolutionNote: 'resolution_note',
  silenced: 'silenced',
  notifiedSeverity: 'notified_severity',
};

export async function updateIncident(tx: Queryable, id: number, change: IncidentChange): Promise<Incident> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [key, column] of Object.entries(CHANGE_COLUMNS) as Array<[keyof IncidentChange, string]>) {
    if (change[key] === undefined) continue;
    params.push(change[key]);
    sets.push(`${column} = $${params.length}`);
  }
  const result = await tx.query<Row>(`update incidents set ${sets.length ? sets.join(', ') : 'id = id'} where id = $1 returning ${COLUMNS}`, params);
  return toIncident(result.rows[0]!);
}

export async function addTimeline(tx: Queryable, entry: { incidentId: number; kind: string; actor: string; message: string; details?: Record<string, unknown>; at: Date }): Promise<void> {
  await tx.query(`insert into incident_timeline (incident_id, at, kind, actor, message, details) values ($1, $2, $3, $4, $5, $6)`, [
    entry.incidentId,
    entry.at,
    entry.kind,
    entry.actor,
    entry.message,
    JSON.stringify(entry.details ?? {}),
  ]);
}

export async function getIncident(db: Queryable, id: number, options: { lock?: boolean } = {}): Promise<Incident | null> {
  const result = await db.query<Row>(`select ${COLUMNS} from incidents where id = $1${options.lock ? ' for update' : ''}`, [id]);
  return result.rows[0] ? toIncident(result.rows[0]) : null;
}

export async function listTimeline(db: Queryable, incidentId: number): Promise<TimelineEntry[]> {
  const result = await db.query<{ id: number; incident_id: number; at: Date; kind: string; actor: string; message: string; details: Record<string, unknown> }>(
    `select id, incident_id, at, kind, actor, message, details from incident_timeline where incident_id = $1 order by at, id`,
    [incidentId],
  );
  return result.rows.map((r) => ({ id: Number(r.id), incidentId: Number(r.incident_id), at: r.at, kind: r.kind, actor: r.actor, message: r.message, details: r.details }));
}

/** listIncidents' statement with its parameters at the placeholders given (the console's change check hashes its result). */
export function listIncidentsSql(openOnly: string, since: string, limit: string): string {
  return `select ${COLUMNS} from incidents
      where (${openOnly}::boolean is not true or status <> 'resolved') and (${since}::timestamptz is null or last_seen_at >= ${since})
      order by case when status = 'resolved' then 1 else 0 end, severity, last_seen_at desc limit ${limit}`;
}

export async function listIncidents(db: Queryable, options: { openOnly?: boolean; since?: Date; limit?: number } = {}): Promise<Incident[]> {
  const result = await db.query<Row>(listIncidentsSql('$1', '$2', '$3'), [options.openOnly ?? false, options.since ?? null, options.limit ?? 100],
  );
  return result.rows.map(toIncident);
}

/** incidentCounts' statement with its parameter at the placeholder given (the console's change check hashes its result). */
export function incidentCountsSql(resolvedSince: string): string {
  return `select severity, count(*) filter (where status <> 'resolved')::int as open,
            count(*) filter (where status = 'resolved' and resolved_at >= ${resolvedSince})::int as resolved
       from incidents where status <> 'resolved' or resolved_at >= ${resolvedSince} group by severity`;
}

/** Incidents not resolved, per severity, and those resolved since a time: the console's counts. */
export async function incidentCounts(db: Queryable, resolvedSince: Date): Promise<{ open: Record<Severity, number>; resolvedSince: number }> {
  const result = await db.query<{ severity: Severity | null; open: number; resolved: number }>(incidentCountsSql('$1'), [resolvedSince]);
  const open: Record<Severity, number> = { P1: 0, P2: 0, P3: 0, P4: 0 };
  let resolved = 0;
  for (const r of result.rows) {
    if (r.severity) open[r.severity] = r.open;
    resolved += r.resolved;
  }
  return { open, resolvedSince: resolved };
}

export interface IncidentStats {
  severity: Severity;
  opened: number;
  resolved: number;
  meanMinutesToResolve: number | null;
}

/** Incidents opened since a time, per severity (reports). */
export async function incidentStats(db: Queryable, since: Date): Promise<IncidentStats[]> {
  const result = await db.query<{ severity: Severity; opened: number; resolved: number; mttr: number | null }>(
    `select severity, count(*)::int as opened, count(resolved_at)::int as resolved,
            avg(extract(epoch from (resolved_at - opened_at)) / 60.0) as mttr
       from incidents where opened_at >= $1 group by severity order by severity`,
    [since],
  );
  return result.rows.map((r) => ({ severity: r.severity, opened: r.opened, resolved: r.resolved, meanMinutesToResolve: r.mttr === null ? null : Number(r.mttr) }));
}

// ---------------------------------------------------------------------------------------------------
// Maintenance windows
// ---------------------------------------------------------------------------------------------------

export interface MaintenanceWindow {
  id: number;
  reason: string;
  sources: string[];
  startsAt: Date;
  endsAt: Date;
  openedBy: string;
  closedAt: Date | null;
}

type WindowRow = { id: number; reason: string; sources: string[]; starts_at: Date; ends_at: Date; opened_by: string; closed_at: Date | null };
const toWindow = (r: WindowRow): MaintenanceWindow => ({
  id: Number(r.id),
  reason: r.reason,
  sources: r.sources,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  openedBy: r.opened_by,
  closedAt: r.closed_at,
});

export async function insertMaintenanceWindow(db: Queryable, window: { reason: string; sources: string[]; startsAt: Date; endsAt: Date; openedBy: string }): Promise<MaintenanceWindow> {
  const result = await db.query<WindowRow>(
    `insert into maintenance_windows (reason, sources, starts_at, ends_at, opened_by) values ($1, $2, $3, $4, $5)
     returning id, reason, sources, starts_at, ends_at, opened_by, closed_at`,
    [window.reason, window.sources, window.startsAt, window.endsAt, window.openedBy],
  );
  return toWindow(result.rows[0]!);
}

export async function closeMaintenanceWindow(db: Queryable, id: number, at: Date): Promise<void> {
  await db.query(`update maintenance_windows set closed_at = $2 where id = $1 and closed_at is null`, [id, at]);
}

/** Windows open at `at` (started, not ended, not closed). */
export async function activeMaintenanceWindows(db: Queryable, at: Date): Promise<MaintenanceWindow[]> {
  const result = await db.query<WindowRow>(
    `select id, reason, sources, starts_at, ends_at, opened_by, closed_at from maintenance_windows
      where starts_at <= $1 and ends_at > $1 and (closed_at is null or closed_at > $1) order by id`,
    [at],
  );
  return result.rows.map(toWindow);
}

// ---------------------------------------------------------------------------------------------------
// Escalation of unacknowledged incidents
// ---------------------------------------------------------------------------------------------------

export interface UnacknowledgedIncident {
  incident: Incident;
  /** When someone was last told: the latest trigger queued, severity rise, reopening or escalation. */
  lastNotifiedAt: Date;
  /** Escalation rounds so far (timeline entries of kind `escalation`). */
  escalations: number;
}

/**
 * Open (not acknowledged, not resolved), notified, unsilenced incidents of the given severities; with
 * `id` and `lock`, that one incident locked for the transaction (null values when it no longer qualifies).
 */
export async function listUnacknowledged(db: Queryable, options: { severities: Severity[]; id?: number; lock?: boolean }): Promise<UnacknowledgedIncident[]> {
  const result = await db.query<Row & { last_notified_at: Date; escalations: number }>(
    `select ${COLUMNS},
            greatest(i.opened_at,
                     (select max(t.at) from incident_timeline t where t.incident_id = i.id and t.kind in ('escalated', 'reopened', 'escalation')),
                     (select max(n.created_at) from notifications n where n.incident_id = i.id and n.action = 'trigger')) as last_notified_at,
            (select count(*)::int from incident_timeline t where t.incident_id = i.id and t.kind = 'escalation') as escalations
       from incidents i
      where i.status = 'open' and i.severity = any($1::text[]) and i.notified_severity is not null and not i.silenced
        and ($2::bigint is null or i.id = $2)
      order by i.id${options.lock ? ' for update of i' : ''}`,
    [options.severities, options.id ?? null],
  );
  return result.rows.map((r) => ({ incident: toIncident(r), lastNotifiedAt: r.last_notified_at, escalations: r.escalations }));
}

/** The PagerDuty dedup keys an incident has triggered (escalations page under keys of their own). */
export async function pagedDedupKeys(db: Queryable, incidentId: number): Promise<string[]> {
  const result = await db.query<{ dedup_key: string }>(
    `select dedup_key from notifications where incident_id = $1 and channel = 'pagerduty' and action = 'trigger' group by dedup_key order by min(id)`,
    [incidentId],
  );
  return result.rows.map((r) => r.dedup_key);
}
