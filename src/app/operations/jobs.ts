/**
 * Jobs by hand: list, run now, pause, resume, history. Both adapters go through these, so a run started
 * from the console registers a node, heartbeats and is audited exactly like `studio jobs run`.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { App } from '../app.js';
import { NotFoundError } from '../../core/errors.js';
import type { Registry, RegisteredJob } from '../../jobs/registry.js';
import type { RunOutcome } from '../../jobs/runner.js';
import type { Scheduler } from '../../jobs/scheduler.js';
import { recordAudit } from '../../storage/audit.js';
import { getRun, jobPanel as jobPanelRows, latestRuns, listRuns, type JobRun } from '../../storage/job-runs.js';
import { jobStates, setPaused, type JobState } from '../../storage/job-state.js';
import { heartbeat, registerNode, removeNode } from '../../storage/scheduler-nodes.js';
import type { Operator, OpsDeps } from './context.js';

export type { JobRun, JobState, Registry, RegisteredJob, RunOutcome };

/** Every job this install knows (the same wiring the scheduler uses). */
export async function loadJobRegistry(app: App): Promise<Registry> {
  const { jobWiring } = await import('../app-jobs.js');
  const { createRegistry } = await import('../../jobs/registry.js');
  return createRegistry((await jobWiring(app)).jobs, { host: hostname() });
}

export interface JobListing {
  job: RegisteredJob;
  state: JobState | undefined;
  lastRun: JobRun | undefined;
  nextRun: Date | null;
}

/** Each job with its pause state, its last run and its next slot. */
export async function listJobs(deps: Pick<OpsDeps, 'db' | 'clock'>, registry: Registry): Promise<JobListing[]> {
  const now = deps.clock.date();
  const [runs, states] = await Promise.all([latestRuns(deps.db, registry.jobs.map((j) => j.key)), jobStates(deps.db, registry.jobs.map((j) => j.name))]);
  return registry.jobs.map((job) => ({ job, state: states.get(job.name), lastRun: runs.get(job.key), nextRun: job.pattern.nextRun(now) ?? null }));
}

export interface RunJobOptions {
  name: string;
  /** The scheduler this process hosts (the console in embedded mode): the run goes through it. */
  scheduler?: Scheduler;
  /** Known jobs; loaded when absent. */
  registry?: Registry;
  /** Aborting it aborts the run (Ctrl-C); the run is recorded as failed. */
  signal?: AbortSignal;
  /** Who runs it, for the node id (`cli`, `console`). @default 'cli' */
  via?: string;
}

export interface RunJobResult {
  outcome: RunOutcome;
  /** The run row as recorded. */
  run: JobRun | undefined;
}

/**
 * Run a job now, once, even when paused (refused while it runs elsewhere), recorded like a scheduled run
 * (manual, with the operator) and audited. Without a hosted scheduler this process registers itself as a
 * node with a heartbeat for the run's length, so a live scheduler fails the run if this process dies.
 */
export async function runJobNow(app: App, operator: Operator, options: RunJobOptions): Promise<RunJobResult> {
  const registry = options.registry ?? options.scheduler?.registry ?? (await loadJobRegistry(app));
  const job = registry.get(options.name);
  await recordAudit(app.db, operator, { action: 'job.run', target: job.name, details: { manual: true, via: options.via ?? 'cli', hosted: Boolean(options.scheduler) } });
  if (options.scheduler) {
    const outcome = await options.scheduler.runNow(job.name, operator.user);
    return { outcome, run: await getRun(app.db, outcome.run.id) };
  }
  const { createRunner } = await import('../../jobs/runner.js');
  const host = hostname();
  const node = { id: `${options.via ?? 'cli'}:${host}:${process.pid}:${randomBytes(3).toString('hex')}`, host, pid: process.pid };
  await registerNode(app.db, { ...node, now: app.clock.date(), kind: 'cli' });
  const beat = setInterval(() => void heartbeat(app.db, node.id, app.clock.date()).catch(() => undefined), app.config.scheduler.heartbeatMs);
  const runner = createRunner({ db: app.db, logger: app.logger, clock: app.clock, node });
  const abort = () => runner.abortAll();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    const outcome = await runner.runNow(job, operator.user);
    return { outcome, run: await getRun(app.db, outcome.run.id) };
  } finally {
    options.signal?.removeEventListener('abort', abort);
    clearInterval(beat);
    await removeNode(app.db, node.id).catch((error: unknown) => app.logger.warn({ err: error, node: node.id }, 'jobs: could not remove the run-now node row; it lapses by itself'));
  }
}

export interface PauseResult {
  job: string;
  paused: boolean;
  /** False when it already was in that state. */
  changed: boolean;
}

/** Pause (or resume) a job on every scheduler: the state and its audit row in one transaction. */
export async function setJobPaused(deps: OpsDeps, operator: Operator, args: { registry: Registry; name: string; paused: boolean; reason?: string }): Promise<PauseResult> {
  const job = args.registry.get(args.name);
  const before = await deps.db.withTransaction(async (tx) => {
    const previous = (await setPaused(tx, { job: job.name, paused: args.paused, now: deps.clock.date(), by: operator.user, reason: args.reason })) ?? false;
    await recordAudit(tx, operator, { action: args.paused ? 'job.pause' : 'job.resume', target: job.name, reason: args.reason, details: { wasPaused: previous } });
    return previous;
  });
  deps.logger.info({ job: job.name, operator: operator.user, reason: args.reason }, `job ${job.name} ${args.paused ? 'paused' : 'resumed'}`);
  return { job: job.name, paused: args.paused, changed: before !== args.paused };
}

export const pauseJob = (deps: OpsDeps, operator: Operator, args: { registry: Registry; name: string; reason?: string }) => setJobPaused(deps, operator, { ...args, paused: true });
export const resumeJob = (deps: OpsDeps, operator: Operator, args: { registry: Registry; name: string; reason?: string }) => setJobPaused(deps, operator, { ...args, paused: false });

/** Runs newest first, of one job (by name or slot key) or all. Unknown job with no history: NotFoundError. */
export async function jobHistory(deps: Pick<OpsDeps, 'db'>, args: { registry?: Registry; name?: string; limit: number }): Promise<JobRun[]> {
  const job = args.name && args.registry?.has(args.name) ? args.registry.get(args.name) : undefined;
  const runs = await listRuns(deps.db, { job: job?.key ?? args.name, limit: args.limit });
  if (args.name && runs.length === 0 && args.registry && !args.registry.has(args.name)) {
    throw new NotFoundError(`jobs: there is no job "${args.name}" and no history for it (see studio jobs list)`);
  }
  return runs;
}

/** Each job's latest run and pause state, for the console's jobs panel (one query). */
export function jobPanel(deps: Pick<OpsDeps, 'db'>, registry: Registry) {
  return jobPanelRows(deps.db, registry.jobs);
}
