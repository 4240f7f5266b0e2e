/**
 * Pipeline analytics events, fire-and-forget: an event never fails and never slows the pipeline. A
 * capture that throws or rejects is logged (at WARNING, redacted) and forgotten; nothing is awaited.
 *
 * The events (every one with `source: 'studio'`):
 * - idea_created         idea_id, category, warnings, forced, embedding_offline
 * - stage_completed      idea_id, stage, to_stage, attempt, duration_ms, cost_cents, offline
 * - gate_failed          idea_id, stage, attempt, duration_ms, cost_cents, failures, outcome (retry /
 *                        parked / rejected), error (true when the stage threw rather than failed its gate),
 *                        reason (the gate's reason, at most 300 characters)
 * - budget_level_changed scope (a category or total), level, usage_pct, cycle_id
 * - campaign_paused      idea_id, campaign_id, account, reason, trigger (auto / budget / operator),
 *                        days_reported, cost_cents
 */
import type { Logger } from '../core/logger.js';
import type { Analytics } from '../core/providers.js';
import type { LevelCrossing } from './budget/sentinel.js';

export type PipelineEvent = 'idea_created' | 'stage_completed' | 'gate_failed' | 'budget_level_changed' | 'campaign_paused';

/** Capture an event without waiting for it; a failure is logged, never thrown. */
export function track(analytics: Analytics | undefined, logger: Logger | undefined, event: PipelineEvent, properties: Record<string, unknown>): void {
  if (!analytics) return;
  const warn = (error: unknown) => logger?.warn({ err: error, event, provider: analytics.info.name }, `analytics: could not capture ${event}; the pipeline goes on without it`);
  try {
    analytics.capture(event, { source: 'studio', ...properties }).catch(warn);
  } catch (error) {
    warn(error);
  }
}

/** The sentinel's level-crossing callback that sends `budget_level_changed`. */
export function budgetLevelEvent(analytics: Analytics, logger?: Logger): (crossing: LevelCrossing) => void {
  return (crossing) => track(analytics, logger, 'budget_level_changed', { scope: crossing.scope, level: crossing.level, usage_pct: crossing.usagePct, cycle_id: crossing.cycleId });
}
