/**
 * Smoke-test campaigns: the docs/domain.md rules in one place, used by the SMOKE_TEST stage and by the hourly
 * `campaigns.metrics` job. Auto-pause when days_active >= 2 and CTR < 0.01 and CPA > $50x2, or when the
 * google_ads budget is CRITICAL; success when 2 of 3 hold (CTR >= 0.02, cost <= budget, conversions > 0);
 * ROI label by cost per conversion.
 */
import type { Logger } from '../core/logger.js';
import type { Database } from '../core/ports.js';
import type { AdsAccount, Analytics } from '../core/providers.js';
import type { Level } from '../core/types.js';
import { microsToCents } from '../core/money.js';
import { activeCampaigns, recordDay, setCampaignStatus, type CampaignRow } from '../storage/campaigns.js';
import { track } from './analytics.js';
import type { Sentinel } from './budget/sentinel.js';

/** What pausing needs; `analytics` (optional) gets a campaign_paused event per campaign paused. */
export interface CampaignDeps {
  db: Database;
  ads: AdsAccount;
  logger: Logger;
  analytics?: Analytics;
  /** With it, each reported day's cost is spent from the campaign's reservation as it arrives. */
  budget?: Pick<Sentinel, 'draw'>;
}

function pausedEvent(deps: CampaignDeps, campaign: CampaignRow, reason: string, trigger: 'auto' | 'budget' | 'operator'): void {
  track(deps.analytics, deps.logger, 'campaign_paused', {
    idea_id: campaign.ideaId,
    campaign_id: campaign.externalId,
    account: campaign.account,
    reason,
    trigger,
    days_reported: campaign.daysReported,
    cost_cents: microsToCents(campaign.costMicros),
  });
}

export const TARGETS = { ctr: 0.02, conversionRate: 0.05, cpaMicros: 50_000_000 };
export const AUTO_PAUSE = { minDays: 2, ctrBelow: 0.01, cpaAboveMicros: 100_000_000 };

export type RoiLabel = 'EXCELLENT' | 'GOOD' | 'POOR' | 'NO_SPEND';

export interface CampaignTotals {
  impressions: number;
  clicks: number;
  conversions: number;
  costMicros: number;
  daysActive: number;
}

const ctrOf = (t: CampaignTotals) => (t.impressions > 0 ? t.clicks / t.impressions : 0);
/** Cost per conversion; with no conversion, everything spent (infinite when something was spent). */
const cpaOf = (t: CampaignTotals) => (t.conversions > 0 ? t.costMicros / t.conversions : t.costMicros > 0 ? Infinity : 0);

/** Why to pause, or null to keep running. */
export function autoPauseReason(t: CampaignTotals, googleAdsLevel: Level = 'HEALTHY'): string | null {
  if (googleAdsLevel === 'CRITICAL' || googleAdsLevel === 'EMERGENCY') return `google_ads budget is ${googleAdsLevel}`;
  const ctr = ctrOf(t);
  const cpa = cpaOf(t);
  if (t.daysActive >= AUTO_PAUSE.minDays && ctr < AUTO_PAUSE.ctrBelow && cpa > AUTO_PAUSE.cpaAboveMicros) {
    return `auto-pause after ${t.daysActive} days: CTR ${(ctr * 100).toFixed(2)}% < 1% and CPA ${Number.isFinite(cpa) ? `$${(cpa / 1e6).toFixed(2)}` : 'without conversions'} > $100`;
  }
  return null;
}

export function roiLabel(t: CampaignTotals): RoiLabel {
  if (t.costMicros <= 0) return 'NO_SPEND';
  const cpa = cpaOf(t);
  if (cpa < 30_000_000) return 'EXCELLENT';
  if (cpa < 60_000_000) return 'GOOD';
  return 'POOR';
}

export interface SmokeResult {
  success: boolean;
  checks: { ctrTarget: boolean; withinBudget: boolean; conversions: boolean };
  ctr: number;
  conversionRate: number;
  costPerConversion: number | null;
  cost: number;
  budget: number;
  impressions: number;
  clicks: number;
  conversions: number;
  daysActive: number;
  roi: RoiLabel;
  pausedReason: string | null;
  targets: { ctr: number; conversionRate: number; cpa: number };
}

export function smokeResult(t: CampaignTotals, budgetMicros: number, pausedReason: string | null): SmokeResult {
  const checks = { ctrTarget: ctrOf(t) >= TARGETS.ctr, withinBudget: t.costMicros <= budgetMicros, conversions: t.conversions > 0 };
  const passed = Object.values(checks).filter(Boolean).length;
  return {
    success: passed >= 2,
    checks,
    ctr: Math.round(ctrOf(t) * 10_000) / 10_000,
    conversionRate: t.clicks > 0 ? Math.round((t.conversions / t.clicks) * 10_000) / 10_000 : 0,
    costPerConversion: t.conversions > 0 ? Math.round(t.costMicros / t.conversions / 10_000) / 100 : null,
    cost: microsToCents(t.costMicros) / 100,
    budget: budgetMicros / 1e6,
    impressions: t.impressions,
    clicks: t.clicks,
    conversions: t.conversions,
    daysActive: t.daysActive,
    roi: roiLabel(t),
    pausedReason,
    targets: { ctr: TARGETS.ctr, conversionRate: TARGETS.conversionRate, cpa: TARGETS.cpaMicros / 1e6 },
  };
}

export const totalsOf = (c: CampaignRow): CampaignTotals => ({
  impressions: c.impressions,
  clicks: c.clicks,
  conversions: c.conversions,
  costMicros: c.costMicros,
  daysActive: c.daysReported,
});

