/**
 * Reading ideas and the operator's moves on them: detail (fields, history, runs, spend, artifacts),
 * similar ideas, `advance` (only allowed moves), and `reset-idea` with a preview of what will run again
 * and what it is estimated to cost. Moves and resets are audited.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfirmationRequiredError, InvalidInputError, NotFoundError } from '../../core/errors.js';
import type { Config } from '../../core/config.js';
import type { IdeaDetailView } from '../../core/console-api.js';
import type { Operator } from '../../core/operator.js';
import type { Database } from '../../core/ports.js';
import { STAGES, type Stage } from '../../core/types.js';
import { recordAudit } from '../../storage/audit.js';
import { latestCampaign, type CampaignRow } from '../../storage/campaigns.js';
import * as ideas from '../../storage/ideas.js';
import * as claims from '../../storage/idea-claims.js';
import { averageStageCost } from '../../storage/idea-rollups.js';
import { ideaSpend } from '../budget/sentinel.js';
import { STAGE_STATUS, OUTPUT_KEY, isAllowedMove, overallProgress, stagesFrom } from '../lifecycle.js';
import { STAGE_HANDLERS } from '../stages/index.js';
import { SIMILAR_SIMILARITY } from './intake.js';

export type { Operator };

export interface IdeaDetail {
  idea: ideas.IdeaRow;
  progress: number;
  history: ideas.HistoryRow[];
  runs: claims.RunRow[];
  spendCents: number;
  artifacts: string[];
  campaign: CampaignRow | undefined;
}

export async function requireIdea(db: Database, id: string): Promise<ideas.IdeaRow> {
  const idea = await ideas.getIdea(db, id);
  if (!idea) throw new NotFoundError(`ideas: no idea ${id} (list them with studio list)`);
  return idea;
}

export async function ideaDetail(db: Database, config: Config, id: string): Promise<IdeaDetail> {
  const idea = await requireIdea(db, id);
  const dir = join(config.paths.artifacts, idea.id);
  const artifacts = existsSync(dir) ? readdirSync(dir).filter((f) => !f.endsWith('.tmp')).sort().map((f) => join(dir, f)) : [];
  const [history, runs, spend, campaign] = await Promise.all([
    ideas.stageHistory(db, idea.id),
    claims.stageRuns(db, idea.id),
    ideaSpend(db, idea.id),
    latestCampaign(db, idea.id),
  ]);
  return { idea, progress: overallProgress(idea.currentStage, idea.stageProgress), history, runs, spendCents: spend.cents, artifacts, campaign };
}

export async function similarIdeas(db: Database, id: string, limit = 5): Promise<ideas.SimilarIdea[]> {
  const idea = await requireIdea(db, id);
  const vector = await ideas.ideaEmbedding(db, idea.id);
  if (!vector) return [];
  return ideas.nearestIdeas(db, vector, { limit, minSimilarity: SIMILAR_SIMILARITY, excludeId: idea.id });
}

function parseStage(stage: string): Stage {
  const upper = stage.trim().toUpperCase() as Stage;
  if (!STAGES.includes(upper)) throw new InvalidInputError(`ideas: unknown stage "${stage}"; use one of ${STAGES.join(', ')}`);
  return upper;
}

/** Move an idea one step forward or back (docs/domain.md allowed moves); audited. */
export async function advanceIdea(db: Database, id: string, stageText: string, operator: Operator): Promise<{ from: Stage; to: Stage }> {
  const idea = await requireIdea(db, id);
  const to = parseStage(stageText);
  if (!isAllowedMove(idea.currentStage, to)) {
    throw new InvalidInputError(
      `ideas: ${idea.currentStage} -> ${to} is not an allowed move; an idea moves one stage forward or one back${idea.currentStage === 'COMPLETE' ? ' (COMPLETE is terminal; use studio reset-idea)' : ''}`,
    );
  }
  await db.withTransaction(async (tx) => {
    await claims.moveIdea(tx, { ideaId: idea.id, toStage: to, toStatus: STAGE_STATUS[to], actor: operator.user, reason: `advanced by ${operator.user}` });
    await recordAudit(tx, operator, { action: 'idea.advance', target: idea.id, details: { from: idea.currentStage, to } });
  });
  return { from: idea.currentStage, to };
}

