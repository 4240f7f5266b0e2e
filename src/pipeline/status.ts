/**
 * The pipeline at a glance, for `studio pipeline status`, the console and health checks: counts per stage
 * and status, ideas processing / waiting on budget / parked, stuck ideas, and throughput. A handful of
 * indexed queries, cheap however many ideas there are.
 */
import type { Config } from '../core/config.js';
import type { PipelineView } from '../core/console-api.js';
import type { Queryable } from '../core/ports.js';
import { pipelineCounts, stuckIdeas, throughput, toPipelineCounts, toStuckIdeas, type PipelineCounts, type PipelineCountsRow, type StuckIdea, type StuckIdeaRow } from '../storage/idea-rollups.js';
import { MAX_LEASE_LAPSES } from './orchestrator.js';

export interface PipelineStatus extends PipelineCounts {
  stuck: StuckIdea[];
  /** Stage runs finished in the last hour and what became of them. */
  lastHour: { runs: number; passed: number; failed: number };
  at: Date;
}

export async function pipelineStatus(db: Queryable, config: Config, now: Date): Promise<PipelineStatus> {
  const [counts, stuck, lastHour] = await Promise.all([
    pipelineCounts(db, now),
    stuckIdeas(db, now, config.pipeline.stuckAfterMs, { maxLapses: MAX_LEASE_LAPSES }),
    throughput(db, new Date(now.getTime() - 3_600_000)),
  ]);
  return { ...counts, stuck, lastHour, at: now };
}

/**
 * The console's pipeline panel, read for itself: counts and stuck ideas only (the panel does not show
 * the last hour's throughput, so a refresh does not pay a round trip for it).
 */
export async function readPipelineView(db: Queryable, config: Config, now: Date): Promise<PipelineView> {
  const [counts, stuck] = await Promise.all([pipelineCounts(db, now), stuckIdeas(db, now, config.pipeline.stuckAfterMs, PANEL_STUCK)]);
  return toPipelineView({ ...counts, stuck });
}

/** How the console's pipeline panel reads stuck ideas (readPipelineView; the console's refresh statement reads the same). */
export const PANEL_STUCK = { maxLapses: MAX_LEASE_LAPSES, limit: 50 };

/** readPipelineView from the rows of the console's refresh statement (the same statements, read in it). */
export function pipelineViewOf(rows: { counts: PipelineCountsRow[]; stuck: StuckIdeaRow[] }, config: Config, now: Date): PipelineView {
  return toPipelineView({ ...toPipelineCounts(rows.counts), stuck: toStuckIdeas(rows.stuck, now, config.pipeline.stuckAfterMs, PANEL_STUCK.maxLapses) });
}

/** The console's pipeline panel (ConsoleSnapshot.pipeline). */
export function toPipelineView(s: PipelineCounts & { stuck: StuckIdea[] }): PipelineView {
  return {
    stages: s.stages,
    statuses: s.statuses,
    // processing = held by a worker now (a live lease); the rest of the active ideas are queued
    processing: s.running,
    queued: Math.max(0, s.processing - s.running - s.waitingOnBudget),
    waitingOnBudget: s.waitingOnBudget,
    parked: s.parked,
    stuck: s.stuck.map((x) => ({ kind: x.parkedReason ? ('parked' as const) : ('stuck' as const), id: x.id, title: x.title, stage: x.stage, status: x.status, heldForMs: x.heldForMs, reason: x.reason })),
    completedLast24h: s.completedLast24h,
  };
}