/**
 * Pull the days the account has reported since last time, applying the auto-pause rule after each.
 * Returns the campaign as it stands and whether it is over (all days reported or paused).
 */
export async function pullMetrics(
  deps: CampaignDeps,
  campaign: CampaignRow,
  googleAdsLevel: Level,
): Promise<{ campaign: CampaignRow; over: boolean; pending: boolean }> {
  let current = { ...campaign };
  while (current.status === 'ENABLED' && current.daysReported < current.days) {
    const reason = autoPauseReason(totalsOf(current), googleAdsLevel);
    if (reason) {
      await deps.ads.pause(current.externalId);
      await setCampaignStatus(deps.db, current.id, 'PAUSED', reason);
      deps.logger.warn({ idea: current.ideaId, campaign: current.externalId, reason }, 'campaigns: paused');
      current = { ...current, status: 'PAUSED', pausedReason: reason };
      pausedEvent(deps, current, reason, googleAdsLevel === 'CRITICAL' || googleAdsLevel === 'EMERGENCY' ? 'budget' : 'auto');
      break;
    }
    const day = current.daysReported + 1;
    const m = await deps.ads.metrics(current.externalId, day);
    if (!m) return { campaign: current, over: false, pending: true };
    await recordDay(deps.db, current.id, m);
    if (deps.budget && current.reservationId) {
      // the day's cost leaves the hold for spent now, so the budget shows what the campaign has really cost;
      // cents of the running total, so the days add up to exactly the total's cents
      const cents = microsToCents(current.costMicros + m.costMicros) - microsToCents(current.costMicros);
      await deps.budget.draw(current.reservationId, cents, { key: `${current.reservationId}:day${day}`, operation: 'campaign.day', metadata: { campaign: current.externalId, day } });
    }
    current = {
      ...current,
      daysReported: day,
      impressions: current.impressions + m.impressions,
      clicks: current.clicks + m.clicks,
      conversions: current.conversions + m.conversions,
      costMicros: current.costMicros + m.costMicros,
      daily: [...current.daily, m],
    };
  }
  if (current.status === 'ENABLED') {
    const reason = autoPauseReason(totalsOf(current), googleAdsLevel);
    if (reason && current.daysReported < current.days) {
      await deps.ads.pause(current.externalId);
      await setCampaignStatus(deps.db, current.id, 'PAUSED', reason);
      current = { ...current, status: 'PAUSED', pausedReason: reason };
      pausedEvent(deps, current, reason, googleAdsLevel === 'CRITICAL' || googleAdsLevel === 'EMERGENCY' ? 'budget' : 'auto');
    }
  }
  return { campaign: current, over: current.status !== 'ENABLED' || current.daysReported >= current.days, pending: false };
}

/**
 * Pause one campaign at the ads account and in its row, and send its campaign_paused event. `trigger`
 * says who stopped it: the auto-pause rules, a budget level, or an operator (src/app/operations/campaigns.ts,
 * which writes the audit row).
 */
export async function pauseCampaign(deps: CampaignDeps, campaign: CampaignRow, reason: string, trigger: 'auto' | 'budget' | 'operator'): Promise<void> {
  await deps.ads.pause(campaign.externalId);
  await setCampaignStatus(deps.db, campaign.id, 'PAUSED', reason);
  pausedEvent(deps, campaign, reason, trigger);
}

/**
 * Pause every running campaign (a budget level, or an operator through the operations module). Returns
 * how many were paused; one that cannot be paused is logged and the rest still are.
 */
export async function pauseAllCampaigns(deps: CampaignDeps, reason: string, trigger: 'budget' | 'operator' = 'budget'): Promise<number> {
  let paused = 0;
  for (const campaign of await activeCampaigns(deps.db)) {
    try {
      await pauseCampaign(deps, campaign, reason, trigger);
      paused++;
    } catch (error) {
      deps.logger.error({ err: error, campaign: campaign.externalId }, 'campaigns: could not pause');
    }
  }
  return paused;
}

/** The budget levels at which every campaign stops: google_ads CRITICAL, or an EMERGENCY anywhere. */
export function pausesCampaigns(crossing: { scope: string; level: Level }): boolean {
  return crossing.level === 'EMERGENCY' || (crossing.scope === 'google_ads' && crossing.level === 'CRITICAL');
}

/**
 * A listener for the sentinel's level crossings that pauses every running campaign the moment the budget
 * says so, instead of at the next hourly `campaigns.metrics` run (which stays as the backstop). The pause
 * runs beside the charge that crossed the level; `idle()` waits for it (bounded), so a short-lived command
 * does not exit with a pause half sent.
 */
export function pauseOnBudgetLevel(deps: CampaignDeps): { onLevelCrossed: (crossing: { scope: string; level: Level }) => void; idle: (timeoutMs?: number) => Promise<void> } {
  const pending = new Set<Promise<void>>();
  return {
    onLevelCrossed(crossing) {
      if (!pausesCampaigns(crossing)) return;
      const reason = `${crossing.scope} budget ${crossing.level}`;
      const work: Promise<void> = pauseAllCampaigns(deps, reason)
        .then((paused) => {
          if (paused > 0) deps.logger.warn({ paused, reason }, `campaigns: paused ${paused} running campaign${paused === 1 ? '' : 's'}: ${reason}`);
        })
        .catch((error: unknown) => deps.logger.error({ err: error, reason }, 'campaigns: could not pause the running campaigns; the hourly job tries again'))
        .finally(() => pending.delete(work));
      pending.add(work);
    },
    async idle(timeoutMs = 10_000) {
      if (pending.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...pending]), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}
