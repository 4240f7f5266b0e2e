/**
 * A made-up studio behind the `ConsoleApi`, for `studio console --demo` and the console's tests: the
 * world of `world.ts` served the way `console-backend.ts` serves the real database. Every action works
 * on that state, with progress for the long ones; budget levels come from `levelFor` with the configured
 * thresholds, as the real budget's do. Deterministic for a given seed and clock; the header says DEMO.
 * It knows nothing of storage. The CLI's console adapter creates it and hands it to the UI.
 */
import type { ActionResult, CategoryView, ConsoleApi, ConsoleSnapshot, JobView, ResetPreview } from '../../core/console-api.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { BUDGET_CATEGORIES, STAGES, STAGE_STATUS, worstLevel, type BudgetCategory, type Stage, type Status } from '../../core/types.js';
import { NotFoundError } from '../../core/errors.js';
import { loadConfig } from '../../core/config.js';
import { levelFor, type Thresholds } from '../../pipeline/budget/levels.js';
import { createDemoWorld, H, STAGE_COST, type DemoIdea } from './world.js';

export interface DemoBackendOptions {
  /** @default systemClock */
  clock?: Clock;
  /** Seed of the made-up data. @default 7 */
  seed?: number;
  /** Pause between progress steps of long actions (run job, backup), in ms. @default 400 */
  stepDelayMs?: number;
  operator?: string;
  sshClient?: string;
  readOnly?: boolean;
  /** @default true */
  schedulerHosted?: boolean;
  /** Start in emergency shutdown (to show the flags and try R). @default false */
  emergency?: boolean;
  /** The budget levels' thresholds. @default the settings' defaults (BUDGET_WARNING_PCT, ...) */
  thresholds?: Thresholds;
}

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

/** The thresholds of the default configuration (what an unconfigured studio uses). */
function defaultThresholds(): Thresholds {
  const { warningPct, criticalPct, emergencyPct } = loadConfig({ env: {}, dotenv: false }).budget;
  return { warningPct, criticalPct, emergencyPct };
}

