/**
 * The console's refresh in ONE statement (one round trip): the change check, and the panels read on every
 * refresh (the budget cycle and its buckets, the pipeline's counts and stuck ideas, the parked and
 * budget-waiting ideas).
 *
 * The change check is a fingerprint of what each slow-changing panel's own read would return now
 * (services, KPIs, jobs, incidents with their counts). Each fingerprint is the sha256 of the very statement
 * that panel reads with (the SQL comes from the module that owns it), run by the server inside this query;
 * equal fingerprints mean the full read would bring exactly the rows already on screen, so the console
 * reads those rows again only when a fingerprint moves. The server runs the same reads as before; the
 * console receives four short strings instead of every row (an idle console parsed and rendered the same
 * rows every second).
 *
 * The panels read every refresh come back as JSON, one column each, from the statements their own modules
 * read with, and are decoded here into the rows those modules decode (timestamps revived as Dates): the
 * console builds its views from them with the modules' own functions. Each statement was a round trip of
 * its own; on loopback TCP the kernel's receive work runs in the sender's write, so each cost the idle
 * console ~0.7 ms of CPU (a profile: pg's query submission was the largest item).
 */
import type { Queryable } from '../core/ports.js';
import type { Stage, Status } from '../core/types.js';
import { bucketsSql, OPEN_CYCLE_SQL, toBucket, toCycle, type BucketRow, type CycleRow, type RawBucket, type RawCycle } from './budget.js';
import { kpiHistorySql, SERVICE_STATES_SQL } from './health-store.js';
import { pipelineCountsSql, stuckIdeasSql, type PipelineCountsRow, type StuckIdeaRow } from './idea-rollups.js';
import { parkedAndWaitingSql } from './ideas.js';
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

/** What the refresh reads besides the marks: as the panels' own reads are called. */
export interface ConsoleRefreshArgs extends ConsoleChangeArgs {
  now: Date;
  /** stuckIdeas' arguments. */
  stuckAfterMs: number;
  maxLapses: number;
  stuckLimit: number;
  /** Ideas per list of listParkedAndWaiting. */
  awaitingLimit: number;
}

/** An idea waiting for an operator, as the console lists it. */
export interface AwaitingRow {
  id: string;
  title: string;
  currentStage: Stage;
  status: Status;
  stageEnteredAt: Date;
  parkedReason: string | null;
  waitingOnBudget: string | null;
}

export interface ConsoleRefresh {
  marks: ConsoleChangeMarks;
  /** The open budget cycle; undefined when there is none (the caller opens one through the sentinel). */
  cycle: CycleRow | undefined;
  buckets: BucketRow[];
  counts: PipelineCountsRow[];
  stuck: StuckIdeaRow[];
  awaiting: { parked: AwaitingRow[]; waiting: AwaitingRow[] };
}

const json = (sql: string) => `(select json_agg(t) from (${sql}) t)`;
const AWAITING_COLUMNS = 'id, title, current_stage, status, stage_entered_at, parked_reason, waiting_on_budget';

// (the text is built once per value of maxLapses, not on every refresh)
const refreshSqlText = new Map<number, string>();
const refreshSql = (maxLapses: number) => {
  let text = refreshSqlText.get(maxLapses);
  if (text === undefined) refreshSqlText.set(maxLapses, (text = buildRefreshSql(maxLapses)));
  return text;
};
const buildRefreshSql = (maxLapses: number) => `select ${hashOf(SERVICE_STATES_SQL)} as services,
       ${hashOf(kpiHistorySql('$1::timestamptz', 'null', '$2::int'))} as kpis,
       ${hashOf(jobPanelSql('$3', '$4'))} as jobs,
       ${hashOf(listIncidentsSql('false', 'null', '$5::int'))} || ${hashOf(incidentCountsSql('$6::timestamptz'))} as incidents,
       ${json(OPEN_CYCLE_SQL)} as cycle,
       ${json(bucketsSql(`(${OPEN_CYCLE_SQL.replace('select *', 'select id')})`))} as buckets,
       ${json(pipelineCountsSql('$7::timestamptz'))} as counts,
       ${json(stuckIdeasSql({ now: '$7', stuckAfterMs: '$8', maxLapses: '$9', limit: '$10::int' }, maxLapses))} as stuck,
       ${json(parkedAndWaitingSql(AWAITING_COLUMNS, '$11::int'))} as awaiting`;

type Json<R> = { [K in keyof R]: R[K] extends Date ? string : R[K] extends Date | null ? string | null : R[K] };
const at = (v: string) => new Date(v);
const atOrNull = (v: string | null) => (v === null ? null : new Date(v));

export async function readConsoleRefresh(db: Queryable, args: ConsoleRefreshArgs): Promise<ConsoleRefresh> {
  const enough = args.maxLapses >= 1; // the one value the statement's text depends on (stuckIdeasSql)
  const result = await db.query<
    ConsoleChangeMarks & {
      cycle: Json<RawCycle>[] | null;
      buckets: RawBucket[] | null;
      counts: PipelineCountsRow[] | null;
      stuck: Json<StuckIdeaRow>[] | null;
      awaiting: Array<{ list: 'parked' | 'waiting'; id: string; title: string; current_stage: Stage; status: Status; stage_entered_at: string; parked_reason: string | null; waiting_on_budget: string | null }> | null;
    }
  >(
    refreshSql(args.maxLapses),
    [
      args.kpiSince,
      args.kpiLimit,
      args.jobs.map((j) => j.key),
      args.jobs.map((j) => j.name),
      args.incidentLimit,
      args.resolvedSince,
      args.now,
      args.stuckAfterMs,
      args.maxLapses,
      args.stuckLimit,
      args.awaitingLimit,
    ],
    { prepare: enough ? 'console_refresh' : 'console_refresh_0' },
  );
  const row = result.rows[0]!;
  const cycle = row.cycle?.[0];
  const awaiting: ConsoleRefresh['awaiting'] = { parked: [], waiting: [] };
  for (const r of row.awaiting ?? []) {
    awaiting[r.list].push({
      id: r.id,
      title: r.title,
      currentStage: r.current_stage,
      status: r.status,
      stageEnteredAt: at(r.stage_entered_at),
      parkedReason: r.parked_reason,
      waitingOnBudget: r.waiting_on_budget,
    });
  }
  return {
    marks: { services: row.services, kpis: row.kpis, jobs: row.jobs, incidents: row.incidents },
    cycle: cycle ? toCycle({ ...cycle, started_at: at(cycle.started_at), ended_at: atOrNull(cycle.ended_at), shutdown_at: atOrNull(cycle.shutdown_at) }) : undefined,
    buckets: (row.buckets ?? []).map(toBucket),
    counts: row.counts ?? [],
    stuck: (row.stuck ?? []).map((r) => ({ ...r, stage_entered_at: at(r.stage_entered_at) })),
    awaiting,
  };
}
