/**
 * The real `ConsoleApi`: what the operator console reads and does, built over the app (composition
 * level: it is the one place that knows every module the console shows). One snapshot per refresh from
 * indexed queries and small rollups; every action checks read-only, is audited with the operator, and
 * reports a one-line result for the console to show.
 */
import type { App } from './app.js';
import type {
  ActionResult,
  BudgetView,
  CategoryView,
  ConsoleApi,
  ConsoleSnapshot,
  IdeaDetailView,
  JobView,
  PipelineView,
  ResetPreview,
} from './core/console-api.js';
import { toError } from './core/errors.js';
import { formatDollars } from './core/money.js';
import type { Scheduler } from './jobs/scheduler.js';
import type { BudgetSnapshot, CategoryStatus, EmbeddedOwner } from './core/ports.js';
import { BUDGET_CATEGORIES, worstLevel, type Stage } from './core/types.js';
import { recordAudit } from './storage/audit.js';
import { createBudgetProbe } from './ops/health/probes/budget.js';

export interface ConsoleBackendOptions {
  readOnly: boolean;
  /** The scheduler this console hosts (embedded mode), if any: jobs run through it. */
  scheduler?: Scheduler;
  /** Every job definition known to this install (for the jobs panel when no scheduler is hosted). */
  jobNames?: string[];
}

const refused = (what: string): ActionResult => ({ ok: false, message: `read-only console: ${what} refused (start without --read-only to act)` });

