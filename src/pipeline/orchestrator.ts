/**
 * (Over 400 lines on purpose: `step` is the one claim → run → finish sequence of a stage run, and its six
 * outcomes are written side by side so they stay consistent with each other.)
 *
 * The orchestrator: workers claim due ideas (FOR UPDATE SKIP LOCKED, with a lease), run the idea's
 * current stage, and move it on in one transaction. Any number of workers in any number of processes
 * share the work through PostgreSQL alone.
 *
 * - A stage run is a `stage_runs` row keyed `<idea>:<stage>:<attempt>`; its charges carry that key plus a
 *   step, so a run resumed after a crash (kill -9 at any point) replays what it already paid for.
 * - A failed gate retries with backoff (STAGE_RETRY_BASE, doubling) up to STAGE_MAX_RETRIES, then the idea
 *   is parked for an operator (or rejected, GATE_EXHAUSTED=reject) and an ops event says so.
 * - A stage that cannot reserve its money (cap, CRITICAL throttling, emergency shutdown) waits on budget
 *   and tries again every BUDGET_WAIT_RETRY, or at once when another stage hands money back.
 * - A stage that needs a service whose circuit breaker is open waits until the breaker's trial time; it
 *   does not spend a retry on a service known to be down.
 * - A lease that lapsed 3 times (its workers kept dying) parks the idea.
 * - A database outage does not end a run: workers back off (capped, abortable), one WARNING says the
 *   database is out of reach and one INFO says when it is back; a stage cut off by it spends no retry (its
 *   lease lapses and it resumes under the same key).
 * - `untilIdle`: ideas waiting on an open circuit breaker count as idle when nothing else is due; the
 *   summary says which stage's ideas wait on which service until when.
 */
import { hostname } from 'node:os';
import { formatDuration, retryDelay, sleep } from '../core/clock.js';
import { BudgetExceededError, ServiceUnavailableError, isDatabaseUnreachable, toError } from '../core/errors.js';
import type { Stage } from '../core/types.js';
import { emitEvent } from '../storage/events.js';
import * as ideas from '../storage/idea-claims.js';
import { track } from './analytics.js';
import { STAGE_STATUS, nextStage, OUTPUT_KEY } from './lifecycle.js';
import { createStageContext, type StageDeps, type StageOutcome } from './stages/context.js';
import { STAGE_HANDLERS } from './stages/index.js';

export const MAX_LEASE_LAPSES = 3;
/** Backoff of a worker while the database is out of reach: 250 ms doubling, at most 5 s. */
export const OUTAGE_BACKOFF_BASE_MS = 250;
export const OUTAGE_BACKOFF_MAX_MS = 5_000;

/**
 * Parked ideas make one incident per stage (its count says how many), not one per idea: twenty thin
 * ideas parked in RESEARCH are one thing for an operator to look at, with `studio list --status parked`.
 */
const parkedKey = (stage: Stage, what: 'parked' | 'rejected' = 'parked') => `pipeline.${what}:${stage}`;
const parkedMessage = (stage: Stage, title: string, what: 'parked' | 'rejected', reason: string) =>
  `ideas ${what} in ${stage} need an operator (first: "${title}": ${reason.slice(0, 160)}); see studio list --status parked`;

export interface StepReport {
  worker: string;
  ideaId: string;
  title: string;
  stage: Stage;
  attempt: number;
  outcome: 'passed' | 'failed' | 'retry' | 'parked' | 'rejected' | 'waiting_budget' | 'waiting' | 'lost_lease' | 'interrupted';
  detail: string;
  toStage?: Stage;
  ms: number;
}

export interface RunOptions {
  /** Concurrent workers in this process. @default config PIPELINE_WORKERS */
  workers?: number;
  /** Stop when nothing is left to do now (every active idea finished, parked, or waiting on budget). */
  untilIdle?: boolean;
  /** Stop after this long. */
  timeBudgetMs?: number;
  signal?: AbortSignal;
  onStep?: (report: StepReport) => void;
  /** The stage runs in flight changed (one started or ended): what a stop would interrupt now. */
  onActivity?: (inFlight: Array<{ stage: Stage; title: string }>) => void;
  /** Name prefix of the workers. @default host:pid */
  workerPrefix?: string;
}

