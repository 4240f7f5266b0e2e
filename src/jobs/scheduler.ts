/**
 * The scheduler: one per process that takes slots (a headless `studio scheduler`, or the console in
 * embedded mode). croner fires every job here; the runner decides through the slot row whether this
 * process runs it. Around that, on each heartbeat: refresh this node's row, fail or hand back runs of
 * nodes whose heartbeat lapsed, take due retries, and the dead-man check (housekeeping.ts). At start:
 * catch-up.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { systemClock, type Clock } from '../core/clock.js';
import { toError } from '../core/errors.js';
import type { Config } from '../core/config.js';
import type { JobDefinition } from '../core/jobs.js';
import type { Logger } from '../core/logger.js';
import type { Database } from '../core/ports.js';
import { lastSlots, recordSlot, releaseRuns, type JobRunStatus } from '../storage/job-runs.js';
import { jobStates, registerJobs } from '../storage/job-state.js';
import { heartbeat, liveNodes, markStopped, markStopping, pruneNodes, registerNode } from '../storage/scheduler-nodes.js';
import { createRegistry, type Registry, type RegisteredJob } from './registry.js';
import { createRunner, type ActiveRun, type NodeIdentity, type RunOutcome, type Runner } from './runner.js';
import { planCatchUp, startTimers, type Timers } from './timekeeper.js';
import { createHousekeeping } from './housekeeping.js';
import { createJobMetrics, type JobMetrics } from './job-metrics.js';

/** How long a slot refused by protect waits for another scheduler to take it before it is recorded skipped. */
const SKIP_AFTER_MS = 2_000;

/**
 * The configuration's scheduler timings (SCHEDULER_HEARTBEAT, SCHEDULER_NODE_TIMEOUT: a node silent this
 * long is dead, SCHEDULER_SHUTDOWN_GRACE, SCHEDULER_DEADMAN_GRACE, SCHEDULER_RETRY_BASE / _MAX).
 */
export type SchedulerSettings = Pick<Config['scheduler'], 'heartbeatMs' | 'nodeTimeoutMs' | 'shutdownGraceMs' | 'deadmanGraceMs' | 'retryBaseMs' | 'retryMaxMs'>;

export interface SchedulerOptions {
  db: Database;
  logger: Logger;
  jobs: JobDefinition[];
  settings: SchedulerSettings;
  clock?: Clock;
  host?: string;
  pid?: number;
  /** Start croner timers. Tests drive slots by hand with false. @default true */
  timers?: boolean;
}

export interface SchedulerHealth {
  healthy: boolean;
  nodeId: string;
  startedAt: Date | undefined;
  lastHeartbeatAt: Date | undefined;
  heartbeatAgeMs: number | undefined;
  running: number;
  stopping: boolean;
}

export interface StopReport {
  /** Runs that finished within the grace period. */
  finished: number;
  /** Runs aborted (at once, or after the grace) and handed back (retry) or failed. */
  released: number;
  /** The aborted runs, as `name (what it was doing)`. */
  aborted: string[];
}

/** `pipeline.tick (RESEARCH "Bakery finder")`: a running job and what it says it is doing. */
function describeRun(r: ActiveRun): string {
  return r.activity ? `${r.job.name} (${r.activity})` : r.job.name;
}

