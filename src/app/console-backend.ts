/**
 * The real `ConsoleApi`: what the operator console reads and does, built over the app (composition
 * level: it is the one place that knows every module the console shows). The snapshot, one per refresh,
 * is read by `console-snapshot.ts`; here are the actions: every one checks read-only, is audited with the
 * operator, and reports a one-line result for the console to show.
 */
import type { App } from './app.js';
import type { ActionResult, ConsoleApi, IdeaDetailView, ResetPreview } from '../core/console-api.js';
import { JobFailedError, toError } from '../core/errors.js';
import { formatDollars } from '../core/money.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Stage } from '../core/types.js';
import * as budgetOps from './operations/budget.js';
import * as consoleOps from './operations/console.js';
import * as backupOps from './operations/backups.js';
import * as campaignOps from './operations/campaigns.js';
import * as healthOps from './operations/health.js';
import * as ideaOps from './operations/ideas.js';
import * as incidentOps from './operations/incidents.js';
import * as jobOps from './operations/jobs.js';
import { withVisibleControls } from '../core/terminal-text.js';
import { createSnapshotReader } from './console-snapshot.js';

export { FULL_READ_EVERY_MS, LOG_SCROLLBACK, UNCHANGED_REUSE_MS } from './console-snapshot.js';

export interface ConsoleBackendOptions {
  readOnly: boolean;
  /** The scheduler this console hosts (embedded mode), if any: jobs run through it. */
  scheduler?: Scheduler;
  /** Every job definition known to this install (for the jobs panel when no scheduler is hosted). */
  jobNames?: string[];
  /**
   * Read the slow panels (services, KPIs, jobs, incidents) again only when the change check says they
   * moved; `false` reads every panel on every refresh (the bench's baseline).
   * @default true, unless STUDIO_CONSOLE_READS=every is set (bench/console-idle-server.bench.ts)
   */
  changeCheck?: boolean;
}

const refused = (what: string): ActionResult => ({ ok: false, message: `read-only console: ${what} refused (start without --read-only to act)` });

