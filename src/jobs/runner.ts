/**
 * The runner: claims a slot (the unique row decides which process runs it), runs the job with its
 * timeout as an AbortSignal, records the outcome on the row, and retries a failure with capped
 * exponential backoff. A job never throws into croner: every outcome ends on the row and in the log.
 * A final failure of a critical job emits `job.failed` in the transaction that records it.
 */
import { retryDelay, type Clock } from '../core/clock.js';
import { AppError, InvalidInputError, toError } from '../core/errors.js';
import type { JobContext } from '../core/jobs.js';
import type { Logger } from '../core/logger.js';
import type { Database } from '../core/ports.js';
import { redactText, redactValue } from '../core/redact.js';
import { emitEvent } from '../storage/events.js';
import { claimRetry, claimSlot, claimSlots, finishRun, runningRun, setProgress, type JobRun, type JobRunStatus } from '../storage/job-runs.js';
import type { RegisteredJob } from './registry.js';

export interface NodeIdentity {
  id: string;
  host: string;
  pid: number;
}

export interface RunOutcome {
  run: JobRun;
  status: JobRunStatus;
  durationMs: number;
  error?: string;
  output?: unknown;
}

export interface RunnerOptions {
  db: Database;
  logger: Logger;
  clock: Clock;
  node: NodeIdentity;
  /** First retry delay; doubles each attempt. @default 10_000 */
  retryBaseMs?: number;
  /** Cap on the retry delay. @default 600_000 */
  retryMaxMs?: number;
  /** Called after every attempt ends (metrics). */
  onAttempt?(job: RegisteredJob, status: JobRunStatus, durationMs: number): void;
  /** Called when a retry is due for a run this runner failed (the scheduler arms a timer). */
  onRetryScheduled?(job: RegisteredJob, runId: number, at: Date): void;
}

export interface ActiveRun {
  job: RegisteredJob;
  run: JobRun;
  controller: AbortController;
  done: Promise<RunOutcome>;
  /** What the run says it is doing now (`JobContext.activity`), null when it said nothing. */
  activity: string | null;
}

/**
 * How long an interruptible job (`JobDefinition.interruptible`) gets after a stop's abort to record where
 * it stopped (the pipeline marks its interrupted stage runs to resume) before its run is recorded without it.
 */
export const INTERRUPT_SETTLE_MS = 600;

class JobTimeoutError extends AppError {
  constructor(job: string, ms: number) {
    super('JOB_TIMEOUT', `jobs: ${job} ran past its timeout of ${ms} ms and was aborted`);
  }
}
class SchedulerStoppingError extends AppError {
  constructor() {
    super('SCHEDULER_STOPPING', 'jobs: the scheduler stopped during the run');
  }
}

export { retryDelay };

export interface Runner {
  /** Claim the slot and run it when this process wins it. Undefined when another process has it or the job is paused. */
  runSlot(job: RegisteredJob, slot: Date, how?: { catchUp?: boolean }): Promise<RunOutcome | undefined>;
  /** Take a due retry and run it. */
  runRetry(job: RegisteredJob, runId: number): Promise<RunOutcome | undefined>;
  /** An operator's run: now, once (no retries), even when paused; refused while the job runs elsewhere. */
  runNow(job: RegisteredJob, operator: string): Promise<RunOutcome>;
  active(): ActiveRun[];
  /** Abort every active run (or those `which` picks) as the scheduler stops. */
  abortAll(which?: (run: ActiveRun) => boolean): void;
}