export interface Scheduler {
  readonly node: NodeIdentity;
  readonly registry: Registry;
  readonly runner: Runner;
  readonly metrics: JobMetrics;
  /**
   * Register this node, reap dead nodes' runs, start the timers and the heartbeat, and catch up in the
   * background (`caughtUp` settles when catch-up is done).
   */
  start(): Promise<{ caughtUp: Promise<RunOutcome[]> }>;
  /**
   * Stop taking slots, abort interruptible jobs at once (all jobs when `graceMs` is 0), wait for the rest
   * up to the grace period, abort and hand back what is left, mark the node stopping. An aborted run gets
   * `settleMs` (@default 1000) to record itself before it is released by this node.
   */
  stop(options?: { graceMs?: number; settleMs?: number }): Promise<StopReport>;
  /** The running jobs, as `name (what it is doing)`: what a stop now would wait for. */
  running(): string[];
  /** Run a slot as croner would (tests, benches). */
  fire(name: string, slot: Date): Promise<RunOutcome | undefined>;
  /** One heartbeat's work: heartbeat, reap, retries, dead-man. */
  housekeep(): Promise<void>;
  /** Catch up missed slots (done by start). */
  catchUp(): Promise<RunOutcome[]>;
  /** An operator's run of a job, now. */
  runNow(name: string, operator: string): Promise<RunOutcome>;
  health(): SchedulerHealth;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const clock = options.clock ?? systemClock;
  const host = options.host ?? hostname();
  const pid = options.pid ?? process.pid;
  const node: NodeIdentity = { id: `${host}:${pid}:${randomBytes(3).toString('hex')}`, host, pid };
  const log = options.logger.child({ node: node.id });
  const registry = createRegistry(options.jobs, { host });
  const settings = options.settings;
  const metrics = createJobMetrics();
  const retryTimers = new Set<NodeJS.Timeout>();
  let timers: Timers | undefined;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let startedAt: Date | undefined;
  let lastHeartbeatAt: Date | undefined;
  let stopping = false;
  let housekeeping: Promise<void> | undefined;

  const runner = createRunner({
    db: options.db,
    logger: log,
    clock,
    node,
    retryBaseMs: settings.retryBaseMs,
    retryMaxMs: settings.retryMaxMs,
    onAttempt: (job, status, ms) => metrics.record(job.name, status, ms),
    onRetryScheduled(job, runId, at) {
      // Without timers (tests drive time by hand) retries are taken by housekeep().
      if (stopping || options.timers === false) return;
      const timer = setTimeout(() => {
        retryTimers.delete(timer);
        if (stopping) return;
        runner.runRetry(job, runId).catch((error) => log.error({ err: error, job: job.name }, 'jobs: retry failed to start'));
      }, Math.max(0, at.getTime() - clock.now()));
      retryTimers.add(timer);
    },
  });

  async function safeSlot(job: RegisteredJob, slot: Date, how: { catchUp?: boolean } = {}): Promise<RunOutcome | undefined> {
    if (stopping) return undefined;
    // a manual run of this job (j in the console, studio jobs run) is going in this process: the slot
    // overlaps it, as a firing protect refuses does (protect knows only croner's own firings)
    if (runner.active().some((r) => r.job.key === job.key)) {
      skipLater(job, slot);
      return undefined;
    }
    try {
      return await runner.runSlot(job, slot, how);
    } catch (error) {
      // The claim itself failed (database unreachable): the slot stays unclaimed; another node may take it.
      log.error({ err: error, job: job.name, slot: slot.toISOString() }, `jobs: could not claim ${job.name}; ${toError(error).message}`);
      return undefined;
    }
  }

