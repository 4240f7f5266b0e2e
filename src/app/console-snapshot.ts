/**
 * The console's snapshot: every panel's view read from the database, one snapshot per refresh (the
 * reading half of `console-backend.ts`, which keeps the actions). An idle refresh is one small statement:
 * embedded, nothing committed since the last refresh (`pg_current_snapshot()`) means the last rows still
 * stand; otherwise one statement composes the change check and the panels read every refresh
 * (src/storage/console-changes.ts), and a slow panel is read again only when its fingerprint moved.
 */
import type { App } from './app.js';
import type { BudgetView, CategoryView, ConsoleSnapshot, JobView, PipelineView } from '../core/console-api.js';
import type { BudgetSnapshot, CategoryStatus, EmbeddedOwner } from '../core/ports.js';
import { BUDGET_CATEGORIES, worstLevel } from '../core/types.js';
import type { Scheduler } from '../jobs/scheduler.js';
import { createBudgetProbe } from '../ops/health/probes/budget.js';
import type { BurnRate } from '../pipeline/budget/burn-rate.js';
import type { ConsoleRefresh } from '../storage/console-changes.js';
import * as budgetOps from './operations/budget.js';
import * as ideaOps from './operations/ideas.js';
import * as jobOps from './operations/jobs.js';

/** Log lines the console keeps (the Logs panel's scrollback). */
export const LOG_SCROLLBACK = 500;

/**
 * The slow panels are read in full at least this often even when their fingerprints stay the same (a
 * backstop: the check compares what the same statements return, so it should never be needed). @default 60 s
 */
export const FULL_READ_EVERY_MS = 60_000;
/**
 * With nothing committed since the last refresh its rows are shown again, but read at least this often:
 * what changes with time alone (an idea passing the stuck threshold, the 24 h windows) shows this late at
 * most. @default 30 s
 */
export const UNCHANGED_REUSE_MS = 30_000;
/** Incidents the panel lists (open first, then the latest resolved). */
const INCIDENTS_LISTED = 40;
/** Points of each KPI's sparkline (its newest samples of the last 24 h). */
const KPI_POINTS = 48;
/** Parked and budget-waiting ideas read per list (ideasAwaitingOperator's default). */
const AWAITING_LISTED = 50;

export interface SnapshotReaderOptions {
  readOnly: boolean;
  /** The scheduler this console hosts, if any. */
  scheduler?: Scheduler;
  /** The jobs of the panel. */
  registry: jobOps.Registry;
  /** `false` reads every panel by its own statements on every refresh (the bench's baseline). */
  changeCheck: boolean;
}

