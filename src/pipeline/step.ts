/**
 * One step of a pipeline worker: claim one due idea, run its current stage (holding the lease with a
 * heartbeat), and write what came of it in one transaction: passed (moved on), waiting (the stage asked,
 * a service's breaker is open, or budget is short: no retry spent), interrupted from outside (resumes at
 * once under its key), or failed (retry with backoff, then parked or rejected with an ops event). An idea
 * whose lease lapsed MAX_LEASE_LAPSES times is parked. `orchestrator.ts` runs workers of these steps.
 */
import { BudgetExceededError, ServiceUnavailableError, isDatabaseUnreachable, toError } from '../core/errors.js';
import type { Stage } from '../core/types.js';
import { emitEvent } from '../storage/events.js';
import * as ideas from '../storage/idea-claims.js';
import { track } from './analytics.js';
import { STAGE_STATUS, nextStage, OUTPUT_KEY } from './lifecycle.js';
import { createStageContext, type StageDeps, type StageOutcome } from './stages/context.js';
import { STAGE_HANDLERS } from './stages/index.js';

/** Lease lapses (its workers kept dying) after which an idea is parked. */
export const MAX_LEASE_LAPSES = 3;

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

/** The signal was aborted from outside (a stop), not by the job's own timeout: the run resumes, it did not fail. */
function interruptedBy(signal: AbortSignal | undefined): boolean {
  if (!signal?.aborted) return false;
  const reason: unknown = signal.reason;
  return !(reason && typeof reason === 'object' && 'code' in reason && reason.code === 'JOB_TIMEOUT');
}

export type Step = (worker: string, signal?: AbortSignal, onStart?: (idea: { stage: Stage; title: string }) => void) => Promise<StepReport | null>;

export function createStep(deps: StageDeps): Step {
  const { db, config, logger } = deps;
  const leaseMs = config.pipeline.stageLeaseMs;

  return async function step(worker: string, signal?: AbortSignal, onStart?: (idea: { stage: Stage; title: string }) => void): Promise<StepReport | null> {
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
  };
}
