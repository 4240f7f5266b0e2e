/**
 * The console's change check: in ONE round trip, a fingerprint of what each slow-changing panel's own read
 * would return now (services, KPIs, jobs, incidents with their counts). Each fingerprint is the sha256 of the
 * very statement that panel reads with (the SQL comes from the module that owns it), run by the server
 * inside this query; equal fingerprints mean the full read would bring exactly the rows already on screen,
 * so the console reads those rows again only when a fingerprint moves. The server runs the same reads as
 * before; the console receives four short strings instead of every row (an idle console parsed and
 * rendered the same rows every second).
 */
import type { Queryable } from '../core/ports.js';
import { kpiHistorySql, SERVICE_STATES_SQL } from './health-store.js';
import { incidentCountsSql, listIncidentsSql } from './incidents.js';
import { jobPanelSql } from './job-runs.js';

/** One fingerprint per slow panel; a panel whose fingerprint is unchanged would read the same rows. */
export interface ConsoleChangeMarks {
  services: string;
  kpis: string;
  jobs: string;
  incidents: string;
}

export interface ConsoleChangeArgs {
  /** The KPI window's start and the samples per KPI, as readKpiHistory is called. */
  kpiSince: Date;
  kpiLimit: number;
  /** The jobs of the panel (registry keys and names), as jobPanel is called. */
  jobs: Array<{ key: string; name: string }>;
  /** Incidents listed (open first) and the start of the "resolved" count, as listIncidents / incidentCounts are called. */
  incidentLimit: number;
  resolvedSince: Date;
}

// the rows in a fixed order (by their text), so the same rows always give the same fingerprint; sha256,
// not md5, which a server in FIPS mode refuses
const hashOf = (sql: string) => `(select encode(sha256(convert_to(coalesce(string_agg(t::text, e'\\n' order by t::text), ''), 'UTF8')), 'hex') from (${sql}) t)`;

const MARKS_SQL = `select ${hashOf(SERVICE_STATES_SQL)} as services,
       ${hashOf(kpiHistorySql('$1::timestamptz', 'null', '$2::int'))} as kpis,
       ${hashOf(jobPanelSql('$3', '$4'))} as jobs,
       ${hashOf(listIncidentsSql('false', 'null', '$5::int'))} || ${hashOf(incidentCountsSql('$6::timestamptz'))} as incidents`;

export async function readConsoleChangeMarks(db: Queryable, args: ConsoleChangeArgs): Promise<ConsoleChangeMarks> {
  const result = await db.query<ConsoleChangeMarks>(
    MARKS_SQL,
    [args.kpiSince, args.kpiLimit, args.jobs.map((j) => j.key), args.jobs.map((j) => j.name), args.incidentLimit, args.resolvedSince],
    { prepare: 'console_change_marks' },
  );
  return result.rows[0]!;
}