export interface ResetPlan {
  ideaId: string;
  title: string;
  fromStage: Stage;
  fromStatus: string;
  toStage: Stage;
  rerun: Stage[];
  estimatedCents: number;
  perStage: Array<{ stage: Stage; cents: number }>;
  /** Stage outputs and artifacts that will be replaced. */
  replaces: string[];
}

/** What a reset to `stage` would run again and its estimated cost (history average, else a typical figure). */
export async function previewReset(db: Database, config: Config, id: string, stageText: string): Promise<ResetPlan> {
  const idea = await requireIdea(db, id);
  const to = parseStage(stageText);
  if (to === 'COMPLETE') throw new InvalidInputError('ideas: cannot reset to COMPLETE; reset to a stage that runs');
  if (STAGES.indexOf(to) > STAGES.indexOf(idea.currentStage)) {
    throw new InvalidInputError(`ideas: ${to} is ahead of the idea's stage ${idea.currentStage}; a reset goes back (use studio advance to move forward)`);
  }
  const averages = await averageStageCost(db);
  const rerun = stagesFrom(to);
  const perStage = rerun.map((stage) => ({ stage, cents: Math.max(averages.get(stage) ?? 0, STAGE_HANDLERS[stage]?.typicalCents(config) ?? 0) }));
  const replaces = rerun.map((s) => OUTPUT_KEY[s]).filter((key) => key in idea.outputs);
  return {
    ideaId: idea.id,
    title: idea.title,
    fromStage: idea.currentStage,
    fromStatus: idea.status,
    toStage: to,
    rerun,
    estimatedCents: perStage.reduce((sum, s) => sum + s.cents, 0),
    perStage,
    replaces,
  };
}

/** The manual's recovery: put the idea back to `stage` (unparked, lease cleared) after a preview; audited. */
export async function resetIdea(
  db: Database,
  config: Config,
  id: string,
  stageText: string,
  options: { confirm: boolean; operator: Operator; reason?: string },
): Promise<ResetPlan> {
  const plan = await previewReset(db, config, id, stageText);
  if (!options.confirm) throw new ConfirmationRequiredError(`ideas: reset-idea re-runs ${plan.rerun.join(', ')}; run again with --confirm`);
  await db.withTransaction(async (tx) => {
    await claims.moveIdea(tx, {
      ideaId: plan.ideaId,
      toStage: plan.toStage,
      toStatus: STAGE_STATUS[plan.toStage],
      actor: options.operator.user,
      reason: `reset by ${options.operator.user}${options.reason ? `: ${options.reason}` : ''}`,
      clearOutputs: plan.replaces,
    });
    await recordAudit(tx, options.operator, {
      action: 'idea.reset',
      target: plan.ideaId,
      reason: options.reason,
      details: { from: plan.fromStage, fromStatus: plan.fromStatus, to: plan.toStage, rerun: plan.rerun, estimatedCents: plan.estimatedCents },
    });
  });
  return plan;
}

/** The console's view of an idea (ConsoleApi.ideaDetail). */
export function toIdeaDetailView(d: IdeaDetail): IdeaDetailView {
  return {
    id: d.idea.id,
    title: d.idea.title,
    description: d.idea.description,
    category: d.idea.category,
    stage: d.idea.currentStage,
    status: d.idea.status,
    progress: d.progress,
    createdAt: d.idea.createdAt,
    updatedAt: d.idea.updatedAt,
    history: d.history.map((h) => ({ at: h.at, from: h.fromStage, to: h.toStage, actor: h.actor, reason: h.reason })),
    spendCents: d.spendCents,
    artifacts: d.artifacts,
  };
}