/** A function that reads one snapshot of everything the console shows. */
export async function createSnapshotReader(app: App, options: SnapshotReaderOptions): Promise<() => Promise<ConsoleSnapshot>> {
  const { db, config, clock } = app;
  const operator = config.operator;
  const { registry, changeCheck } = options;
  const [{ readServiceViews, readKpiViews, readIncidentViews, tailLogLines }, status, incidentStore, { readConsoleRefresh }, { snapshotOf }] = await Promise.all([
    import('../ops/health/console-views.js'),
    import('../pipeline/status.js'),
    import('../storage/incidents.js'),
    import('../storage/console-changes.js'),
    import('../pipeline/budget/status.js'),
  ]);

  // A read-only console on the embedded database holds it alone: no scheduler can run meanwhile. Say so in
  // the header, with the slots missed since this console opened (the database is a client of it later).
  const sessionStart = clock.now();
  // only while this process owns the database: as a client of another owner, the owner may run the scheduler
  // (the Services panel's scheduler row says whether one runs)
  const holdsEmbeddedAlone = () => options.readOnly && !options.scheduler && config.mode === 'embedded' && (db.embeddedOwner?.()?.self ?? true);
  function missedSlots(now: Date): number {
    let missed = 0;
    for (const job of registry.jobs) {
      let at: Date | null = new Date(sessionStart);
      for (let i = 0; i < 10_000; i++) {
        at = job.pattern.nextRun(at) ?? null;
        if (!at || at.getTime() > now.getTime()) break;
        missed++;
      }
    }
    return missed;
  }

  // The burn rate is the one definition `budget status --detailed` prints (the last 24 h); a rate over a
  // day barely moves in a minute, so it is read at most once a minute, not on every refresh.
  let burn: { at: number; cycleId: string; rate: BurnRate } | undefined;
  async function burnRate(s: BudgetSnapshot): Promise<BurnRate> {
    if (!burn || burn.cycleId !== s.cycleId || !readWithin(burn.at, clock.now(), 60_000)) {
      burn = { at: clock.now(), cycleId: s.cycleId, rate: await budgetOps.budgetBurnRate(app, s) };
    }
    return burn.rate;
  }

  function budgetView(s: BudgetSnapshot, shutdownReason: string | null, rate: BurnRate): BudgetView {
    const view = (name: CategoryView['name'], c: CategoryStatus): CategoryView => ({
      name,
      allocatedCents: c.allocatedCents,
      spentCents: c.spentCents,
      reservedCents: c.reservedCents,
      usagePct: c.usagePercentage,
      level: c.level,
    });
    const burnCents = rate.burnRateCentsPerHour;
    return {
      cycleId: s.cycleId,
      cycleStart: s.cycleStart,
      level: s.level,
      total: view('total', s.total),
      categories: BUDGET_CATEGORIES.map((name) => view(name, s.categories[name])),
      burnRateCentsPerHour: burnCents,
      // projected from the snapshot's own remaining money, so it matches the bars beside it
      projectedCapAt: burnCents > 0 ? new Date(clock.now() + (s.total.remainingCents / burnCents) * 3_600_000) : null,
      emergencyShutdown: s.emergencyShutdown,
      circuitBreakerActive: s.circuitBreakerActive,
      shutdownReason,
    };
  }

  // A job's next run is the same for every refresh until that time comes: computed once per slot, not
  // walked through the cron pattern on every refresh.
  const nextRuns = new Map<string, { from: number; next: Date | null }>();
  function nextRunAt(job: (typeof registry.jobs)[number], now: Date): Date | null {
    const known = nextRuns.get(job.name);
    if (known && now.getTime() >= known.from && (known.next === null || now.getTime() < known.next.getTime())) return known.next;
    const next = job.pattern.nextRun(now) ?? null;
    nextRuns.set(job.name, { from: now.getTime(), next });
    return next;
  }

  function jobsView(panel: Awaited<ReturnType<typeof jobOps.jobPanel>>, now: Date): JobView[] {
    return registry.jobs.map((job) => {
      const run = panel.get(job.key)?.run;
      return {
        name: job.name,
        schedule: job.schedule,
        paused: panel.get(job.key)?.paused ?? false,
        running: run?.status === 'running',
        lastRunAt: run?.startedAt ?? run?.scheduledFor ?? null,
        lastStatus: run?.status ?? null,
        lastDurationMs: run?.durationMs ?? null,
        nextRunAt: nextRunAt(job, now),
        lastError: run?.error ?? null,
        progress: run?.status === 'running' ? (run.progress ?? null) : null,
      };
    });
  }

  // The slow panels change a few times an hour (a health check, a job run, an incident): each refresh asks
  // the server for their fingerprints and reads in full only the panels whose fingerprint moved. The
  // fingerprints are read first and kept with the rows read after them, so a change landing between the
  // two shows as a moved fingerprint next time (one read too many, never one too few), and a panel kept
  // from an earlier read is as current as this refresh's check says: 'data as of' stays true.
  const readers = {
    services: () => readServiceViews(db),
    kpis: (now: Date) => readKpiViews(db, now, KPI_POINTS),
    jobs: () => jobOps.jobPanel(app, registry),
    incidents: (now: Date) =>
      Promise.all([readIncidentViews(db, INCIDENTS_LISTED), incidentStore.incidentCounts(db, new Date(now.getTime() - 86_400_000))]),
  };
  type SlowPart = keyof typeof readers;
  type SlowParts = { [P in SlowPart]: Awaited<ReturnType<(typeof readers)[P]>> };
  type Marks = { [P in SlowPart]: string };
  const kept: { [P in SlowPart]?: { mark: string; readAt: number; value: SlowParts[P] } } = {};
  async function slowParts(now: Date, marks: Marks | null): Promise<SlowParts> {
    async function part<P extends SlowPart>(name: P): Promise<SlowParts[P]> {
      const known = kept[name];
      const mark = marks?.[name];
      if (known && mark !== undefined && known.mark === mark && readWithin(known.readAt, now.getTime(), FULL_READ_EVERY_MS)) {
        return known.value;
      }
      const value = (await readers[name](now)) as SlowParts[P];
      if (mark !== undefined) kept[name] = { mark, readAt: now.getTime(), value } as (typeof kept)[P];
      return value;
    }
    const [services, kpis, jobs, incidents] = await Promise.all([part('services'), part('kpis'), part('jobs'), part('incidents')]);
    return { services, kpis, jobs, incidents };
  }

  /** The parked and budget-waiting ideas not already listed as stuck, after the stuck ones, with their reason. */
  function withAwaiting(view: PipelineView, awaiting: ReturnType<typeof ideaOps.awaitingOperator>): PipelineView {
    const listed = new Set(view.stuck.map((s) => s.id));
    return { ...view, stuck: [...view.stuck, ...awaiting.filter((a) => !listed.has(a.id))] };
  }

  type Budgeted = { budget: BudgetSnapshot; shutdownReason: string | null; rate: BurnRate };
  const budgetRead = async (budget: BudgetSnapshot, shutdownReason?: string | null): Promise<Budgeted> => ({
    budget,
    shutdownReason: shutdownReason !== undefined ? shutdownReason : await budgetOps.shutdownReason(app, budget),
    rate: await burnRate(budget),
  });

  /** Every panel read by its own statements (STUDIO_CONSOLE_READS=every: the bench's baseline). */
  async function readEvery(now: Date): Promise<[Budgeted, PipelineView, SlowParts]> {
    // the panels are independent reads: issued together, a server pool answers them on several
    // connections at once; PGlite, one connection, simply runs them in turn
    return Promise.all([
      app.budget.snapshot().then((budget) => budgetRead(budget)),
      Promise.all([status.readPipelineView(db, config, now), ideaOps.ideasAwaitingOperator(app, now, AWAITING_LISTED)]).then(([view, awaiting]) => withAwaiting(view, awaiting)),
      slowParts(now, null),
    ]);
  }

  /**
   * One statement for an idle refresh (src/storage/console-changes.ts): the change check and the panels
   * read every refresh, decoded by the same functions as their own reads. Besides it only what is due: the
   * budget's lapsed-lease reaper (every 30 s, before the read, as the sentinel's snapshot does it), the
   * burn rate (once a minute), a slow panel whose fingerprint moved.
   */
  async function readChecked(now: Date): Promise<[Budgeted, PipelineView, SlowParts]> {
    await app.budget.maybeReap();
    const r = await refreshRows(now);
    const pipeline = withAwaiting(status.pipelineViewOf(r, config, now), ideaOps.awaitingOperator(r.awaiting, now));
    return Promise.all([
      // no open cycle: the sentinel opens one, as its own snapshot does
      r.cycle ? budgetRead(snapshotOf(r.cycle, r.buckets), r.cycle.emergencyShutdown ? r.cycle.shutdownReason : null) : app.budget.snapshot().then((budget) => budgetRead(budget)),
      pipeline,
      slowParts(now, r.marks),
    ]);
  }

  // Nothing committed anywhere since the last refresh: the database's transaction snapshot
  // (`pg_current_snapshot()`, xmin:xmax:in-progress) is the same text. A transaction that writes takes a
  // transaction id, so the next id (xmax) moves when one starts writing and xmin / the in-progress list
  // when it ends; reads take none. Then the rows of the last refresh are still the rows, and the refresh
  // statement (every panel's read, run inside the database: ~18 ms of this process's CPU a second when
  // PGlite is in it) is skipped. The snapshot is read before the rows it vouches for, so a write landing
  // between the two is seen next time (one read too many, never one too few). What moves with time alone
  // (an idea passing the stuck threshold, the 24 h windows) is read again at least every
  // UNCHANGED_REUSE_MS.
  // Embedded only: there the refresh statement runs in this process (or in the owner's, for a console
  // that is a client of another), and every write goes through one owner. On PostgreSQL the statement
  // runs in the server, and its transaction ids are the whole cluster's: any other database's writes would
  // make the check a second round trip.
  const skipUnchanged = config.mode === 'embedded';
  let lastRefresh: { xacts: string; at: number; rows: ConsoleRefresh } | undefined;
  async function refreshRows(now: Date): Promise<ConsoleRefresh> {
    const xacts = skipUnchanged ? (await db.query<{ s: string }>('select pg_current_snapshot()::text as s', [], { prepare: 'console_xacts' })).rows[0]!.s : null;
    const known = lastRefresh;
    if (xacts !== null && known && known.xacts === xacts && readWithin(known.at, now.getTime(), UNCHANGED_REUSE_MS)) return known.rows;
    const dayAgo = new Date(now.getTime() - 86_400_000);
    const rows = await readConsoleRefresh(db, {
      kpiSince: dayAgo,
      kpiLimit: KPI_POINTS,
      jobs: registry.jobs,
      incidentLimit: INCIDENTS_LISTED,
      resolvedSince: dayAgo,
      now,
      stuckAfterMs: config.pipeline.stuckAfterMs,
      maxLapses: status.PANEL_STUCK.maxLapses,
      stuckLimit: status.PANEL_STUCK.limit,
      awaitingLimit: AWAITING_LISTED,
    });
    if (xacts !== null) lastRefresh = { xacts, at: now.getTime(), rows };
    return rows;
  }

  return async function snapshot(): Promise<ConsoleSnapshot> {
    const started = performance.now();
    const now = clock.date();
    const [{ budget, shutdownReason, rate }, pipeline, slow] = await (changeCheck ? readChecked(now) : readEvery(now));
    const { services, kpis } = slow;
    const jobs = jobsView(slow.jobs, now);
    // open ones first, then the recently resolved (shown as resolved); the counts come from the database
    const [incidents, incidentCounts] = slow.incidents;
    // the budget row of the services panel from the same live snapshot as the budget panel, not the
    // last health check's (up to one check interval old: it showed "total 0.0%" beside a live 31.9%)
    const live = await createBudgetProbe({ snapshot: async () => budget }).probe(new AbortController().signal);
    const serviceRows = services.services.map((s) => (s.name === 'budget' ? { name: s.name, level: live.level, reason: live.reason, live: true } : s));
    const readMs = performance.now() - started;
    const logs = tailLogLines(config.paths.logFile, LOG_SCROLLBACK);
    return {
      takenAt: now,
      readMs,
      header: {
        systemLevel: worstLevel(...serviceRows.map((r) => r.level), budget.level),
        mode: config.mode,
        location: db.location,
        operator: operator.user,
        sshClient: operator.sshClient,
        readOnly: options.readOnly,
        schedulerHosted: Boolean(options.scheduler),
        owner: ownerView(db.embeddedOwner?.()),
        ...(holdsEmbeddedAlone()
          ? { schedulerNote: `no scheduler: this read-only console holds the embedded database (${missedSlots(now)} job slot(s) missed since ${new Date(sessionStart).toISOString().slice(11, 16)} UTC)` }
          : {}),
      },
      budget: budgetView(budget, shutdownReason, rate),
      services: serviceRows,
      kpis,
      pipeline,
      jobs,
      incidents,
      incidentCounts: { open: incidentCounts.open, resolved24h: incidentCounts.resolvedSince },
      logs,
    };
  };
}

/** Something read at `at` may be shown again at `now`: less than `ms` ago, and the clock did not go back. */
function readWithin(at: number, now: number, ms: number): boolean {
  return now >= at && now - at < ms;
}

/** The header's view of the embedded database's owner (nothing in server mode). */
function ownerView(owner: EmbeddedOwner | undefined): ConsoleSnapshot['header']['owner'] {
  return owner ? { pid: owner.pid, command: owner.command, since: owner.since, clients: owner.clients, self: owner.self } : undefined;
}
