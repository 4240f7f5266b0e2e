/**
 * The orchestrator: workers claim due ideas (FOR UPDATE SKIP LOCKED, with a lease), run the idea's
 * current stage, and move it on in one transaction (one such step is `step.ts`; this file is the
 * workers' loop around it, the outage backoff and the idle check). Any number of workers in any number of processes
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
import { isDatabaseUnreachable } from '../core/errors.js';
import type { Stage } from '../core/types.js';
import * as ideas from '../storage/idea-claims.js';
import type { StageDeps } from './stages/context.js';
import { createStep, type StepReport } from './step.js';

export { MAX_LEASE_LAPSES, type StepReport } from './step.js';
/** Backoff of a worker while the database is out of reach: 250 ms doubling, at most 5 s. */
export const OUTAGE_BACKOFF_BASE_MS = 250;
export const OUTAGE_BACKOFF_MAX_MS = 5_000;

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

/** The last error of an idea a service's open breaker holds back (ServiceUnavailableError's message). */
const BREAKER_WAIT = /^([\w.-]+): circuit breaker (?:open|half-open)/;

/** "2 ideas in RESEARCH wait on openai (circuit breaker open) until 00:41:02 UTC" */
export function describeServiceWait(wait: ServiceWait): string {
  const n = wait.ideas.length;
  return `${n} idea${n === 1 ? '' : 's'} in ${wait.stage} wait${n === 1 ? 's' : ''} on ${wait.service} (circuit breaker open) until ${wait.until.toISOString().slice(11, 19)} UTC`;
}

export function createOrchestrator(deps: StageDeps): Orchestrator {
  const { db, config, logger, clock } = deps;
  const step = createStep(deps);

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