export async function createConsoleBackend(app: App, options: ConsoleBackendOptions): Promise<ConsoleApi> {
  const { db, config, clock } = app;
  const operator = config.operator;
  const [{ readServiceViews, readKpiViews, readIncidentViews, readIncidentTimeline, tailLogLines }, budgetStore, jobRuns, jobState, status, incidentStore] = await Promise.all([
    import('./ops/health/console-views.js'),
    import('./storage/budget.js'),
    import('./storage/job-runs.js'),
    import('./storage/job-state.js'),
    import('./pipeline/status.js'),
    import('./storage/incidents.js'),
  ]);
  const { jobWiring } = await import('./app-jobs.js');
  const { createRegistry } = await import('./jobs/registry.js');
  const registry = options.scheduler?.registry ?? createRegistry((await jobWiring(app)).jobs, { host: 'console' });

  // The session starts: remember it, so the next session can say what happened meanwhile — counted from
  // the end of the previous session (its console.session.end row), or its start when it never ended cleanly.
  const previous = await db.query<{ at: Date }>(
    `select at from audit_log where action in ('console.session', 'console.session.end') and operator = $1 order by id desc limit 1`,
    [operator.user],
  );
  const lastSeen = previous.rows[0]?.at ?? null;
  await recordAudit(db, { operator: operator.user, sshClient: operator.sshClient, action: 'console.session', details: { readOnly: options.readOnly } });

  // A read-only console on the embedded database holds it alone: no scheduler can run meanwhile. Say so in
  // the header, with the slots missed since this console opened (the database is a client of it later).
  const sessionStart = clock.now();
  const holdsEmbeddedAlone = options.readOnly && !options.scheduler && config.mode === 'embedded';
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

  const audit = (action: string, target?: string, reason?: string, details?: Record<string, unknown>) =>
    recordAudit(db, { operator: operator.user, sshClient: operator.sshClient, action, target, reason, details });

  async function attempt(what: string, fn: () => Promise<string>): Promise<ActionResult> {
    if (options.readOnly) return refused(what);
    try {
      return { ok: true, message: await fn() };
    } catch (error) {
      app.logger.warn({ err: error, action: what }, 'console: action failed');
      return { ok: false, message: toError(error).message.replace(/^studio: /, '') };
    }
  }

  function budgetView(s: BudgetSnapshot, shutdownReason: string | null): BudgetView {
    const view = (name: CategoryView['name'], c: CategoryStatus): CategoryView => ({
      name,
      allocatedCents: c.allocatedCents,
      spentCents: c.spentCents,
      reservedCents: c.reservedCents,
      usagePct: c.usagePercentage,
      level: c.level,
    });
    // cycle-average burn: two numbers already in the snapshot, no scan of the ledger per refresh
    const hours = Math.max(1, (clock.now() - s.cycleStart.getTime()) / 3_600_000);
    const burn = Math.round(s.total.spentCents / hours);
    return {
      cycleId: s.cycleId,
      cycleStart: s.cycleStart,
      level: s.level,
      total: view('total', s.total),
      categories: BUDGET_CATEGORIES.map((name) => view(name, s.categories[name])),
      burnRateCentsPerHour: burn,
      projectedCapAt: burn > 0 ? new Date(clock.now() + (s.total.remainingCents / burn) * 3_600_000) : null,
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

  async function jobsView(now: Date): Promise<JobView[]> {
    const panel = await jobRuns.jobPanel(db, registry.jobs);
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

  async function pipelineView(now: Date): Promise<PipelineView> {
    return status.readPipelineView(db, config, now);
  }

  const api: ConsoleApi = {
    async snapshot(): Promise<ConsoleSnapshot> {
      const started = performance.now();
      const now = clock.date();
      // the panels are independent reads: issued together, a server pool answers them on several
      // connections at once (the refresh costs about its slowest chain, not the sum of a dozen round
      // trips); PGlite, one connection, simply runs them in turn
      const [{ budget, cycle }, services, kpis, pipeline, jobs, incidents, incidentCounts] = await Promise.all([
        app.budget.snapshot().then(async (budget) => ({
          budget,
          cycle: budget.emergencyShutdown ? await budgetStore.getCycle(db, budget.cycleId) : undefined,
        })),
        readServiceViews(db),
        readKpiViews(db, now),
        pipelineView(now),
        jobsView(now),
        // open ones first, then the recently resolved (shown as resolved); the counts come from the database
        readIncidentViews(db, 40),
        incidentStore.incidentCounts(db, new Date(now.getTime() - 86_400_000)),
      ]);
      // the budget row of the services panel from the same live snapshot as the budget panel, not the
      // last health check's (up to one check interval old: it showed "total 0.0%" beside a live 31.9%)
      const live = await createBudgetProbe({ snapshot: async () => budget }).probe(new AbortController().signal);
      const serviceRows = services.services.map((s) => (s.name === 'budget' ? { ...s, level: live.level, reason: live.reason, checkedAt: now } : s));
      const readMs = performance.now() - started;
      const logs = tailLogLines(config.paths.logFile, 60);
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
          ...(holdsEmbeddedAlone
            ? { schedulerNote: `no scheduler: this read-only console holds the embedded database (${missedSlots(now)} job slot(s) missed since ${new Date(sessionStart).toISOString().slice(11, 16)} UTC)` }
            : {}),
        },
        budget: budgetView(budget, cycle?.shutdownReason ?? null),
        services: serviceRows,
        kpis,
        pipeline,
        jobs,
        incidents,
        incidentCounts: { open: incidentCounts.open, resolved24h: incidentCounts.resolvedSince },
        logs,
      };
    },

    async awaySummary() {
      if (!lastSeen) return null;
      const since = lastSeen;
      const [incidents, completed, failedJobs, spend] = await Promise.all([
        db.query<{ n: number }>('select count(*)::int as n from incidents where opened_at > $1', [since]),
        db.query<{ n: number }>('select count(*)::int as n from ideas where completed_at > $1', [since]),
        db.query<{ n: number }>("select count(*)::int as n from job_runs where claimed_at > $1 and status in ('failed', 'timed_out', 'missed')", [since]),
        db.query<{ c: number | null }>("select sum(amount_cents)::bigint as c from spend_ledger where state = 'settled' and settled_at > $1", [since]),
      ]);
      const ago = Math.round((clock.now() - since.getTime()) / 60_000);
      const when = ago < 120 ? `${ago} min` : ago < 2880 ? `${Math.round(ago / 60)} h` : `${Math.round(ago / 1440)} d`;
      return (
        `(since ${since.toISOString().slice(5, 16).replace('T', ' ')} UTC, ${when}): ${incidents.rows[0]!.n} incident(s) opened, ${completed.rows[0]!.n} idea(s) completed, ` +
        `${failedJobs.rows[0]!.n} job run(s) failed, ${formatDollars(Number(spend.rows[0]!.c ?? 0))} spent`
      );
    },

    async ideaDetail(id: string): Promise<IdeaDetailView> {
      const { ideaDetail, toIdeaDetailView } = await import('./pipeline/ideas/service.js');
      return toIdeaDetailView(await ideaDetail(db, config, id));
    },

    async jobHistory(name: string, limit = 20) {
      const job = registry.has(name) ? registry.get(name) : undefined;
      const runs = await jobRuns.listRuns(db, { job: job?.key ?? name, limit });
      return runs.map((r) => ({ scheduledFor: r.scheduledFor, status: r.status, durationMs: r.durationMs ?? null, error: r.error ?? null, host: r.host ?? '' }));
    },

    incidentTimeline: (id: number) => readIncidentTimeline(db, id),

    async budgetByOperation() {
      const s = await app.budget.snapshot();
      return budgetStore.topOperations(db, s.cycleId, 20);
    },

    async previewReset(ideaId: string, toStage: Stage): Promise<ResetPreview> {
      const { previewReset } = await import('./pipeline/ideas/service.js');
      const plan = await previewReset(db, config, ideaId, toStage);
      return { ideaId: plan.ideaId, fromStage: plan.fromStage, toStage: plan.toStage, rerun: plan.rerun, estimatedCents: plan.estimatedCents };
    },

    resetIdea: (ideaId: string, toStage: Stage) =>
      attempt('reset idea', async () => {
        const { resetIdea } = await import('./pipeline/ideas/service.js');
        const plan = await resetIdea(db, config, ideaId, toStage, { confirm: true, operator, reason: 'from the console' });
        return `idea ${plan.ideaId.slice(0, 8)} reset to ${plan.toStage}; ${plan.rerun.join(', ')} will run again (~${formatDollars(plan.estimatedCents)})`;
      }),

    resumeBudget: (reason: string) =>
      attempt('budget resume', async () => {
        const result = await app.budget.resume({ operator, reason, confirm: true });
        return `emergency shutdown cleared for ${result.cycleId}` + (result.stillOverCap.length ? `; still at cap: ${result.stillOverCap.join(', ')}` : '');
      }),

    runJob: (name: string, onProgress?: (message: string) => void) =>
      attempt(`run ${name}`, async () => {
        onProgress?.(`running ${name}…`);
        if (options.scheduler) {
          const outcome = await options.scheduler.runNow(name, operator.user);
          if (outcome.status !== 'succeeded') throw new Error(`${name} ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}`);
          return `${name} succeeded in ${outcome.durationMs ?? 0} ms`;
        }
        // no hosted scheduler (server mode): run it here, recorded like a scheduled run
        const { createScheduler } = await import('./jobs/scheduler.js');
        const { jobWiring, schedulerSettings } = await import('./app-jobs.js');
        const scheduler = createScheduler({ db, logger: app.logger, jobs: (await jobWiring(app)).jobs, settings: schedulerSettings(app), clock });
        const outcome = await scheduler.runNow(name, operator.user);
        if (outcome.status !== 'succeeded') throw new Error(`${name} ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}`);
        return `${name} succeeded in ${outcome.durationMs ?? 0} ms`;
      }),

    pauseJob: (name: string) =>
      attempt(`pause ${name}`, async () => {
        registry.get(name);
        await jobState.setPaused(db, { job: name, paused: true, now: clock.date(), by: operator.user, reason: 'from the console' });
        await audit('job.pause', name, 'from the console');
        return `${name} paused (every scheduler sees it)`;
      }),

    resumeJob: (name: string) =>
      attempt(`resume ${name}`, async () => {
        registry.get(name);
        await jobState.setPaused(db, { job: name, paused: false, now: clock.date(), by: operator.user });
        await audit('job.resume', name);
        return `${name} resumed`;
      }),

    pauseAllCampaigns: (reason: string) =>
      attempt('pause all campaigns', async () => {
        const { pauseAllCampaigns } = await import('./pipeline/campaigns.js');
        const paused = await pauseAllCampaigns({ db, ads: app.providers.ads, logger: app.logger, analytics: app.providers.analytics }, reason, operator);
        return `${paused} campaign(s) paused`;
      }),

    backupNow: (onProgress?: (message: string) => void) =>
      attempt('back up now', async () => {
        const { createBackup, verifyBackup } = await import('./ops/backup/service.js');
        const deps = { config, db, logger: app.logger, clock };
        const created = await createBackup(deps, {
          kind: 'manual',
          onProgress: (p) => onProgress?.(`backup: ${Math.round(p.bytesWritten / 1024)} kB, ${p.tablesDone}/${p.tablesTotal} tables${p.currentTable ? ` (${p.currentTable})` : ''}`),
        });
        onProgress?.(`verifying ${created.id} (restore drill)…`);
        const verified = await verifyBackup(deps, created.id);
        await audit('backup.create', created.id, 'from the console');
        return `backup ${created.id} written and ${verified.status === 'ok' ? 'verified' : `FAILED verification: ${verified.error ?? ''}`}`;
      }),

    ackIncident: (id: number) =>
      attempt(`ack incident ${id}`, async () => {
        const { acknowledgeIncident } = await import('./ops/incidents/incidents.js');
        const { createNotifiers } = await import('./providers/notify/index.js');
        const incident = await acknowledgeIncident(db, id, { operator, clock, channels: createNotifiers(config).map((n) => n.channel) });
        return `incident ${incident.id} acknowledged`;
      }),

    resolveIncident: (id: number, note: string) =>
      attempt(`resolve incident ${id}`, async () => {
        const { resolveIncident } = await import('./ops/incidents/incidents.js');
        const { createNotifiers } = await import('./providers/notify/index.js');
        const incident = await resolveIncident(db, id, note, { operator, clock, channels: createNotifiers(config).map((n) => n.channel) });
        return `incident ${incident.id} resolved`;
      }),

    runHealthCheck: () =>
      attempt('health check', async () => {
        const { runHealthCheck } = await import('./ops/health/check.js');
        const { createNotifiers } = await import('./providers/notify/index.js');
        const { extraHealthProbes } = await import('./app-jobs.js');
        const notifiers = createNotifiers(config);
        try {
          const result = await runHealthCheck({ db, config, logger: app.logger, clock, probes: await extraHealthProbes(app), notifiers });
          return `health: ${result.report.level}${result.report.services.filter((s) => s.level !== 'HEALTHY').map((s) => `; ${s.name} ${s.level}: ${s.reason}`).join('')}`;
        } finally {
          await Promise.all(notifiers.map((n) => n.close?.()));
        }
      }),

    async close() {
      // the session ends: the next one counts "while you were away" from here (the app itself, database
      // and log, is closed by whoever created it)
      await recordAudit(db, { operator: operator.user, sshClient: operator.sshClient, action: 'console.session.end' }).catch(() => undefined);
    },
  };
  return api;
}

/** The header's view of the embedded database's owner (nothing in server mode). */
function ownerView(owner: EmbeddedOwner | undefined): ConsoleSnapshot['header']['owner'] {
  return owner ? { pid: owner.pid, command: owner.command, since: owner.since, clients: owner.clients, self: owner.self } : undefined;
}
