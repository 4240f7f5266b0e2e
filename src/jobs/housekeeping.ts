/**
 * What a scheduler does on each heartbeat besides the heartbeat itself: reap the runs of nodes whose
 * heartbeat lapsed (failing or handing them back, a critical one raising job.failed), take due retries,
 * and the dead-man check (a slot nobody ran within SCHEDULER_DEADMAN_GRACE is recorded missed and raises
 * job.deadman). `scheduler.ts` calls these from its housekeeping loop and at start.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Database } from '../core/ports.js';
import { emitEvent } from '../storage/events.js';
import { dueRetries, existingSlots, reapLapsedRuns, recordSlot } from '../storage/job-runs.js';
import { jobStates } from '../storage/job-state.js';
import type { JobMetrics } from './job-metrics.js';
import type { Registry, RegisteredJob } from './registry.js';
import type { NodeIdentity, Runner } from './runner.js';
import type { SchedulerSettings } from './scheduler.js';
import { expectedSlot, nextSlot } from './timekeeper.js';

export interface HousekeepingContext {
  db: Database;
  log: Logger;
  clock: Clock;
  node: NodeIdentity;
  registry: Registry;
  runner: Runner;
  metrics: JobMetrics;
  settings: Pick<SchedulerSettings, 'nodeTimeoutMs' | 'deadmanGraceMs'>;
  stopping(): boolean;
  /** When this node started (slots before it are catch-up's business). */
  startedAt(): Date | undefined;
}

export interface Housekeeping {
  reap(): Promise<void>;
  takeRetries(): Promise<void>;
  deadman(): Promise<void>;
}

export function createHousekeeping(ctx: HousekeepingContext): Housekeeping {
  const { db, log, clock, node, registry, runner, metrics, settings, stopping, startedAt } = ctx;
  /** Per job: when the dead-man check next has a new slot to look at. */
  const deadmanDueAt = new Map<string, number>();

async function reap(): Promise<void> {
  const now = clock.date();
  const reaped = await db.withTransaction(async (tx) => {
    const rows = await reapLapsedRuns(tx, { now, lapsedBefore: new Date(now.getTime() - settings.nodeTimeoutMs) });
    for (const r of rows) {
      if (r.status === 'failed' && r.critical) {
        const name = r.job.split('@')[0]!;
        await emitEvent(tx, {
          kind: 'job.failed',
          source: 'scheduler',
          level: 'CRITICAL',
          dedupKey: `job.failed:${name}`,
          message: `critical job ${name} failed: its scheduler (${r.nodeId ?? '?'}) stopped heartbeating during the run (slot ${r.scheduledFor.toISOString()})`,
          details: { job: name, runId: r.id, slot: r.scheduledFor.toISOString(), node: r.nodeId },
        });
      }
    }
    return rows;
  });
  for (const r of reaped) {
    log.warn({ job: r.job, run: r.id, deadNode: r.nodeId, status: r.status }, `jobs: run of ${r.job} on dead node ${r.nodeId ?? '?'} marked ${r.status}`);
  }
}

async function takeRetries(): Promise<void> {
  const due = await dueRetries(db, registry.jobs.map((j) => j.key), clock.date());
  for (const { id, job } of due) {
    const registered = registry.byKey(job);
    if (!registered || stopping()) continue;
    runner.runRetry(registered, id).catch((error) => log.error({ err: error, job }, 'jobs: retry failed to start'));
  }
}

async function deadman(): Promise<void> {
  const now = clock.date();
  const due = registry.jobs.filter((j) => (deadmanDueAt.get(j.key) ?? 0) <= now.getTime());
  if (due.length === 0) return;
  const states = await jobStates(db, due.map((j) => j.name));
  const checks: Array<{ job: RegisteredJob; slot: Date }> = [];
  for (const job of due) {
    const slot = expectedSlot(job.pattern, now, settings.deadmanGraceMs);
    const next = slot ? nextSlot(job.pattern, slot) : nextSlot(job.pattern, now);
    deadmanDueAt.set(job.key, next ? next.getTime() + settings.deadmanGraceMs : Number.POSITIVE_INFINITY);
    if (!slot) continue;
    const state = states.get(job.name);
    if (state?.paused) continue;
    // Slots before this node started are catch-up's business; before registration or resume, not expected.
    const since = Math.max(startedAt()?.getTime() ?? now.getTime(), state?.registeredAt.getTime() ?? 0, state?.resumedAt?.getTime() ?? 0);
    if (slot.getTime() < since) continue;
    checks.push({ job, slot });
  }
  if (checks.length === 0) return;
  const present = await existingSlots(db, checks.map((c) => ({ job: c.job.key, scheduledFor: c.slot })));
  for (const { job, slot } of checks) {
    if (present.has(`${job.key}|${slot.getTime()}`)) continue;
    const emitted = await db.withTransaction(async (tx) => {
      const inserted = await recordSlot(tx, {
        job: job.key,
        scheduledFor: slot,
        status: 'missed',
        now,
        error: `no scheduler ran this slot within ${Math.round(settings.deadmanGraceMs / 1000)} s`,
        critical: job.critical,
        nodeId: node.id,
        host: node.host,
        pid: node.pid,
      });
      if (!inserted) return false;
      await emitEvent(tx, {
        kind: 'job.deadman',
        source: 'scheduler',
        level: job.critical ? 'CRITICAL' : 'WARNING',
        dedupKey: `job.deadman:${job.name}`,
        message: `job ${job.name} did not run at ${slot.toISOString()} (schedule ${job.schedule} ${job.timezone}); check the schedulers (studio jobs list)`,
        details: { job: job.name, slot: slot.toISOString(), schedule: job.schedule, detectedBy: node.id },
      });
      return true;
    });
    if (emitted) {
      metrics.record(job.name, 'missed', 0);
      log.error({ job: job.name, slot: slot.toISOString() }, `jobs: dead-man: ${job.name} did not run at ${slot.toISOString()}`);
    }
  }
}

  return { reap, takeRetries, deadman };
}
