/**
 * A made-up studio behind the `ConsoleApi`, for `studio console --demo` and the console's tests: a budget
 * that burns, ideas that move (three of them stuck), services, KPIs, jobs that run on a compressed
 * schedule, incidents and a log tail. Every action works on this state, with progress for the long
 * ones. Deterministic for a given seed and clock; the header says DEMO.
 *
 * It knows nothing of storage: it is a stand-in until the composition root hands the console the real
 * `ConsoleApi`.
 */
import type {
  ActionResult,
  CategoryView,
  ConsoleApi,
  ConsoleSnapshot,
  IdeaDetailView,
  IncidentView,
  JobView,
  KpiView,
  LogLineView,
  ResetPreview,
  ServiceView,
} from '../core/console-api.js';
import { systemClock, type Clock } from '../core/clock.js';
import { BUDGET_CATEGORIES, STAGES, STAGE_STATUS, worstLevel, type BudgetCategory, type Level, type Stage, type Status } from '../core/types.js';
import { NotFoundError } from '../core/errors.js';

export interface DemoApiOptions {
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
}

/** Every call the demo api answered, for tests: method and arguments. */
export interface DemoCall {
  method: string;
  args: unknown[];
}

export type DemoApi = ConsoleApi & { calls: DemoCall[] };

const H = 3_600_000;
const M = 60_000;


/** What re-running a stage is estimated to cost, in cents. */
const STAGE_COST: Record<Stage, number> = { IDEATE: 4, RESEARCH: 38, DECK: 12, INVESTORS: 6, MVP: 9, SMOKE_TEST: 2500, COMPLETE: 0 };

const TITLES = [
  'Carbon ledger for small manufacturers',
  'AI tutor for dyslexic readers',
  'Marketplace for surplus lab equipment',
  'Invoice factoring for freelancers',
  'Remote physio with pose tracking',
  'Compliance copilot for fintech startups',
  'Smart pantry that reorders groceries',
  'Peer-to-peer EV charger sharing',
  'Voice notes to CRM updates',
  'Verifiable credentials for nurses',
  'Shelf-price monitor for grocers',
  'Micro-insurance for gig drivers',
  'On-call scheduler for small clinics',
  'API usage billing for SaaS',
  'Local-first notes for lawyers',
  'Drone roof inspection quotes',
  'Second-hand textbook exchange',
  'Language exchange for expats',
];
const CATEGORY_NAMES = ['saas', 'edtech', 'marketplace', 'fintech', 'healthtech', 'fintech', 'consumer', 'marketplace', 'saas', 'healthtech', 'ecommerce', 'fintech', 'healthtech', 'saas', 'enterprise', 'consumer', 'edtech', 'edtech'];

interface DemoIdea {
  id: string;
  title: string;
  category: string;
  stage: Stage;
  createdAt: number;
  enteredAt: number;
  stuckReason: string | null;
  spendCents: number;
  history: IdeaDetailView['history'];
}

interface DemoJob {
  name: string;
  schedule: string;
  everyMs: number;
  paused: boolean;
  running: boolean;
  progress: string | null;
  lastRunAt: number | null;
  lastStatus: string | null;
  lastDurationMs: number | null;
  lastError: string | null;
  nextRunAt: number;
  history: Array<{ scheduledFor: Date; status: string; durationMs: number | null; error: string | null; host: string }>;
}

interface DemoIncident extends IncidentView {
  timeline: Array<{ at: Date; kind: string; message: string; actor?: string }>;
}