/** Ideas of one stage held back by one service's open circuit breaker. */
export interface ServiceWait {
  service: string;
  stage: Stage;
  /** When the breaker lets a trial call through (the ideas are due again then). */
  until: Date;
  ideas: Array<{ id: string; title: string }>;
}

export interface RunSummary {
  steps: number;
  byOutcome: Record<string, number>;
  ms: number;
  stoppedBecause: 'idle' | 'time' | 'aborted';
  /** Database outages ridden out during the run. */
  outages: number;
  /** At an idle stop: work that waits on a service whose circuit breaker is open. */
  waitingOnServices: ServiceWait[];
}

export interface Orchestrator {
  /** Claim one due idea and run its stage; null when nothing was due. */
  step(worker: string, signal?: AbortSignal, onStart?: (idea: { stage: Stage; title: string }) => void): Promise<StepReport | null>;
  run(options?: RunOptions): Promise<RunSummary>;
  /**
   * Nothing to do now: no idea due or held, only ideas waiting on budget, on a service whose breaker is
   * open (`waitingOnServices`), or not due for 10 minutes. `detail` false: the one cheap summary query,
   * which does not look at breakers (a run without --until-idle only wants when to look again).
   */
  idle(detail?: boolean): Promise<{ idle: boolean; nextDueInMs: number | null; waitingOnServices: ServiceWait[] }>;
}

/** The signal was aborted from outside (a stop), not by the job's own timeout: the run resumes, it did not fail. */
function interruptedBy(signal: AbortSignal | undefined): boolean {
  if (!signal?.aborted) return false;
  const reason: unknown = signal.reason;
  return !(reason && typeof reason === 'object' && 'code' in reason && reason.code === 'JOB_TIMEOUT');
}

/** The last error of an idea a service's open breaker holds back (ServiceUnavailableError's message). */
const BREAKER_WAIT = /^([\w.-]+): circuit breaker (?:open|half-open)/;

/** "2 ideas in RESEARCH wait on openai (circuit breaker open) until 00:41:02 UTC" */
export function describeServiceWait(wait: ServiceWait): string {
  const n = wait.ideas.length;
  return `${n} idea${n === 1 ? '' : 's'} in ${wait.stage} wait${n === 1 ? 's' : ''} on ${wait.service} (circuit breaker open) until ${wait.until.toISOString().slice(11, 19)} UTC`;
}