  /**
   * A firing refused because the previous run of the job is still going here. Another scheduler may take
   * the slot; if none has within a moment, record it as skipped so it is accounted for (and no dead-man fires).
   */
  function skipLater(job: RegisteredJob, slot: Date): void {
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      recordSlot(options.db, { job: job.key, scheduledFor: slot, status: 'skipped', now: clock.date(), error: 'the previous run of this job was still running', critical: job.critical, nodeId: node.id, host, pid })
        .then((inserted) => {
          if (!inserted) return;
          metrics.record(job.name, 'skipped', 0);
          log.warn({ job: job.name, slot: slot.toISOString() }, `job ${job.name}: slot skipped, the previous run is still going`);
        })
        .catch((error) => log.warn({ err: error }, 'jobs: could not record a skipped slot'));
    }, SKIP_AFTER_MS);
    retryTimers.add(timer);
  }

  const { reap, takeRetries, deadman } = createHousekeeping({
    db: options.db,
    log,
    clock,
    node,
    registry,
    runner,
    metrics,
    settings,
    stopping: () => stopping,
    startedAt: () => startedAt,
  });

  async function heartbeatNow(): Promise<void> {
    const now = clock.date();
    if (!(await heartbeat(options.db, node.id, now))) await registerNode(options.db, { ...node, now });
    lastHeartbeatAt = now;
  }

  async function housekeepOnce(): Promise<void> {
    const steps: Array<[string, () => Promise<void>]> = [
      ['heartbeat', heartbeatNow],
      ['reap', reap],
      ['retries', takeRetries],
      ['dead-man', deadman],
    ];
    for (const [name, step] of steps) {
      if (stopping && name !== 'heartbeat') return;
      try {
        await step();
      } catch (error) {
        log.error({ err: error }, `jobs: housekeeping (${name}) failed: ${toError(error).message}`);
      }
    }
  }

  const scheduler: Scheduler = {
    node,
    registry,
    runner,
    metrics,
    async start() {
      const now = clock.date();
      startedAt = now;
      await registerNode(options.db, { ...node, now });
      lastHeartbeatAt = now;
      await registerJobs(options.db, [...new Set(registry.jobs.flatMap((j) => [j.name, j.key]))], now);
      await reap().catch((error) => log.error({ err: error }, 'jobs: reaping at start failed'));
      await pruneNodes(options.db, new Date(now.getTime() - 7 * 86_400_000)).catch(() => undefined);
      if (options.timers !== false) {
        timers = startTimers(registry.jobs, {
          now: () => clock.date(),
          onSlot: async (job, slot) => {
            await safeSlot(job, slot);
          },
          onBlocked: (job, slot) => skipLater(job, slot),
        });
        heartbeatTimer = setInterval(() => {
          if (housekeeping) return;
          housekeeping = housekeepOnce().finally(() => (housekeeping = undefined));
        }, settings.heartbeatMs);
      }
      // pid is on every line already (the logger's base); writing it here too made the key appear twice
      log.info({ jobs: registry.jobs.map((j) => j.name), host }, `scheduler started with ${registry.jobs.length} jobs`);
      // Catch-up runs in the background so the timers (and /healthz) are live at once.
      const caughtUp = scheduler.catchUp().catch((error) => {
        log.error({ err: error }, 'jobs: catch-up failed');
        return [] as RunOutcome[];
      });
      return { caughtUp };
    },

    async catchUp() {
      const now = clock.date();
      const keys = registry.jobs.map((j) => j.key);
      const [last, states] = await Promise.all([lastSlots(options.db, keys), jobStates(options.db, [...new Set(registry.jobs.flatMap((j) => [j.name, j.key]))])]);
      // With another scheduler live, the slots around now are its to run: policy none records nothing then.
      const othersLive = (await liveNodes(options.db, new Date(now.getTime() - settings.nodeTimeoutMs))).some((n) => n.id !== node.id);
      const outcomes = await Promise.all(
        registry.jobs.map(async (job) => {
          const state = states.get(job.name);
          if (state?.paused) return [];
          const since = Math.max(
            last.get(job.key)?.getTime() ?? 0,
            states.get(job.key)?.registeredAt.getTime() ?? now.getTime(),
            state?.resumedAt?.getTime() ?? 0,
          );
          const plan = planCatchUp(job.pattern, job.catchUp, new Date(since), now, job.catchUpLimit);
          if (plan.skip && !othersLive) {
            await recordSlot(options.db, {
              job: job.key,
              scheduledFor: plan.skip,
              status: 'skipped',
              catchUp: true,
              now,
              error: 'missed while no scheduler was running (catch-up policy none)',
              critical: job.critical,
              nodeId: node.id,
              host,
              pid,
            });
          }
          const results: RunOutcome[] = [];
          for (const slot of plan.run) {
            if (stopping) break;
            log.info({ job: job.name, slot: slot.toISOString() }, `jobs: catching up ${job.name} for ${slot.toISOString()}`);
            const outcome = await safeSlot(job, slot, { catchUp: true });
            if (outcome) results.push(outcome);
          }
          return results;
        }),
      );
      return outcomes.flat();
    },

    async stop(stopOptions = {}) {
      if (stopping) return { finished: 0, released: 0, aborted: [] };
      stopping = true;
      timers?.stop();
      // The heartbeat goes on until the end (housekeeping does nothing else now): a run still finishing
      // within the grace must not look dead to other schedulers and be retried twice.
      for (const t of retryTimers) clearTimeout(t);
      retryTimers.clear();
      const graceMs = stopOptions.graceMs ?? settings.shutdownGraceMs;
      const settleMs = stopOptions.settleMs ?? 1_000;
      const running = runner.active();
      // Interruptible work (the pipeline's stage runs) is aborted at once whatever the grace: it resumes by
      // itself, nothing is paid twice, and it must not hold a stop up. With no grace, everything is.
      const atOnce = running.filter((r) => graceMs <= 0 || r.job.definition.interruptible === true);
      const aborted = new Set<ActiveRun>(atOnce);
      // what each was doing when it was aborted (it says nothing once it stopped)
      const described = new Map(running.map((r) => [r, describeRun(r)]));
      if (atOnce.length > 0) runner.abortAll((r) => aborted.has(r));
      await markStopping(options.db, node.id).catch((error) => log.warn({ err: error }, 'jobs: could not mark the node stopping'));
      const waiting = running.filter((r) => !aborted.has(r));
      log.info(
        { running: running.map((r) => r.job.name), abortedAtOnce: atOnce.map(describeRun), graceMs },
        `scheduler stopping; ${atOnce.length ? `aborted ${atOnce.map(describeRun).join(', ')} at once; ` : ''}waiting for ${waiting.length} running job(s)`,
      );
      if (waiting.length > 0) {
        let graceTimer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, graceMs)));
        await Promise.race([Promise.all(waiting.map((r) => r.done)), grace]);
        clearTimeout(graceTimer);
        const left = runner.active().filter((r) => !aborted.has(r));
        for (const r of left) {
          aborted.add(r);
          described.set(r, describeRun(r));
        }
        if (left.length > 0) runner.abortAll((r) => left.includes(r));
      }
      let released = 0;
      if (aborted.size > 0) {
        // Each aborted run records itself as retrying (or failed) when it reacts; wait a moment for that.
        let settleTimer: NodeJS.Timeout | undefined;
        await Promise.race([Promise.all([...aborted].map((r) => r.done)), new Promise<void>((resolve) => (settleTimer = setTimeout(resolve, settleMs)))]);
        clearTimeout(settleTimer);
        const stuck = runner.active();
        released = aborted.size;
        if (stuck.length > 0) {
          await releaseRuns(options.db, { nodeId: node.id, ids: stuck.map((r) => r.run.id), now: clock.date(), reason: 'the scheduler stopped during the run' }).catch(
            (error) => log.error({ err: error }, 'jobs: could not release running jobs; they are reaped when this node heartbeat lapses'),
          );
        }
      }
      if (heartbeatTimer) clearInterval(heartbeatTimer);
      await housekeeping?.catch(() => undefined);
      // the row stays, stamped stopped: health says "stopped cleanly at ..." instead of "went silent"
      await markStopped(options.db, node.id, clock.date()).catch((error) => log.warn({ err: error }, 'jobs: could not mark the node stopped'));
      const abortedList = [...aborted].map((r) => described.get(r) ?? describeRun(r));
      log.info(
        { finished: running.length - released, released, aborted: abortedList },
        abortedList.length
          ? `scheduler stopped; aborted ${abortedList.join(', ')}: interrupted stage runs resume on the next start (their paid steps replay, nothing is charged twice); aborted jobs run again at their next slot or retry`
          : 'scheduler stopped',
      );
      return { finished: running.length - released, released, aborted: abortedList };
    },

    running() {
      return runner.active().map(describeRun);
    },

    async fire(name, slot) {
      return safeSlot(registry.get(name), slot);
    },

    housekeep: () => housekeepOnce(),

    runNow(name, operator) {
      return runner.runNow(registry.get(name), operator);
    },

    health() {
      const age = lastHeartbeatAt ? clock.now() - lastHeartbeatAt.getTime() : undefined;
      return {
        healthy: !stopping && age !== undefined && age < settings.nodeTimeoutMs,
        nodeId: node.id,
        startedAt,
        lastHeartbeatAt,
        heartbeatAgeMs: age,
        running: runner.active().length,
        stopping,
      };
    },
  };
  return scheduler;
}

export type { JobRunStatus };
