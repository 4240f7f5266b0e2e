/** Ideas by hand: list, preview and reset (the manual's recovery), advance one stage; moves are audited. */
import type { App } from '../app.js';
import { advanceIdea as advance, previewReset, resetIdea as reset, type ResetPlan } from '../../pipeline/ideas/service.js';
import { corpusStats } from '../../storage/evidence.js';
import { countIdeas, ideasInStage, listIdeas as list, listParkedAndWaiting, type IdeaRow, type ListFilter } from '../../storage/ideas.js';
import { MAX_LEASE_LAPSES } from '../../pipeline/orchestrator.js';
import type { StageIdeasView } from '../../core/console-api.js';
import type { Stage } from '../../core/types.js';
import { getSetting, setSettingOnce } from '../../storage/settings.js';
import type { Operator } from './context.js';

type IdeaDeps = Pick<App, 'db' | 'config'>;

export type { ResetPlan };

/** Ideas newest first, filtered. */
export function listIdeas(deps: Pick<App, 'db'>, filter: ListFilter) {
  return list(deps.db, filter);
}

/**
 * Ideas an operator may have to act on besides the stuck ones: parked (gate exhausted, lease lapses) and
 * waiting on budget, each with its reason, oldest in its stage first.
 */
export async function ideasAwaitingOperator(deps: Pick<App, 'db'>, now: Date, limit = 50) {
  return awaitingOperator(await listParkedAndWaiting(deps.db, limit), now);
}

/** The parked and budget-waiting lists as the console shows them, longest held first (an idea in both once, as parked). */
export function awaitingOperator(lists: { parked: AwaitingIdea[]; waiting: AwaitingIdea[] }, now: Date) {
  const { parked, waiting } = lists;
  const row = (kind: 'parked' | 'waiting') => (i: AwaitingIdea) => ({
    kind,
    id: i.id,
    title: i.title,
    stage: i.currentStage,
    status: i.status,
    heldForMs: now.getTime() - i.stageEnteredAt.getTime(),
    reason: kind === 'parked' ? `parked: ${i.parkedReason ?? ''}` : `waiting on budget: ${i.waitingOnBudget ?? ''}`,
  });
  return [...parked.map(row('parked')), ...waiting.filter((w) => !w.parkedReason).map(row('waiting'))].sort((a, b) => b.heldForMs - a.heldForMs);
}

/** What awaitingOperator needs of an idea. */
export type AwaitingIdea = Pick<IdeaRow, 'id' | 'title' | 'currentStage' | 'status' | 'stageEnteredAt' | 'parkedReason' | 'waitingOnBudget'>;

/**
 * The ideas in one stage (the console's drill-down from a stage count): each with its status, time in the
 * stage and what holds it — parked (with the reason), waiting on budget, stuck (too long in the stage or
 * leases lapsed, as `pipeline status` counts it) or active.
 */
export async function stageIdeas(deps: IdeaDeps, stage: Stage, now: Date, limit = 200): Promise<StageIdeasView> {
  const { total, ideas } = await ideasInStage(deps.db, stage, limit);
  const stuckAfterMs = deps.config.pipeline.stuckAfterMs;
  return {
    stage,
    total,
    ideas: ideas.map((i) => {
      const heldForMs = now.getTime() - i.stageEnteredAt.getTime();
      const active = i.currentStage !== 'COMPLETE' && i.status !== 'REJECTED' && i.status !== 'ARCHIVED';
      const stuckWhy = [
        ...(active && heldForMs > stuckAfterMs ? [`in ${i.currentStage} for ${Math.round(heldForMs / 60_000)} min`] : []),
        ...(active && i.leaseLapses >= MAX_LEASE_LAPSES ? [`lease lapsed ${i.leaseLapses} times`] : []),
      ];
      const [kind, reason] = i.parkedReason
        ? (['parked', `parked: ${i.parkedReason}`] as const)
        : i.waitingOnBudget
          ? (['waiting', `waiting on budget: ${i.waitingOnBudget}`] as const)
          : stuckWhy.length
            ? (['stuck', stuckWhy.join('; ')] as const)
            : (['active', i.lastError ? `last error: ${i.lastError}` : ''] as const);
      return { kind, id: i.id, title: i.title, stage: i.currentStage, status: i.status, heldForMs, reason };
    }),
  };
}

/** What a reset to `stage` would run again and what it is estimated to cost; changes nothing. */
export function previewIdeaReset(deps: IdeaDeps, args: { id: string; stage: string }): Promise<ResetPlan> {
  return previewReset(deps.db, deps.config, args.id, args.stage);
}

/** Put an idea back to `stage` (confirmed): the move and its audit row in one transaction. */
export function resetIdea(deps: IdeaDeps, operator: Operator, args: { id: string; stage: string; reason?: string }): Promise<ResetPlan> {
  return reset(deps.db, deps.config, args.id, args.stage, { confirm: true, operator, reason: args.reason });
}

/** One stage forward or one back (DOMAIN.md's allowed moves): the move and its audit row in one transaction. */
export function advanceIdea(deps: Pick<App, 'db'>, operator: Operator, args: { id: string; stage: string }) {
  return advance(deps.db, args.id, args.stage, operator);
}

/** Documents and chunks per research domain. */
export function evidenceStatus(deps: Pick<App, 'db'>) {
  return corpusStats(deps.db);
}

const SAMPLES_LOADED = 'sample_ideas_loaded';

/** True on a database that has never had an idea nor the sample ideas (the console's first start). */
export async function wantsSampleIdeas(deps: Pick<App, 'db'>): Promise<boolean> {
  if ((await getSetting(deps.db, SAMPLES_LOADED)) !== undefined) return false;
  return (await countIdeas(deps.db)) === 0;
}

/** Remember that the sample ideas were loaded, so they are never loaded twice. */
export async function markSampleIdeasLoaded(deps: Pick<App, 'db' | 'clock'>): Promise<void> {
  await setSettingOnce(deps.db, SAMPLES_LOADED, deps.clock.date().toISOString());
}