export function createDemoBackend(options: DemoBackendOptions = {}): ConsoleApi {
  const clock = options.clock ?? systemClock;
  const stepDelay = options.stepDelayMs ?? 400;
  const operator = options.operator ?? 'operator';
  const thresholds = options.thresholds ?? defaultThresholds();
  const world = createDemoWorld({ clock, seed: options.seed ?? 7, operator, emergency: options.emergency ?? false });
  const { start, state, alloc, spent, reserved, operations, cycleStart, burnWindow, ideas, services, kpis, host, jobs, incidents, logs, log, advance } = world;

  const categoryView = (name: BudgetCategory | 'total', a: number, s: number, r: number): CategoryView => {
    const usagePct = a > 0 ? Number((((s + r) / a) * 100).toFixed(1)) : 0;
    return { name, allocatedCents: a, spentCents: s, reservedCents: r, usagePct, level: levelFor(s, a, thresholds) };
  };

  const snapshot = async (): Promise<ConsoleSnapshot> => {
    const t0 = performance.now();
    advance();
    const now = clock.now();
    const categories = BUDGET_CATEGORIES.map((c) => categoryView(c, alloc[c], spent[c], reserved[c]));
    const total = categoryView(
      'total',
      BUDGET_CATEGORIES.reduce((s, c) => s + alloc[c], 0),
      BUDGET_CATEGORIES.reduce((s, c) => s + spent[c], 0),
      BUDGET_CATEGORIES.reduce((s, c) => s + reserved[c], 0),
    );
    const budgetLevel = state.emergency ? 'EMERGENCY' : worstLevel(total.level, ...categories.map((c) => c.level));
    while (burnWindow.length && burnWindow[0]!.at < now - H) burnWindow.shift();
    const burn = state.emergency ? 0 : burnWindow.reduce((s, b) => s + b.cents, 0);
    const remaining = total.allocatedCents - total.spentCents - total.reservedCents;
    const budgetService = services[5]!;
    budgetService.level = budgetLevel;
    budgetService.reason = state.emergency ? `emergency shutdown: ${state.shutdownReason}` : budgetLevel === 'HEALTHY' ? 'within limits' : `${categories.find((c) => c.level === budgetLevel)?.name ?? 'total'} at ${budgetLevel}`;
    for (const s of services) s.checkedAt ??= new Date(now - 20_000);
    for (const k of kpis) {
      const v = k.value ?? 0;
      const [warn, crit] = k.name === 'pipeline completion' ? [4, 6] : k.name === 'database query' ? [500, 1000] : k.name === 'API response' ? [5, 10] : [70, 90];
      k.level = v > crit ? 'CRITICAL' : v > warn ? 'WARNING' : 'HEALTHY';
    }
    const stageCounts = STAGES.map((stage) => ({ stage, count: ideas.filter((i) => i.stage === stage).length }));
    const statuses = new Map<Status, number>();
    for (const i of ideas) statuses.set(STAGE_STATUS[i.stage], (statuses.get(STAGE_STATUS[i.stage]) ?? 0) + 1);
    const open = incidents.filter((i) => i.status !== 'resolved');
    const systemLevel = worstLevel(...services.map((s) => s.level));
    return {
      takenAt: new Date(now),
      readMs: performance.now() - t0,
      header: {
        systemLevel,
        mode: 'embedded',
        location: 'demo (no database)',
        operator,
        sshClient: options.sshClient,
        readOnly: options.readOnly ?? false,
        schedulerHosted: options.schedulerHosted ?? true,
        demo: true,
      },
      budget: {
        cycleId: 'cycle-2026-11',
        cycleStart: new Date(cycleStart),
        level: budgetLevel,
        total,
        categories,
        burnRateCentsPerHour: burn,
        projectedCapAt: burn > 0 && !state.emergency ? new Date(now + (remaining / burn) * H) : null,
        emergencyShutdown: state.emergency,
        circuitBreakerActive: state.emergency,
        shutdownReason: state.emergency ? state.shutdownReason : null,
      },
      services: services.map((s) => ({ ...s })),
      kpis: kpis.map((k) => ({ ...k, history: [...k.history] })),
      pipeline: {
        stages: stageCounts,
        statuses: [...statuses].map(([status, count]) => ({ status, count })),
        processing: Math.min(2, ideas.filter((i) => i.stage !== 'COMPLETE' && !i.stuckReason).length),
        queued: Math.max(0, ideas.filter((i) => i.stage !== 'COMPLETE' && !i.stuckReason).length - 2),
        waitingOnBudget: state.emergency ? ideas.filter((i) => i.stage !== 'COMPLETE').length : 1,
        parked: ideas.filter((i) => i.stuckReason?.startsWith('quality gate')).length,
        stuck: ideas
          .filter((i) => i.stuckReason)
          .map((i) => ({
            kind: i.stuckReason!.startsWith('quality gate') ? ('parked' as const) : i.stuckReason!.startsWith('waiting on budget') ? ('waiting' as const) : ('stuck' as const),
            id: i.id,
            title: i.title,
            stage: i.stage,
            status: STAGE_STATUS[i.stage],
            heldForMs: now - i.enteredAt,
            reason: i.stuckReason!,
          })),
        completedLast24h: state.completed24h,
      },
      jobs: jobs.map(
        (j): JobView => ({
          name: j.name,
          schedule: j.schedule,
          paused: j.paused,
          running: j.running,
          lastRunAt: j.lastRunAt === null ? null : new Date(j.lastRunAt),
          lastStatus: j.lastStatus,
          lastDurationMs: j.lastDurationMs,
          nextRunAt: j.paused ? null : new Date(j.nextRunAt),
          lastError: j.lastError,
          progress: j.progress,
        }),
      ),
      // the open ones, then the resolved ones (shown as resolved), with counts over all of them
      incidents: [...open, ...incidents.filter((i) => i.status === 'resolved')].map(({ timeline: _timeline, ...view }) => ({ ...view })),
      incidentCounts: {
        open: { P1: open.filter((i) => i.severity === 'P1').length, P2: open.filter((i) => i.severity === 'P2').length, P3: open.filter((i) => i.severity === 'P3').length, P4: open.filter((i) => i.severity === 'P4').length },
        resolved24h: incidents.filter((i) => i.status === 'resolved').length,
      },
      logs: logs.slice(-500),
    };
  };

  const findIdea = (id: string) => {
    const idea = ideas.find((i) => i.id === id);
    if (!idea) throw new NotFoundError(`demo: no idea ${id}`);
    return idea;
  };
  const findJob = (name: string) => {
    const j = jobs.find((x) => x.name === name);
    if (!j) throw new NotFoundError(`demo: no job ${name}`);
    return j;
  };
  const findIncident = (id: number) => {
    const inc = incidents.find((x) => x.id === id);
    if (!inc) throw new NotFoundError(`demo: no incident #${id}`);
    return inc;
  };
  const preview = (idea: DemoIdea, toStage: Stage): ResetPreview => {
    const from = STAGES.indexOf(toStage);
    const to = Math.max(from, STAGES.indexOf(idea.stage));
    const rerun = STAGES.slice(from, to + 1).filter((s) => s !== 'COMPLETE');
    return { ideaId: idea.id, fromStage: idea.stage, toStage, rerun, estimatedCents: rerun.reduce((s, st) => s + STAGE_COST[st], 0) };
  };
  const ok = (message: string): ActionResult => ({ ok: true, message });

  return {
    snapshot,
    async awaySummary() {
      return `(since ${new Date(start - 14 * H).toISOString().slice(5, 16).replace('T', ' ')} UTC): 14 ideas moved on, 3 completed, $3.12 spent, 2 incidents opened (1 resolved), backup ok, restore drill FAILED`;
    },
    async ideaDetail(id) {
      const idea = findIdea(id);
      const stageIndex = STAGES.indexOf(idea.stage);
      return {
        id: idea.id,
        title: idea.title,
        description: `${idea.title}: a ${idea.category} idea submitted through intake. Demo text: the problem is real, the market is large, and the founders are keen.`,
        category: idea.category,
        stage: idea.stage,
        status: STAGE_STATUS[idea.stage],
        progress: Math.min(1, [0.1, 0.2, 0.3, 0.4, 0.7, 0.9, 1][stageIndex]! + 0.05),
        createdAt: new Date(idea.createdAt),
        updatedAt: new Date(idea.enteredAt),
        history: [...idea.history],
        spendCents: idea.spendCents,
        artifacts: stageIndex >= 3 ? [`artifacts/${idea.id}/deck.md`] : [],
      };
    },
    async stageIdeas(stage, limit = 200) {
      const now = clock.now();
      const kindOf = (i: DemoIdea) => (!i.stuckReason ? 'active' : i.stuckReason.startsWith('quality gate') ? 'parked' : i.stuckReason.startsWith('waiting on budget') ? 'waiting' : 'stuck');
      const order = { parked: 0, waiting: 1, stuck: 2, active: 3 } as const;
      const inStage = ideas.filter((i) => i.stage === stage).sort((a, b) => order[kindOf(a)] - order[kindOf(b)] || a.enteredAt - b.enteredAt);
      return {
        stage,
        total: inStage.length,
        ideas: inStage.slice(0, limit).map((i) => ({ kind: kindOf(i), id: i.id, title: i.title, stage: i.stage, status: STAGE_STATUS[i.stage], heldForMs: now - i.enteredAt, reason: i.stuckReason ?? '' })),
      };
    },
    async jobHistory(name, limit = 20) {
      return findJob(name)
        .history.slice(0, limit)
        .map((r, i) => ({ ...r, trigger: i % 7 === 3 ? 'manual' : 'schedule', operator: i % 7 === 3 ? operator : null, summary: r.status === 'succeeded' ? `${name}: done` : null }));
    },
    async incidentTimeline(id) {
      return [...findIncident(id).timeline];
    },
    async budgetByOperation() {
      return operations.map((o) => ({ ...o }));
    },
    async previewReset(ideaId, toStage) {
      return preview(findIdea(ideaId), toStage);
    },
    async resetIdea(ideaId, toStage) {
      const idea = findIdea(ideaId);
      const p = preview(idea, toStage);
      idea.history.push({ at: clock.date(), from: idea.stage, to: toStage, actor: operator, reason: `reset from console (was: ${idea.stuckReason ?? 'not stuck'})` });
      idea.stage = toStage;
      idea.enteredAt = clock.now();
      idea.stuckReason = null;
      log('WARNING', 'audit', `${operator} reset ${idea.id} to ${toStage}`);
      return ok(`${idea.title} reset to ${toStage}; ${p.rerun.join(', ')} will run again (est. $${(p.estimatedCents / 100).toFixed(2)})`);
    },
    async advanceIdea(ideaId, toStage) {
      const idea = findIdea(ideaId);
      const next = STAGES[STAGES.indexOf(idea.stage) + 1];
      if (toStage !== next) return { ok: false, message: `advance: ${idea.stage} -> ${toStage} is not an allowed move; an idea moves one stage forward` };
      idea.history.push({ at: clock.date(), from: idea.stage, to: toStage, actor: operator, reason: `advanced by ${operator}` });
      idea.stage = toStage;
      idea.enteredAt = clock.now();
      idea.stuckReason = null;
      log('WARNING', 'audit', `${operator} advanced ${idea.id} to ${toStage}`, clock.now(), { idea: idea.id, stage: toStage });
      return ok(`${idea.title} moved to ${toStage}`);
    },
    async resumeBudget(reason) {
      if (!state.emergency) return { ok: false, message: 'resume: the budget is not in emergency shutdown; nothing to do' };
      for (const c of BUDGET_CATEGORIES) if (spent[c] >= alloc[c]) alloc[c] = spent[c] + 1000;
      state.emergency = false;
      state.shutdownReason = null;
      log('WARNING', 'audit', `${operator} resumed after emergency shutdown: ${reason}`);
      return ok(`paid calls allowed again (demo: the exhausted cap was raised by $10); reason recorded: ${reason}`);
    },
    async runJob(name, onProgress) {
      const j = findJob(name);
      if (j.running) return { ok: false, message: `${name} is already running` };
      j.running = true;
      const started = clock.now();
      const stepsOf = ['starting', 'working 25%', 'working 50%', 'working 75%', 'finishing'];
      for (const s of stepsOf) {
        j.progress = s;
        onProgress?.(s);
        await sleep(stepDelay);
      }
      j.running = false;
      j.progress = null;
      j.lastRunAt = started;
      j.lastStatus = 'succeeded';
      j.lastError = null;
      j.lastDurationMs = Math.max(1, clock.now() - started);
      j.history.unshift({ scheduledFor: new Date(started), status: 'succeeded', durationMs: j.lastDurationMs, error: null, host });
      log('INFO', 'scheduler', `${name} run now by ${operator}: succeeded`);
      return ok(`${name} ran: succeeded in ${(j.lastDurationMs / 1000).toFixed(1)}s`);
    },
    async pauseJob(name) {
      findJob(name).paused = true;
      log('WARNING', 'audit', `${operator} paused job ${name}`);
      return ok(`${name} paused`);
    },
    async resumeJob(name) {
      const j = findJob(name);
      j.paused = false;
      j.nextRunAt = Math.max(j.nextRunAt, clock.now() + 1000);
      log('INFO', 'audit', `${operator} resumed job ${name}`);
      return ok(`${name} resumed`);
    },
    async pauseAllCampaigns(reason) {
      state.campaignsPaused = true;
      log('WARNING', 'audit', `${operator} paused all campaigns: ${reason}`);
      return ok(`3 campaigns paused; reason recorded: ${reason}`);
    },
    async backupNow(onProgress) {
      for (const s of ['pg_dump 0%', 'pg_dump 40%', 'pg_dump 80%', 'verifying checksum', 'restore drill']) {
        onProgress?.(s);
        await sleep(stepDelay);
      }
      const file = `backups/studio-${clock.date().toISOString().slice(0, 16).replace(/[:T]/g, '')}.dump`;
      log('INFO', 'backup', `${file} written and verified`);
      return ok(`backup ${file} (3.2 MB) written, verified and restored in a drill`);
    },
    async ackIncident(id) {
      const inc = findIncident(id);
      inc.status = 'acknowledged';
      inc.timeline.push({ at: clock.date(), kind: 'acknowledged', message: 'from the console', actor: operator });
      return ok(`incident #${id} acknowledged`);
    },
    async resolveIncident(id, note) {
      const inc = findIncident(id);
      inc.status = 'resolved';
      inc.timeline.push({ at: clock.date(), kind: 'resolved', message: note, actor: operator });
      return ok(`incident #${id} resolved`);
    },
    async runHealthCheck() {
      const now = clock.date();
      for (const s of services) s.checkedAt = now;
      const worst = worstLevel(...services.map((s) => s.level));
      log('INFO', 'health', `health check: ${worst}`);
      return ok(`health check: ${worst} (${services.filter((s) => s.level !== 'HEALTHY').map((s) => `${s.name} ${s.level}`).join(', ') || 'all healthy'})`);
    },
    async close() {
    },
  };
}