export function createOrchestrator(deps: StageDeps): Orchestrator {
  const { db, config, logger, clock } = deps;
  const leaseMs = config.pipeline.stageLeaseMs;

  async function step(worker: string, signal?: AbortSignal, onStart?: (idea: { stage: Stage; title: string }) => void): Promise<StepReport | null> {
    const [idea] = await ideas.claimDue(db, worker, leaseMs, 1);
    if (!idea) return null;
    onStart?.({ stage: idea.currentStage, title: idea.title });
    const started = performance.now();
    const stage = idea.currentStage;
    const base = { worker, ideaId: idea.id, title: idea.title, stage, attempt: idea.attempt };

    if (idea.leaseLapses >= MAX_LEASE_LAPSES) {
      const reason = `lease lapsed ${idea.leaseLapses} times in ${stage} (its workers stopped answering); check the logs, then studio reset-idea`;
      await db.withTransaction(async (tx) => {
        if (await ideas.parkIdea(tx, idea.id, reason)) {
          await emitEvent(tx, { kind: 'pipeline.parked', source: 'pipeline', level: 'WARNING', dedupKey: parkedKey(stage), message: parkedMessage(stage, idea.title, 'parked', reason), details: { ideaId: idea.id, stage, reason } });
        }
      });
      logger.warn({ idea: idea.id, stage, lapses: idea.leaseLapses }, 'pipeline: idea parked after repeated lease lapses');
      return { ...base, outcome: 'parked', detail: reason, ms: performance.now() - started };
    }

    const handler = STAGE_HANDLERS[stage];
    if (!handler) return null; // COMPLETE is never claimed
    const attempt = Math.max(1, idea.attempt);
    const runKey = `${idea.id}:${stage}:${attempt}`;
    const { runId, resumed } = await ideas.startRun(db, { ideaId: idea.id, stage, attempt, key: runKey, worker });
    if (resumed) logger.info({ idea: idea.id, stage, attempt }, 'pipeline: resuming a stage run (its charges replay, none is paid twice)');

    // keep the lease while a long stage runs
    const heartbeat = setInterval(() => {
      ideas.extendLease(db, idea.id, worker, leaseMs).catch((error) => {
        // an outage is reported once by the run loop, not once per heartbeat
        if (isDatabaseUnreachable(error)) logger.debug({ err: error, idea: idea.id }, 'pipeline: could not extend a lease (database out of reach)');
        else logger.warn({ err: error, idea: idea.id }, 'pipeline: could not extend a lease');
      });
    }, Math.max(1_000, Math.floor(leaseMs / 3)));
    heartbeat.unref();

    const context = createStageContext(deps, { idea, stage, attempt, worker, critical: handler.critical, signal });
    let outcome: StageOutcome | undefined;
    let budgetWait: string | undefined;
    let serviceDown: ServiceUnavailableError | undefined;
    let error: Error | undefined;
    try {
      outcome = await handler.run(context);
    } catch (thrown) {
      if (thrown instanceof BudgetExceededError) budgetWait = thrown.message.replace(/^budget: /, '');
      else if (thrown instanceof ServiceUnavailableError) serviceDown = thrown;
      // the database went away under the stage: not the stage's failure; the lease lapses and it resumes
      else if (isDatabaseUnreachable(thrown)) throw thrown;
      else error = toError(thrown);
    } finally {
      clearInterval(heartbeat);
    }
    const costCents = context.spentCents;
    const outputsKey = OUTPUT_KEY[stage];
    let report: StepReport;

    if (!outcome && interruptedBy(signal)) {
      // Stopped from outside (the console quit, the scheduler stops), not a failure of the stage: the same
      // run is due again at once and resumes under its key (its paid steps replay, nothing is paid twice);
      // the attempt is not counted and the lease is handed back, so the next start takes it straight away.
      const why = `interrupted: ${toError(signal?.reason ?? 'the process stopped').message.replace(/^jobs: /, '')}; resumes on the next run`;
      const ok = await db.withTransaction((tx) =>
        ideas.finishRun(tx, {
          ideaId: idea.id, worker, runId, runState: 'waiting', runOutputs: {}, runError: why, costCents,
          nextAttemptInMs: 0, waitingOnBudget: idea.waitingOnBudget, lastError: idea.lastError,
        }),
      );
      report = { ...base, attempt, outcome: ok ? 'interrupted' : 'lost_lease', detail: why, ms: 0 };
      logger.warn({ idea: idea.id, stage, attempt, costCents }, `pipeline: ${stage} of "${idea.title}" interrupted (attempt ${attempt}); it resumes on the next run, its paid steps replay`);
      report.ms = performance.now() - started;
      return report;
    }

    if (budgetWait) {
      const ok = await db.withTransaction((tx) =>
        ideas.finishRun(tx, {
          ideaId: idea.id, worker, runId, runState: 'waiting', runOutputs: {}, runError: budgetWait, costCents,
          nextAttemptInMs: config.pipeline.budgetWaitMs, waitingOnBudget: budgetWait, lastError: null,
        }),
      );
      report = { ...base, attempt, outcome: ok ? 'waiting_budget' : 'lost_lease', detail: budgetWait, ms: 0 };
    } else if (serviceDown) {
      // a service known to be down: wait for it (same attempt, its charges replay), no retry is spent
      const inMs = Math.max(50, serviceDown.retryAt.getTime() - Date.now());
      const ok = await db.withTransaction((tx) =>
        ideas.finishRun(tx, {
          ideaId: idea.id, worker, runId, runState: 'waiting', runOutputs: {}, runError: serviceDown.message, costCents,
          nextAttemptInMs: inMs, lastError: serviceDown.message,
        }),
      );
      report = { ...base, attempt, outcome: ok ? 'waiting' : 'lost_lease', detail: serviceDown.message, ms: 0 };
    } else if (outcome?.kind === 'passed') {
      const to = nextStage(stage)!;
      const ok = await db.withTransaction((tx) =>
        ideas.finishRun(tx, {
          ideaId: idea.id, worker, runId, runState: 'passed', runOutputs: outcome.outputs, costCents,
          outputsKey, outputs: outcome.outputs, toStage: to, toStatus: outcome.toStatus ?? STAGE_STATUS[to], historyReason: outcome.summary,
          waitingOnBudget: null, lastError: null,
        }),
      );
      report = { ...base, attempt, outcome: ok ? 'passed' : 'lost_lease', detail: outcome.summary, toStage: to, ms: 0 };
      if (ok) {
        const offline = typeof outcome.outputs.offline === 'boolean' ? outcome.outputs.offline : undefined;
        track(deps.providers.analytics, logger, 'stage_completed', { idea_id: idea.id, stage, to_stage: to, attempt, duration_ms: Math.round(performance.now() - started), cost_cents: costCents, ...(offline === undefined ? {} : { offline }) });
      }
    } else if (outcome?.kind === 'wait') {
      const ok = await db.withTransaction((tx) =>
        ideas.finishRun(tx, {
          ideaId: idea.id, worker, runId, runState: 'waiting', runOutputs: outcome.outputs, costCents,
          stageProgress: Math.min(1, Math.max(0, outcome.progress)), nextAttemptInMs: outcome.inMs, lastError: null,
        }),
      );
      report = { ...base, attempt, outcome: ok ? 'waiting' : 'lost_lease', detail: outcome.reason, ms: 0 };
    } else {
      // a failed gate, or an unexpected error: retry with backoff, then park (or reject)
      const reason = outcome?.kind === 'failed' ? outcome.reason : `${stage.toLowerCase()}: ${error?.message ?? 'unknown error'}`;
      const failures = (await ideas.failuresInStage(db, idea.id, stage, idea.stageEnteredAt)) + 1;
      const maxRetries = config.pipeline.maxRetries;
      const retry = failures <= maxRetries;
      const reject = !retry && config.pipeline.gateExhausted === 'reject';
      const runOutputs = outcome?.kind === 'failed' ? outcome.outputs : {};
      const parkedReason = retry ? null : `${reason} (after ${failures} attempts)`;
      const ok = await db.withTransaction(async (tx) => {
        const moved = await ideas.finishRun(tx, {
          ideaId: idea.id, worker, runId, runState: outcome ? 'failed' : 'error', runOutputs, runError: reason, costCents,
          outputsKey, outputs: { ...runOutputs, gateFailed: true, reason },
          bumpAttempt: true,
          nextAttemptInMs: retry ? config.pipeline.retryBaseMs * 2 ** (failures - 1) : 0,
          parkedReason: reject ? null : parkedReason,
          toStatus: reject ? 'REJECTED' : undefined,
          lastError: reason, waitingOnBudget: null,
          historyReason: reject ? `rejected: ${parkedReason}` : undefined,
        });
        if (moved && !retry) {
          await emitEvent(tx, {
            kind: reject ? 'pipeline.rejected' : 'pipeline.parked',
            source: 'pipeline',
            level: 'WARNING',
            dedupKey: parkedKey(stage, reject ? 'rejected' : 'parked'),
            message: parkedMessage(stage, idea.title, reject ? 'rejected' : 'parked', parkedReason ?? reason),
            details: { ideaId: idea.id, stage, failures, reason: parkedReason },
          });
        }
        return moved;
      });
      if (error) logger.error({ err: error, idea: idea.id, stage, attempt }, 'pipeline: stage run failed');
      report = { ...base, attempt, outcome: !ok ? 'lost_lease' : retry ? 'retry' : reject ? 'rejected' : 'parked', detail: parkedReason ?? reason, ms: 0 };
      if (ok) {
        track(deps.providers.analytics, logger, 'gate_failed', {
          idea_id: idea.id, stage, attempt, duration_ms: Math.round(performance.now() - started), cost_cents: costCents,
          failures, outcome: report.outcome, error: !outcome, reason: reason.slice(0, 300),
        });
      }
    }
    if (report.outcome === 'lost_lease') logger.warn({ idea: idea.id, stage, worker }, 'pipeline: lease lost before the run finished; another worker redoes it');
    // a parked or rejected idea needs an operator: WARNING, so the manual's grep for WARNING/ERROR finds it
    else if (report.outcome === 'parked' || report.outcome === 'rejected') logger.warn({ idea: idea.id, stage, attempt, outcome: report.outcome, costCents }, `pipeline: ${stage} ${report.outcome}: ${report.detail}`);
    else logger.info({ idea: idea.id, stage, attempt, outcome: report.outcome, costCents }, `pipeline: ${stage} ${report.outcome}: ${report.detail}`);
    // money handed back (a settled campaign, a finished stage) may let ideas waiting on budget go on
    if (report.outcome === 'passed' && (stage === 'SMOKE_TEST' || costCents > 0)) await ideas.wakeBudgetWaiters(db);
    report.ms = performance.now() - started;
    return report;
  }

  async function idle(detail = true): Promise<{ idle: boolean; nextDueInMs: number | null; waitingOnServices: ServiceWait[] }> {
    const row = await ideas.activeSummary(db);
    if (!detail) return { idle: row.held === 0 && (row.pending === 0 || (row.nextDueInMs !== null && row.nextDueInMs > 600_000)), nextDueInMs: row.nextDueInMs, waitingOnServices: [] };
    const busy = { idle: false, nextDueInMs: row.nextDueInMs, waitingOnServices: [] };
    if (row.held > 0 || (row.nextDueInMs !== null && row.nextDueInMs <= 0)) return busy;
    if (row.pending === 0) return { idle: true, nextDueInMs: row.nextDueInMs, waitingOnServices: [] };
    // not due for 10 minutes, or held back by an open circuit breaker (this process's, or that of the one
    // that ran the idea last: the wait is on the idea, its reason in last_error): idle, and say which
    const groups = new Map<string, ServiceWait>();
    const now = Date.now();
    for (const idea of await ideas.pendingIdeas(db)) {
      const service = BREAKER_WAIT.exec(idea.lastError ?? '')?.[1];
      if (!service || idea.nextAttemptAt.getTime() <= now) {
        if (idea.nextAttemptAt.getTime() <= now + 600_000) return busy;
        continue;
      }
      const key = `${service}\u0000${idea.stage}`;
      const group = groups.get(key) ?? { service, stage: idea.stage, until: idea.nextAttemptAt, ideas: [] };
      if (idea.nextAttemptAt > group.until) group.until = idea.nextAttemptAt;
      group.ideas.push({ id: idea.id, title: idea.title });
      groups.set(key, group);
    }
    return { idle: true, nextDueInMs: row.nextDueInMs, waitingOnServices: [...groups.values()] };
  }

  async function run(options: RunOptions = {}): Promise<RunSummary> {
    const workers = options.workers ?? config.pipeline.workers;
    const prefix = options.workerPrefix ?? `${hostname()}:${process.pid}`;
    const started = clock.now();
    const t0 = performance.now();
    const deadline = options.timeBudgetMs ? performance.now() + options.timeBudgetMs : Infinity;
    const byOutcome: Record<string, number> = {};
    let steps = 0;
    let stoppedBecause: RunSummary['stoppedBecause'] = 'idle';
    let waitingOnServices: ServiceWait[] = [];
    let stop = false;
    const inFlight = new Map<string, { stage: Stage; title: string }>();
    // one outage, however many workers notice it: one WARNING when it starts, one INFO when it ends
    let outage: { since: number; message: string } | null = null;
    let outages = 0;
    let recoveredAt = -Infinity;

    const loop = async (index: number) => {
      const worker = `${prefix}:w${index}`;
      let failedInARow = 0;
      while (!stop) {
        if (options.signal?.aborted) {
          stoppedBecause = 'aborted';
          stop = true;
          break;
        }
        if (performance.now() >= deadline) {
          stoppedBecause = 'time';
          stop = true;
          break;
        }
        const tried = performance.now();
        let report: StepReport | null;
        let state: Awaited<ReturnType<typeof idle>>;
        try {
          if (failedInARow > 0) {
            // what this worker held when the database went away (a stage cut off, or a claim whose answer was
            // lost): hand it back, no lapse counted, so it resumes at once under its key, not after STAGE_LEASE
            const released = await ideas.releaseWorkerLeases(db, worker);
            if (released > 0) logger.debug({ worker, released }, `pipeline: ${worker} handed back ${released} idea${released === 1 ? '' : 's'} it held when the database went away`);
          }
          report = await step(worker, options.signal, (idea) => {
            inFlight.set(worker, idea);
            options.onActivity?.([...inFlight.values()]);
          });
          if (inFlight.delete(worker)) options.onActivity?.([...inFlight.values()]);
          state = report ? { idle: false, nextDueInMs: 0, waitingOnServices: [] } : await idle(Boolean(options.untilIdle));
        } catch (error) {
          if (inFlight.delete(worker)) options.onActivity?.([...inFlight.values()]);
          if (!isDatabaseUnreachable(error)) throw error;
          failedInARow++;
          // an error from a call started before the last recovery belongs to that outage, not a new one
          if (!outage && tried > recoveredAt) {
            outage = { since: performance.now(), message: error.message };
            outages++;
            logger.warn({ err: error, worker }, `pipeline: database out of reach; workers keep trying with backoff (${error.message.replace(/^storage: /, '')})`);
          }
          await sleep(retryDelay(failedInARow, OUTAGE_BACKOFF_BASE_MS, OUTAGE_BACKOFF_MAX_MS), options.signal);
          continue;
        }
        failedInARow = 0;
        if (outage) {
          logger.info({ outageMs: Math.round(performance.now() - outage.since) }, `pipeline: database back after ${formatDuration(performance.now() - outage.since)}; workers go on`);
          outage = null;
          recoveredAt = performance.now();
        }
        // PGlite answers without touching the event loop; yield so timers, signals and other work run
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (report) {
          steps++;
          byOutcome[report.outcome] = (byOutcome[report.outcome] ?? 0) + 1;
          options.onStep?.(report);
          continue;
        }
        if (options.untilIdle && state.idle) {
          waitingOnServices = state.waitingOnServices;
          stop = true;
          break;
        }
        const wait = state.nextDueInMs === null ? 500 : Math.min(500, Math.max(20, state.nextDueInMs));
        await sleep(wait, options.signal);
      }
    };
    await Promise.all(Array.from({ length: workers }, (_, i) => loop(i + 1)));
    for (const wait of waitingOnServices) {
      logger.info({ service: wait.service, stage: wait.stage, until: wait.until.toISOString(), ideas: wait.ideas.length }, `pipeline: ${describeServiceWait(wait)}`);
    }
    logger.info({ steps, byOutcome, ms: clock.now() - started, stoppedBecause, outages }, 'pipeline: run finished');
    return { steps, byOutcome, ms: performance.now() - t0, stoppedBecause, outages, waitingOnServices };
  }

  return { step, run, idle };
}
