/**
 * The idea life cycle of docs/domain.md: stage order, allowed moves, the status each stage sets, and overall
 * progress. Pure.
 */
import { STAGES, type Stage, type Status } from '../core/types.js';

export { STAGE_STATUS } from '../core/types.js';

const BASE: Record<Stage, number> = { IDEATE: 0.1, RESEARCH: 0.2, DECK: 0.3, INVESTORS: 0.4, MVP: 0.7, SMOKE_TEST: 0.9, COMPLETE: 1 };

/** Terminal states: nothing more runs. */
export const TERMINAL_STATUSES: Status[] = ['REJECTED', 'ARCHIVED'];

export function nextStage(stage: Stage): Stage | undefined {
  const index = STAGES.indexOf(stage);
  return index >= 0 && index < STAGES.length - 1 ? STAGES[index + 1] : undefined;
}

export function previousStage(stage: Stage): Stage | undefined {
  const index = STAGES.indexOf(stage);
  return index > 0 && stage !== 'COMPLETE' ? STAGES[index - 1] : undefined;
}

/** Forward one step, or back one step (COMPLETE is terminal: no way back). */
export function isAllowedMove(from: Stage, to: Stage): boolean {
  return nextStage(from) === to || (previousStage(from) === to && from !== 'COMPLETE');
}

/** Overall progress: the stage's base plus 0.1 x progress within it, capped at 1. */
export function overallProgress(stage: Stage, stageProgress: number): number {
  return Math.min(1, Math.round((BASE[stage] + 0.1 * Math.min(1, Math.max(0, stageProgress))) * 1000) / 1000);
}

/** Stages from `from` up to (not including) COMPLETE: what a reset to `from` runs again. */
export function stagesFrom(from: Stage): Stage[] {
  return STAGES.slice(STAGES.indexOf(from)).filter((s) => s !== 'COMPLETE' && s !== 'IDEATE');
}

/** The key under `ideas.outputs` where a stage keeps what it produced. */
export const OUTPUT_KEY: Record<Stage, string> = {
  IDEATE: 'ideate',
  RESEARCH: 'research',
  DECK: 'deck',
  INVESTORS: 'investors',
  MVP: 'mvp',
  SMOKE_TEST: 'smoke_test',
  COMPLETE: 'complete',
};
