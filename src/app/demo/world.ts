/**
 * The made-up studio behind `studio console --demo`: its state (a budget that burns, ideas that move,
 * three of them stuck, services, KPIs, jobs on a compressed schedule, incidents, a log tail) and the
 * simulation that moves it on by the time passed. Deterministic for a given seed and clock.
 * `backend.ts` serves it as a `ConsoleApi`.
 */
import type { IdeaDetailView, IncidentView, KpiView, LogLineView, ServiceView } from '../../core/console-api.js';
import type { Clock } from '../../core/clock.js';
import { BUDGET_CATEGORIES, STAGES, type BudgetCategory, type Stage } from '../../core/types.js';
import { seededRandom } from '../../providers/offline/hashing.js';

export const H = 3_600_000;
const M = 60_000;



/** What re-running a stage is estimated to cost, in cents. */
export const STAGE_COST: Record<Stage, number> = { IDEATE: 4, RESEARCH: 38, DECK: 12, INVESTORS: 6, MVP: 9, SMOKE_TEST: 2500, COMPLETE: 0 };

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

export interface DemoIdea {
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

export interface DemoJob {
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

export interface DemoIncident extends IncidentView {
  timeline: Array<{ at: Date; kind: string; message: string; actor?: string }>;
}

export interface DemoWorldOptions {
  clock: Clock;
  seed: number;
  operator: string;
  emergency: boolean;
}

export type DemoWorld = ReturnType<typeof createDemoWorld>;

/** The demo's state at `clock.now()`, and `advance()`, which moves it on to the clock's present. */
export function createDemoWorld(options: DemoWorldOptions) {
  const { clock, operator } = options;
  const random = seededRandom(options.seed);
  const start = clock.now();
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  /** What the actions change besides the lists: the emergency, the campaigns, the completions. */
  const state = {
    emergency: options.emergency,
    shutdownReason: (options.emergency ? 'total reached 100% of the cycle budget' : null) as string | null,
    campaignsPaused: false,
    completed24h: 5,
  };
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
  if (state.emergency) spent.google_ads = alloc.google_ads;
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
    if (state.emergency) return;
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
      state.emergency = true;
      state.shutdownReason = `${spent[category] >= alloc[category] ? category : 'total'} reached 100% of the cycle budget`;
      log('CRITICAL', 'budget', `EMERGENCY SHUTDOWN: ${state.shutdownReason}; every paid call is refused`, at);
      openIncident('P1', `Budget exceeded: ${state.shutdownReason}`, 'budget', 0);
    }
  };

  const step = (at: number) => {
    if (!state.emergency && random() < 0.6) spend('openai_tokens', 1 + Math.floor(random() * 3), at);
    if (!state.emergency && !state.campaignsPaused && random() < 0.15) spend('google_ads', 1 + Math.floor(random() * 4), at);
    reserved.openai_tokens = state.emergency ? 0 : Math.floor(random() * 25);
    // An idea moves on now and then (never the stuck ones).
    if (!state.emergency && random() < 0.35) {
      const movable = ideas.filter((i) => i.stage !== 'COMPLETE' && !i.stuckReason);
      const idea = movable.length ? pick(movable) : undefined;
      if (idea) {
        const from = idea.stage;
        idea.stage = STAGES[STAGES.indexOf(from) + 1]!;
        idea.enteredAt = at;
        idea.spendCents += STAGE_COST[from] > 100 ? 40 : STAGE_COST[from];
        idea.history.push({ at: new Date(at), from, to: idea.stage, actor: 'worker-1', reason: null });
        if (idea.stage === 'COMPLETE') state.completed24h++;
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

  return { clock, operator, start, random, state, alloc, spent, reserved, operations, cycleStart, burnWindow, ideas, services, kpis, host, jobs, incidents, openIncident, logs, log, advance };
}
