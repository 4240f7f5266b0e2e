/**
 * INVESTORS: the deck scored against the vc and angel rubrics (docs/domain.md weights); the better profile's
 * weighted score must reach FUND_THRESHOLD.
 */
import { resolveInside, UnsafePathError } from '../../core/contained-path.js';
import { readFileSync } from 'node:fs';
import { RUBRIC_CRITERIA, type ResearchSummary, type RubricCriterion } from '../../core/providers.js';
import type { StageHandler } from './context.js';

export const RUBRICS: Record<'vc' | 'angel', Record<RubricCriterion, number>> = {
  vc: { team: 0.25, market: 0.25, product_solution: 0.3, business_model: 0.1, pitch_quality: 0.1 },
  angel: { team: 0.3, market: 0.2, product_solution: 0.3, business_model: 0.1, pitch_quality: 0.1 },
};

export function weightedScore(scores: Record<RubricCriterion, number>, profile: 'vc' | 'angel'): number {
  const weights = RUBRICS[profile];
  const total = RUBRIC_CRITERIA.reduce((sum, c) => sum + weights[c] * Math.min(1, Math.max(0, scores[c] ?? 0)), 0);
  return Math.round(total * 1000) / 1000;
}

export const investorsStage: StageHandler = {
  stage: 'INVESTORS',
  critical: true,
  typicalCents: () => 2,
  async run(ctx) {
    const research = ctx.idea.outputs.research as { summary?: ResearchSummary } | undefined;
    const deck = ctx.idea.outputs.deck as { path?: string } | undefined;
    if (!research?.summary || !deck?.path) return { kind: 'failed', reason: 'investors: the idea has no deck; reset it to DECK', outputs: {} };
    let deckMarkdown: string;
    try {
      // the path is data (the idea's outputs): read only inside the artifacts folder
      deckMarkdown = readFileSync(resolveInside(ctx.config.paths.artifacts, deck.path, `investors: the deck of idea ${ctx.idea.id}`), 'utf8');
    } catch (error) {
      if (error instanceof UnsafePathError) return { kind: 'failed', reason: `${error.message}; reset the idea to DECK`, outputs: {} };
      return { kind: 'failed', reason: `investors: the deck ${deck.path} is missing; reset the idea to DECK`, outputs: {} };
    }
    const threshold = ctx.config.pipeline.fundThreshold;
    const profiles: Record<string, { scores: Record<RubricCriterion, number>; score: number; notes: string[] }> = {};
    let model = '';
    let offline = false;
    for (const profile of ['vc', 'angel'] as const) {
      const input = { idea: ctx.brief, research: research.summary, deckMarkdown, profile };
      const out = await ctx.generate(`score-${profile}`, 'investors.score', input, 400, (options) => ctx.providers.text.scoreInvestors(input, options));
      profiles[profile] = { scores: out.value.scores, score: weightedScore(out.value.scores, profile), notes: out.value.notes };
      model = out.model;
      offline = out.offline;
    }
    const best = profiles.vc!.score >= profiles.angel!.score ? 'vc' : 'angel';
    const score = profiles[best]!.score;
    const outputs = { profiles, best, score, threshold, passed: score >= threshold, model, offline };
    if (score < threshold) return { kind: 'failed', reason: `investor gate: best score ${score} (${best}) < FUND_THRESHOLD ${threshold}`, outputs };
    return { kind: 'passed', summary: `investor score ${score} (${best})`, outputs };
  },
};