/** mulberry32: a small seeded PRNG, so the demo is the same for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function levelOf(pct: number): Level {
  if (pct >= 100) return 'EMERGENCY';
  if (pct >= 95) return 'CRITICAL';
  if (pct >= 80) return 'WARNING';
  return 'HEALTHY';
}

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

export function createDemoApi(options: DemoApiOptions = {}): DemoApi {
  const clock = options.clock ?? systemClock;
  const random = prng(options.seed ?? 7);
  const stepDelay = options.stepDelayMs ?? 400;
  const operator = options.operator ?? 'operator';
  const start = clock.now();
  const calls: DemoCall[] = [];
  const record = (method: string, ...args: unknown[]) => void calls.push({ method, args });
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

  // --- budget -------------------------------------------------------------------------------------
  const alloc: Record<BudgetCategory, number> = { openai_tokens: 1000, google_ads: 4500, infrastructure: 500, external_apis: 200 };
  const spent: Record<BudgetCategory, number> = { openai_tokens: 612, google_ads: 3020, infrastructure: 214, external_apis: 171 };
  const reserved: Record<BudgetCategory, number> = { openai_tokens: 18, google_ads: 0, infrastructure: 0, external_apis: 3 };
  const operations: Array<{ service: string; operation: string; category: BudgetCategory; calls: number; cents: number }> = [
    { service: 'google_ads', operation: 'campaign spend', category: 'google_ads', calls: 41, cents: 3020 },
    { service: 'openai', operation: 'chat gpt-4o-mini deck', category: 'openai_tokens', calls: 212, cents: 301 },
    { service: 'openai', operation: 'chat gpt-4o-mini research', category: 'openai_tokens', calls: 388, cents: 226 },
    { service: 'openai', operation: 'embeddings', category: 'openai_tokens', calls: 1430, cents: 85 },
    { service: 'infrastructure', operation: 'landing page hosting', category: 'infrastructure', calls: 9, cents: 214 },
    { service: 'serp', operation: 'evidence search', category: 'external_apis', calls: 171, cents: 171 },
  ];
  let emergency = options.emergency ?? false;
  let shutdownReason: string | null = emergency ? 'total reached 100% of the cycle budget' : null;
  if (emergency) spent.google_ads = alloc.google_ads;
  let campaignsPaused = false;
  const cycleStart = start - 5 * 24 * H - 3 * H;
  // The last hour's charges, for the burn rate (seeded with a plausible hour).
  const burnWindow: Array<{ at: number; cents: number }> = Array.from({ length: 40 }, (_, i) => ({ at: start - H + i * 90_000, cents: 3 }));

  // --- pipeline -----------------------------------------------------------------------------------
  const ideas: DemoIdea[] = [];
  const stageWeights: Stage[] = ['IDEATE', 'IDEATE', 'RESEARCH', 'RESEARCH', 'RESEARCH', 'DECK', 'DECK', 'INVESTORS', 'MVP', 'SMOKE_TEST', 'COMPLETE', 'COMPLETE'];
  for (let i = 0; i < 42; i++) {
    const stage = i < TITLES.length ? stageWeights[i % stageWeights.length]! : pick(stageWeights);
    const createdAt = start - Math.floor(random() * 9 * 24 * H) - H;
    const id = `idea-${(0x1a2b + i * 97).toString(16)}`;
    ideas.push({
      id,
      title: TITLES[i % TITLES.length]! + (i >= TITLES.length ? ` ${Math.floor(i / TITLES.length) + 1}` : ''),
      category: CATEGORY_NAMES[i % CATEGORY_NAMES.length]!,
      stage,
      createdAt,
      enteredAt: start - Math.floor(random() * 2 * H),
      stuckReason: null,
      spendCents: Math.floor(random() * 90),
      history: [{ at: new Date(createdAt), from: null, to: 'IDEATE', actor: 'intake', reason: 'submitted' }],
    });
  }
  // Three stuck ideas, as an operator would find them in the morning.
  const stuckSetup: Array<[number, Stage, number, string]> = [
    [0, 'RESEARCH', 7 * H + 12 * M, 'lease lapsed 3 times (worker restarted)'],
    [3, 'DECK', 9 * H + 40 * M, 'quality gate failed 3 times: slide 6 empty'],
    [6, 'INVESTORS', 6 * H + 25 * M, 'waiting on budget: openai_tokens'],
  ];
  for (const [i, stage, held, reason] of stuckSetup) {
    const idea = ideas[i]!;
    idea.stage = stage;
    idea.enteredAt = start - held;
    idea.stuckReason = reason;
    idea.history.push({ at: new Date(idea.enteredAt), from: STAGES[STAGES.indexOf(stage) - 1] ?? null, to: stage, actor: 'worker-2', reason: null });
  }
  let completed24h = 5;

  // --- services and KPIs --------------------------------------------------------------------------
  const services: ServiceView[] = [
    { name: 'database', level: 'HEALTHY', reason: 'embedded PGlite, migrations current', latencyMs: 3 },
    { name: 'openai', level: 'HEALTHY', reason: 'gpt-4o-mini answering', latencyMs: 640 },
    { name: 'google_ads', level: 'HEALTHY', reason: 'simulated account (no developer token)', latencyMs: 12, offline: true },
    { name: 'posthog', level: 'WARNING', reason: 'slow: capture took 2.9 s', latencyMs: 2900 },
    { name: 'scheduler', level: 'HEALTHY', reason: 'in-process, 8 jobs, last tick 4 s ago', latencyMs: 1 },
    { name: 'budget', level: 'HEALTHY', reason: 'within limits', latencyMs: 2 },
  ];
  const kpis: KpiView[] = [
    { name: 'pipeline completion', unit: 'h', value: 3.4, target: '< 4 h', level: 'HEALTHY', history: [] },
    { name: 'database query', unit: 'ms', value: 42, target: '< 100 ms', level: 'HEALTHY', history: [] },
    { name: 'API response', unit: 's', value: 1.6, target: '< 2 s', level: 'HEALTHY', history: [] },
    { name: 'memory', unit: '%', value: 58, target: '< 70%', level: 'HEALTHY', history: [] },
    { name: 'disk', unit: '%', value: 73, target: '< 70%', level: 'WARNING', history: [] },
  ];
  for (const k of kpis) {
    // Walk back from today's value, then read it oldest first.
    let v = k.value!;
    const back: number[] = [];
    for (let i = 0; i < 40; i++) {
      v = Math.max(0.1, v * (0.95 + random() * 0.1));
      back.push(Number(v.toFixed(2)));
    }
    k.history.push(...back.reverse(), k.value!);
  }

  // --- jobs ---------------------------------------------------------------------------------------
  const host = 'studio-1';
  const job = (name: string, schedule: string, everyMs: number, lastAgo: number, status = 'succeeded', error: string | null = null): DemoJob => {
    const history: DemoJob['history'] = [];
    for (let i = 0; i < 12; i++) {
      const failed = i === 4 && name === 'backup';
      history.push({
        scheduledFor: new Date(start - lastAgo - i * everyMs),
        status: i === 0 ? status : failed ? 'failed' : 'succeeded',
        durationMs: Math.floor(200 + random() * 3000),
        error: i === 0 ? error : failed ? 'pg_dump: disk full' : null,
        host,
      });
    }
    return { name, schedule, everyMs, paused: false, running: false, progress: null, lastRunAt: start - lastAgo, lastStatus: status, lastDurationMs: history[0]!.durationMs, lastError: error, nextRunAt: start - lastAgo + everyMs, history };
  };
  // The demo runs the short schedules compressed (seconds instead of minutes) so something always moves.
  const jobs: DemoJob[] = [
    job('pipeline-tick', '*/1 * * * *', 15_000, 4_000),
    job('health-check', '*/5 * * * *', 45_000, 20_000),
    job('campaign-metrics', '0 * * * *', 90_000, 50_000),
    job('budget-review', '0 9 * * *', 24 * H, 9 * H + 45 * M),
    job('backup', '0 2 * * *', 24 * H, 16 * H + 45 * M),
    job('restore-drill', '30 2 * * *', 24 * H, 16 * H + 15 * M, 'failed', 'restored row count differs: ideas 41 != 42'),
    job('maintenance', '0 3 * * 0', 7 * 24 * H, 2 * 24 * H),
    job('performance-report', '0 6 1 * *', 30 * 24 * H, 27 * 24 * H),
  ];

  // --- incidents ----------------------------------------------------------------------------------
  let nextIncident = 104;
  const incidents: DemoIncident[] = [];
  const openIncident = (severity: IncidentView['severity'], title: string, source: string, ago: number): DemoIncident => {
    const at = new Date(clock.now() - ago);
    const incident: DemoIncident = { id: nextIncident++, severity, title, source, status: 'open', openedAt: at, count: 1, timeline: [{ at, kind: 'opened', message: title }] };
    incidents.push(incident);
    return incident;
  };
  const posthogSlow = openIncident('P3', 'PostHog responses slower than 2 s', 'health', 3 * H + 10 * M);
  posthogSlow.count = 4;
  posthogSlow.timeline.push({ at: new Date(start - 2 * H), kind: 'notified', message: 'slack #studio-ops' });
  openIncident('P2', 'Restore drill failed after last backup', 'backup', 16 * H);
  const disk = openIncident('P4', 'Disk 73% used on studio-1', 'kpi', 40 * M);
  disk.status = 'acknowledged';
  disk.timeline.push({ at: new Date(start - 30 * M), kind: 'acknowledged', message: 'looking at log rotation', actor: operator });
  const apis = openIncident('P3', 'external_apis at 85% of its budget', 'budget', 5 * H);
  apis.timeline.push({ at: new Date(start - 5 * H + M), kind: 'notified', message: 'e-mail to ops@' });

  // --- logs ---------------------------------------------------------------------------------------
  const logs: LogLineView[] = [];
  const log = (level: string, scope: string, msg: string, at = clock.now(), fields?: LogLineView['fields']) => {
    logs.push({ time: new Date(at), level, scope, msg, ...(fields ? { fields } : {}) });
    if (logs.length > 600) logs.splice(0, logs.length - 600);
  };
  const chatter: Array<[string, string, string]> = [
    ['INFO', 'pipeline', 'claimed idea for RESEARCH (worker-1)'],
    ['INFO', 'evidence', 'collected 6 pieces of evidence, mean score 0.74'],
    ['INFO', 'budget', 'reserved $0.04 openai_tokens for chat'],
    ['INFO', 'budget', 'settled $0.03 openai_tokens (refunded $0.01)'],
    ['WARNING', 'posthog', 'capture took 2.9 s'],
    ['INFO', 'deck', 'deck written: 10 slides'],
    ['INFO', 'scheduler', 'pipeline-tick won slot'],
    ['DEBUG', 'cache', 'embedding cache hit'],
    ['ERROR', 'research', 'fetch refused: private address 10.0.0.7'],
    ['INFO', 'ads', 'metrics pulled for 3 campaigns'],
  ];
  for (let i = 30; i > 0; i--) {
    const [level, scope, msg] = pick(chatter);
    log(level, scope, msg, start - i * 20_000);
  }

  let lastTick = start;

  // --- the simulation: each snapshot moves the world on by the time passed ---------------------------
  const spend = (category: BudgetCategory, cents: number, at: number) => {
    if (emergency) return;
    spent[category] += cents;
    burnWindow.push({ at, cents });
    const op = operations.find((o) => o.category === category);
    if (op) {
      op.cents += cents;
      op.calls += 1;
    }
    const total = BUDGET_CATEGORIES.reduce((s, c) => s + spent[c], 0);
    const totalAlloc = BUDGET_CATEGORIES.reduce((s, c) => s + alloc[c], 0);
    if (spent[category] >= alloc[category] || total >= totalAlloc) {
      emergency = true;
      shutdownReason = `${spent[category] >= alloc[category] ? category : 'total'} reached 100% of the cycle budget`;
      log('CRITICAL', 'budget', `EMERGENCY SHUTDOWN: ${shutdownReason}; every paid call is refused`, at);
      openIncident('P1', `Budget exceeded: ${shutdownReason}`, 'budget', 0);
    }
  };

  const step = (at: number) => {
    if (!emergency && random() < 0.6) spend('openai_tokens', 1 + Math.floor(random() * 3), at);
    if (!emergency && !campaignsPaused && random() < 0.15) spend('google_ads', 1 + Math.floor(random() * 4), at);
    reserved.openai_tokens = emergency ? 0 : Math.floor(random() * 25);
    // An idea moves on now and then (never the stuck ones).
    if (!emergency && random() < 0.35) {
      const movable = ideas.filter((i) => i.stage !== 'COMPLETE' && !i.stuckReason);
      const idea = movable.length ? pick(movable) : undefined;
      if (idea) {
        const from = idea.stage;
        idea.stage = STAGES[STAGES.indexOf(from) + 1]!;
        idea.enteredAt = at;
        idea.spendCents += STAGE_COST[from] > 100 ? 40 : STAGE_COST[from];
        idea.history.push({ at: new Date(at), from, to: idea.stage, actor: 'worker-1', reason: null });
        if (idea.stage === 'COMPLETE') completed24h++;
        log('INFO', 'pipeline', `${idea.title}: ${from} → ${idea.stage}`, at, { idea: idea.id, stage: from, attempt: 1, outcome: 'passed' });
      }
    }
    if (random() < 0.5) {
      const [level, scope, msg] = pick(chatter);
      log(level, scope, msg, at);
    }
    for (const k of kpis) {
      const last = k.value ?? 1;
      const next = Math.max(0.1, last * (0.95 + random() * 0.1));
      k.value = Number(next.toFixed(k.unit === 'ms' ? 0 : 2));
      k.history.push(k.value);
      if (k.history.length > 60) k.history.shift();
    }
    const db = services[0]!;
    db.latencyMs = 2 + Math.floor(random() * 4);
    const openai = services[1]!;
    openai.latencyMs = 400 + Math.floor(random() * 500);
    for (const j of jobs) {
      if (!j.paused && !j.running && j.nextRunAt <= at) {
        const duration = Math.floor(100 + random() * 1500);
        j.lastRunAt = j.nextRunAt;
        j.lastStatus = 'succeeded';
        j.lastError = null;
        j.lastDurationMs = duration;
        j.history.unshift({ scheduledFor: new Date(j.nextRunAt), status: 'succeeded', durationMs: duration, error: null, host });
        j.history.length = Math.min(j.history.length, 50);
        j.nextRunAt += j.everyMs * Math.max(1, Math.ceil((at - j.nextRunAt + 1) / j.everyMs));
        log('INFO', 'scheduler', `${j.name} succeeded in ${(duration / 1000).toFixed(1)}s`, at);
      }
    }
  };

  const advance = () => {
    const now = clock.now();
    const steps = Math.min(20, Math.floor((now - lastTick) / 1000));
    for (let i = 0; i < steps; i++) step(lastTick + (i + 1) * 1000);
    if (steps > 0) lastTick += steps * 1000;
  };

  const categoryView = (name: BudgetCategory | 'total', a: number, s: number, r: number): CategoryView => {
    const usagePct = a > 0 ? Number((((s + r) / a) * 100).toFixed(1)) : 0;
    return { name, allocatedCents: a, spentCents: s, reservedCents: r, usagePct, level: levelOf((s / Math.max(1, a)) * 100) };
  };

  const snapshot = async (): Promise<ConsoleSnapshot> => {
    record('snapshot');
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
    const budgetLevel = emergency ? 'EMERGENCY' : worstLevel(total.level, ...categories.map((c) => c.level));
    while (burnWindow.length && burnWindow[0]!.at < now - H) burnWindow.shift();
    const burn = emergency ? 0 : burnWindow.reduce((s, b) => s + b.cents, 0);
    const remaining = total.allocatedCents - total.spentCents - total.reservedCents;
    const budgetService = services[5]!;
    budgetService.level = budgetLevel;
    budgetService.reason = emergency ? `emergency shutdown: ${shutdownReason}` : budgetLevel === 'HEALTHY' ? 'within limits' : `${categories.find((c) => c.level === budgetLevel)?.name ?? 'total'} at ${budgetLevel}`;
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
        projectedCapAt: burn > 0 && !emergency ? new Date(now + (remaining / burn) * H) : null,
        emergencyShutdown: emergency,
        circuitBreakerActive: emergency,
        shutdownReason: emergency ? shutdownReason : null,
      },
      services: services.map((s) => ({ ...s })),
      kpis: kpis.map((k) => ({ ...k, history: [...k.history] })),
      pipeline: {
        stages: stageCounts,
        statuses: [...statuses].map(([status, count]) => ({ status, count })),
        processing: Math.min(2, ideas.filter((i) => i.stage !== 'COMPLETE' && !i.stuckReason).length),
        queued: Math.max(0, ideas.filter((i) => i.stage !== 'COMPLETE' && !i.stuckReason).length - 2),
        waitingOnBudget: emergency ? ideas.filter((i) => i.stage !== 'COMPLETE').length : 1,
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
        completedLast24h: completed24h,
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
    calls,
    snapshot,
    async awaySummary() {
      record('awaySummary');
      return `(since ${new Date(start - 14 * H).toISOString().slice(5, 16).replace('T', ' ')} UTC): 14 ideas moved on, 3 completed, $3.12 spent, 2 incidents opened (1 resolved), backup ok, restore drill FAILED`;
    },
    async ideaDetail(id) {
      record('ideaDetail', id);
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
      record('stageIdeas', stage, limit);
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
      record('jobHistory', name, limit);
      return findJob(name)
        .history.slice(0, limit)
        .map((r, i) => ({ ...r, trigger: i % 7 === 3 ? 'manual' : 'schedule', operator: i % 7 === 3 ? operator : null, summary: r.status === 'succeeded' ? `${name}: done` : null }));
    },
    async incidentTimeline(id) {
      record('incidentTimeline', id);
      return [...findIncident(id).timeline];
    },
    async budgetByOperation() {
      record('budgetByOperation');
      return operations.map((o) => ({ ...o }));
    },
    async previewReset(ideaId, toStage) {
      record('previewReset', ideaId, toStage);
      return preview(findIdea(ideaId), toStage);
    },
    async resetIdea(ideaId, toStage) {
      record('resetIdea', ideaId, toStage);
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
      record('advanceIdea', ideaId, toStage);
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
      record('resumeBudget', reason);
      if (!emergency) return { ok: false, message: 'resume: the budget is not in emergency shutdown; nothing to do' };
      for (const c of BUDGET_CATEGORIES) if (spent[c] >= alloc[c]) alloc[c] = spent[c] + 1000;
      emergency = false;
      shutdownReason = null;
      log('WARNING', 'audit', `${operator} resumed after emergency shutdown: ${reason}`);
      return ok(`paid calls allowed again (demo: the exhausted cap was raised by $10); reason recorded: ${reason}`);
    },
    async runJob(name, onProgress) {
      record('runJob', name);
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
      record('pauseJob', name);
      findJob(name).paused = true;
      log('WARNING', 'audit', `${operator} paused job ${name}`);
      return ok(`${name} paused`);
    },
    async resumeJob(name) {
      record('resumeJob', name);
      const j = findJob(name);
      j.paused = false;
      j.nextRunAt = Math.max(j.nextRunAt, clock.now() + 1000);
      log('INFO', 'audit', `${operator} resumed job ${name}`);
      return ok(`${name} resumed`);
    },
    async pauseAllCampaigns(reason) {
      record('pauseAllCampaigns', reason);
      campaignsPaused = true;
      log('WARNING', 'audit', `${operator} paused all campaigns: ${reason}`);
      return ok(`3 campaigns paused; reason recorded: ${reason}`);
    },
    async backupNow(onProgress) {
      record('backupNow');
      for (const s of ['pg_dump 0%', 'pg_dump 40%', 'pg_dump 80%', 'verifying checksum', 'restore drill']) {
        onProgress?.(s);
        await sleep(stepDelay);
      }
      const file = `backups/studio-${clock.date().toISOString().slice(0, 16).replace(/[:T]/g, '')}.dump`;
      log('INFO', 'backup', `${file} written and verified`);
      return ok(`backup ${file} (3.2 MB) written, verified and restored in a drill`);
    },
    async ackIncident(id) {
      record('ackIncident', id);
      const inc = findIncident(id);
      inc.status = 'acknowledged';
      inc.timeline.push({ at: clock.date(), kind: 'acknowledged', message: 'from the console', actor: operator });
      return ok(`incident #${id} acknowledged`);
    },
    async resolveIncident(id, note) {
      record('resolveIncident', id, note);
      const inc = findIncident(id);
      inc.status = 'resolved';
      inc.timeline.push({ at: clock.date(), kind: 'resolved', message: note, actor: operator });
      return ok(`incident #${id} resolved`);
    },
    async runHealthCheck() {
      record('runHealthCheck');
      const now = clock.date();
      for (const s of services) s.checkedAt = now;
      const worst = worstLevel(...services.map((s) => s.level));
      log('INFO', 'health', `health check: ${worst}`);
      return ok(`health check: ${worst} (${services.filter((s) => s.level !== 'HEALTHY').map((s) => `${s.name} ${s.level}`).join(', ') || 'all healthy'})`);
    },
    async close() {
      record('close');
    },
  };
}