export async function createConsoleBackend(app: App, options: ConsoleBackendOptions): Promise<ConsoleApi> {
  const { db, config, clock } = app;
  const operator = config.operator;
  const { readIncidentTimeline } = await import('../ops/health/console-views.js');
  const registry = options.scheduler?.registry ?? (await jobOps.loadJobRegistry(app));
  const changeCheck = options.changeCheck ?? process.env.STUDIO_CONSOLE_READS !== 'every';

  // The session starts: remember it, so the next session can say what happened meanwhile — counted from
  // the end of the previous session (its console.session.end row), or its start when it never ended cleanly.
  const lastSeen = await consoleOps.startConsoleSession(app, operator, { readOnly: options.readOnly });

  // after the session row: the header's "slots missed" counts from this console's start
  const snapshot = await createSnapshotReader(app, { readOnly: options.readOnly, scheduler: options.scheduler, registry, changeCheck });

  async function attempt(what: string, fn: () => Promise<string>): Promise<ActionResult> {
    if (options.readOnly) return refused(what);
    try {
      return { ok: true, message: await fn() };
    } catch (error) {
      app.logger.warn({ err: error, action: what }, 'console: action failed');
      return { ok: false, message: toError(error).message.replace(/^studio: /, '') };
    }
  }

  const api: ConsoleApi = {
    snapshot,

    async awaySummary() {
      if (!lastSeen) return null;
      const since = lastSeen;
      const a = await consoleOps.activitySinceLastSession(app, since);
      const ago = Math.round((clock.now() - since.getTime()) / 60_000);
      const when = ago < 120 ? `${ago} min` : ago < 2880 ? `${Math.round(ago / 60)} h` : `${Math.round(ago / 1440)} d`;
      return (
        `(since ${since.toISOString().slice(5, 16).replace('T', ' ')} UTC, ${when}): ${a.incidentsOpened} incident(s) opened, ${a.ideasCompleted} idea(s) completed, ` +
        `${a.jobRunsFailed} job run(s) failed, ${formatDollars(a.spentCents)} spent`
      );
    },

    async ideaDetail(id: string): Promise<IdeaDetailView> {
      const { ideaDetail, toIdeaDetailView } = await import('../pipeline/ideas/service.js');
      return toIdeaDetailView(await ideaDetail(db, config, id));
    },

    async jobHistory(name: string, limit = 20) {
      const runs = await jobOps.jobHistory(app, { registry, name, limit });
      return runs.map((r) => ({
        scheduledFor: r.scheduledFor,
        status: r.status,
        durationMs: r.durationMs ?? null,
        error: r.error ?? null,
        host: r.host ?? '',
        trigger: r.manual ? 'manual' : r.catchUp ? 'catch-up' : 'schedule',
        operator: r.operator,
        summary: runSummary(r.output),
      }));
    },

    incidentTimeline: (id: number) => readIncidentTimeline(db, id),

    budgetByOperation: () => budgetOps.budgetByOperation(app, 20),

    stageIdeas: (stage: Stage, limit?: number) => ideaOps.stageIdeas(app, stage, clock.date(), limit),

    async previewReset(ideaId: string, toStage: Stage): Promise<ResetPreview> {
      const { previewReset } = await import('../pipeline/ideas/service.js');
      const plan = await previewReset(db, config, ideaId, toStage);
      return { ideaId: plan.ideaId, fromStage: plan.fromStage, toStage: plan.toStage, rerun: plan.rerun, estimatedCents: plan.estimatedCents };
    },

    resetIdea: (ideaId: string, toStage: Stage) =>
      attempt('reset idea', async () => {
        const plan = await ideaOps.resetIdea(app, operator, { id: ideaId, stage: toStage, reason: 'from the console' });
        return `idea ${plan.ideaId.slice(0, 8)} reset to ${plan.toStage}; ${plan.rerun.join(', ')} will run again (~${formatDollars(plan.estimatedCents)})`;
      }),

    advanceIdea: (ideaId: string, toStage: Stage) =>
      attempt('advance idea', async () => {
        await ideaOps.advanceIdea(app, operator, { id: ideaId, stage: toStage });
        return `idea ${ideaId.slice(0, 8)} moved to ${toStage}`;
      }),

    resumeBudget: (reason: string) =>
      attempt('budget resume', async () => {
        const result = await budgetOps.resumeBudget(app, operator, { reason, confirm: true });
        return `emergency shutdown cleared for ${result.cycleId}` + (result.stillOverCap.length ? `; still at cap: ${result.stillOverCap.join(', ')}` : '');
      }),

    runJob: (name: string, onProgress?: (message: string) => void) =>
      attempt(`run ${name}`, async () => {
        onProgress?.(`running ${name}…`);
        // hosted scheduler (embedded): through it; otherwise here, as its own node, like studio jobs run
        const { outcome } = await jobOps.runJobNow(app, operator, { name, scheduler: options.scheduler, registry, via: 'console' });
        if (outcome.status !== 'succeeded') throw new JobFailedError(`${name} ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}`, name);
        return `${name} succeeded in ${outcome.durationMs ?? 0} ms`;
      }),

    pauseJob: (name: string) =>
      attempt(`pause ${name}`, async () => {
        const result = await jobOps.pauseJob(app, operator, { registry, name, reason: 'from the console' });
        return result.changed ? `${name} paused (every scheduler sees it)` : `${name} was already paused`;
      }),

    resumeJob: (name: string) =>
      attempt(`resume ${name}`, async () => {
        const result = await jobOps.resumeJob(app, operator, { registry, name, reason: 'from the console' });
        return result.changed ? `${name} resumed` : `${name} was not paused`;
      }),

    pauseAllCampaigns: (reason: string) =>
      attempt('pause all campaigns', async () => {
        const result = await campaignOps.pauseCampaigns(app, operator, { all: true, reason });
        return `${result.changed.length} campaign(s) paused` + (result.skipped.length ? `; ${result.skipped.length} could not be: ${result.skipped[0]!.why}` : '');
      }),

    backupNow: (onProgress?: (message: string) => void) =>
      attempt('back up now', async () => {
        const { created, verified } = await backupOps.backupNow(app, operator, {
          verify: true,
          onProgress: (p) => onProgress?.(`backup: ${Math.round(p.bytesWritten / 1024)} kB, ${p.tablesDone}/${p.tablesTotal} tables${p.currentTable ? ` (${p.currentTable})` : ''}`),
          onVerifying: (id) => onProgress?.(`verifying ${id} (restore drill)…`),
        });
        return `backup ${created.id} written and ${verified?.status === 'ok' ? 'verified' : `FAILED verification: ${verified?.error ?? ''}`}`;
      }),

    ackIncident: (id: number) =>
      attempt(`ack incident ${id}`, async () => {
        const { incident } = await incidentOps.ackIncident(app, operator, { id });
        return `incident ${incident.id} acknowledged`;
      }),

    resolveIncident: (id: number, note: string) =>
      attempt(`resolve incident ${id}`, async () => {
        const { incident } = await incidentOps.resolveIncident(app, operator, { id, note });
        return `incident ${incident.id} resolved`;
      }),

    runHealthCheck: () =>
      attempt('health check', async () => {
        const report = await healthOps.runHealthCheckNow(app);
        return `health: ${report.level}${report.services.filter((s) => s.level !== 'HEALTHY').map((s) => `; ${s.name} ${s.level}: ${s.reason}`).join('')}`;
      }),

    async close() {
      // the session ends: the next one counts "while you were away" from here (the app itself, database
      // and log, is closed by whoever created it)
      await consoleOps.endConsoleSession(app, operator).catch(() => undefined);
    },
  };
  // stored text (titles, errors, log lines) reaches the screen with its control characters made visible
  return withVisibleControls(api);
}

/** A run's output in one short line for the job history (its `summary` or `message` when it has one). */
function runSummary(output: unknown): string | null {
  if (output === null || output === undefined) return null;
  if (typeof output === 'string') return output.slice(0, 120);
  if (typeof output === 'object') {
    const o = output as Record<string, unknown>;
    for (const key of ['summary', 'message']) if (typeof o[key] === 'string') return (o[key] as string).slice(0, 120);
    const text = JSON.stringify(output);
    return text === '{}' ? null : text.slice(0, 120);
  }
  return String(output);
}