export function createRunner(options: RunnerOptions): Runner {
  const { db, clock, node } = options;
  const base = options.retryBaseMs ?? 10_000;
  const max = options.retryMaxMs ?? 600_000;
  const active = new Map<number, ActiveRun>();

  async function execute(job: RegisteredJob, run: JobRun): Promise<RunOutcome> {
    const controller = new AbortController();
    let resolveDone!: (o: RunOutcome) => void;
    const done = new Promise<RunOutcome>((resolve) => (resolveDone = resolve));
    const entry: ActiveRun = { job, run, controller, done, activity: null };
    active.set(run.id, entry);
    const log = options.logger.child({ job: job.name, run: run.id, slot: run.scheduledFor.toISOString(), attempt: run.attempt });
    const started = clock.now();
    const timer = setTimeout(() => controller.abort(new JobTimeoutError(job.name, job.timeoutMs)), job.timeoutMs);
    const context: JobContext = {
      signal: controller.signal,
      logger: log,
      scheduledFor: run.scheduledFor,
      attempt: run.attempt,
      manual: run.manual,
      progress(message) {
        setProgress(db, run.id, redactText(message)).catch((error) => log.warn({ err: error }, 'jobs: could not record progress'));
      },
      activity(what) {
        entry.activity = what === null ? null : redactText(what).slice(0, 200);
      },
    };
    log.info({ manual: run.manual, catchUp: run.catchUp }, `job ${job.name} started`);
    let status: 'succeeded' | 'failed' | 'timed_out';
    let error: string | undefined;
    let output: unknown;
    let stopping = false;
    try {
      const aborted = new Promise<never>((_, reject) => {
        controller.signal.addEventListener(
          'abort',
          () => {
            const reason: unknown = controller.signal.reason;
            // an interruptible job stops at its next safe point and records where: give it that moment
            if (reason instanceof SchedulerStoppingError && job.definition.interruptible) setTimeout(() => reject(reason), INTERRUPT_SETTLE_MS).unref();
            else reject(reason);
          },
          { once: true },
        );
      });
      // A job that ignores its signal is left behind: the row is marked and croner's protect released.
      const result = await Promise.race([Promise.resolve().then(() => job.definition.run(context)), aborted]);
      status = 'succeeded';
      output = result === undefined ? null : typeof result === 'string' ? { summary: result } : redactValue(result);
    } catch (caught) {
      const err = toError(caught);
      stopping = caught instanceof SchedulerStoppingError;
      status = caught instanceof JobTimeoutError ? 'timed_out' : 'failed';
      error = redactText(err.message).slice(0, 2000);
    } finally {
      clearTimeout(timer);
    }
    const durationMs = clock.now() - started;
    const retriesLeft = !run.manual && run.attempt < run.maxAttempts;
    const finalStatus: JobRunStatus = status !== 'succeeded' && retriesLeft ? 'retrying' : status;
    const nextAttemptAt = finalStatus === 'retrying' ? new Date(clock.now() + (stopping ? 0 : retryDelay(run.attempt, base, max))) : undefined;
    let recorded = false;
    const finish = {
      id: run.id,
      nodeId: node.id,
      attempt: run.attempt,
      status: finalStatus as 'succeeded' | 'failed' | 'timed_out' | 'retrying',
      now: clock.date(),
      durationMs,
      error,
      output,
      nextAttemptAt,
    };
    const raisesEvent = job.critical && (finalStatus === 'failed' || finalStatus === 'timed_out');
    try {
      // One statement on the common path; a transaction only when an event goes with the change.
      recorded = !raisesEvent
        ? await finishRun(db, finish)
        : await db.withTransaction(async (tx) => {
            const ok = await finishRun(tx, finish);
            if (ok) {
              await emitEvent(tx, {
                kind: 'job.failed',
                source: 'scheduler',
                level: 'CRITICAL',
                dedupKey: `job.failed:${job.name}`,
                message: `critical job ${job.name} ${finalStatus === 'timed_out' ? 'timed out' : 'failed'} (slot ${run.scheduledFor.toISOString()}, attempt ${run.attempt}/${run.maxAttempts}): ${error ?? ''}`,
                details: { job: job.name, runId: run.id, slot: run.scheduledFor.toISOString(), attempt: run.attempt, host: node.host, error },
              });
            }
            return ok;
          });
    } catch (dbError) {
      log.error({ err: dbError }, `jobs: could not record the end of ${job.name}; a live scheduler will reap the run when this node's heartbeat lapses`);
    }
    active.delete(run.id);
    options.onAttempt?.(job, finalStatus, durationMs);
    if (!recorded) log.warn('jobs: the run was taken over by another scheduler (this node was considered dead); its outcome was not recorded here');
    const line = { status: finalStatus, durationMs, error, nextAttemptAt: nextAttemptAt?.toISOString() };
    if (finalStatus === 'succeeded') log.info(line, `job ${job.name} succeeded`);
    else if (finalStatus === 'retrying') log.warn(line, `job ${job.name} ${status}; retrying`);
    else log.error(line, `job ${job.name} ${finalStatus}`);
    if (recorded && finalStatus === 'retrying' && nextAttemptAt) options.onRetryScheduled?.(job, run.id, nextAttemptAt);
    const outcome: RunOutcome = { run, status: finalStatus, durationMs, error, output };
    resolveDone(outcome);
    return outcome;
  }

  // Slots that fall due at one instant (many jobs on the same second) are claimed in one statement.
  type Pending = { job: RegisteredJob; slot: Date; catchUp: boolean; resolve(run: JobRun | undefined): void; reject(error: unknown): void };
  let pending: Pending[] = [];
  function claimBatched(job: RegisteredJob, slot: Date, catchUp: boolean): Promise<JobRun | undefined> {
    return new Promise((resolve, reject) => {
      pending.push({ job, slot, catchUp, resolve, reject });
      if (pending.length === 1) setImmediate(flush);
    });
  }
  function flush(): void {
    const batch = pending;
    pending = [];
    claimSlots(db, {
      now: clock.date(),
      nodeId: node.id,
      host: node.host,
      pid: node.pid,
      slots: batch.map((p) => ({ job: p.job.key, name: p.job.name, scheduledFor: p.slot, maxAttempts: p.job.retries + 1, critical: p.job.critical, catchUp: p.catchUp })),
    }).then(
      (rows) => {
        const won = new Map(rows.map((r) => [`${r.job}|${r.scheduledFor.getTime()}`, r]));
        for (const p of batch) {
          const key = `${p.job.key}|${p.slot.getTime()}`;
          p.resolve(won.get(key));
          won.delete(key); // the same slot asked twice in one batch runs once
        }
      },
      (error) => {
        for (const p of batch) p.reject(error);
      },
    );
  }

  return {
    async runSlot(job, slot, how = {}) {
      const run = await claimBatched(job, slot, how.catchUp ?? false);
      if (!run) return undefined;
      return execute(job, run);
    },
    async runRetry(job, runId) {
      const run = await claimRetry(db, { id: runId, now: clock.date(), nodeId: node.id, host: node.host, pid: node.pid });
      return run ? execute(job, run) : undefined;
    },
    async runNow(job, operator) {
      const running = await runningRun(db, job.key);
      if (running) {
        throw new InvalidInputError(
          `jobs: ${job.name} is running now on ${running.host ?? '?'} (pid ${running.pid ?? '?'}, since ${running.startedAt?.toISOString() ?? '?'}); wait for it to finish`,
        );
      }
      for (let i = 0; i < 5; i++) {
        const run = await claimSlot(db, {
          job: job.key,
          name: job.name,
          scheduledFor: new Date(clock.now() + i),
          now: clock.date(),
          maxAttempts: 1,
          critical: job.critical,
          nodeId: node.id,
          host: node.host,
          pid: node.pid,
          manual: true,
          operator,
          ignorePause: true,
        });
        if (!run) continue; // a slot with this very millisecond exists: take the next one
        return execute(job, run);
      }
      throw new InvalidInputError(`jobs: could not record a manual run of ${job.name}; try again`);
    },
    active: () => [...active.values()],
    abortAll(which) {
      for (const a of active.values()) if (!which || which(a)) a.controller.abort(new SchedulerStoppingError());
    },
  };
}
