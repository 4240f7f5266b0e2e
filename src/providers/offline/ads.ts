/**
 * The simulated ads account: campaigns behave like small Google Ads search campaigns whose performance
 * is seeded by the idea, so the same idea always gets the same results. It keeps no state of its own
 * (the campaigns table does): a campaign's id carries its idea and daily cap, and every simulated day is
 * available at once (days are simulated, not waited for). Money is in micros, as Google Ads reports it.
 */
import type { AdsAccount, CampaignSpec, DailyMetrics } from '../../core/providers.js';
import { fnv1a, seededRandom } from './hashing.js';
import { ProviderError } from '../../core/errors.js';

/** The performance profile of an idea's campaign: click-through, conversion rate, cost per click, search volume. */
export function simulatedProfile(ideaId: string): { ctr: number; conversionRate: number; cpcMicros: number; impressionsPerDay: number } {
  const random = seededRandom(`ads:${ideaId}`);
  const quality = random();
  return {
    // a third of ideas draw poor click-through (< 1%), the rest 1.5-5%
    ctr: quality < 0.33 ? 0.004 + random() * 0.005 : 0.015 + random() * 0.035,
    conversionRate: quality < 0.2 ? 0 : 0.03 + random() * 0.12,
    cpcMicros: Math.round((0.3 + random() * 0.9) * 1_000_000),
    impressionsPerDay: Math.round(20 + random() * 100),
  };
}

export function createSimulatedAdsAccount(): AdsAccount {
  const parse = (campaignId: string) => {
    const [, ideaId, daily] = campaignId.split(':');
    if (!ideaId || !daily) throw new ProviderError(`simulated ads: unknown campaign ${campaignId} (not made by the simulated account)`, { provider: 'simulated-ads', status: 404 });
    return { ideaId, dailyMicros: Number(daily) };
  };
  return {
    info: { name: 'simulated-ads', offline: true, account: 'simulated' },
    async createCampaign(spec: CampaignSpec) {
      return { campaignId: `sim:${spec.ideaId}:${spec.dailyBudgetMicros}:${fnv1a(spec.name).toString(16)}` };
    },
    async pause() {},
    async enable() {},
    async metrics(campaignId: string, day: number): Promise<DailyMetrics | null> {
      const { ideaId, dailyMicros } = parse(campaignId);
      const profile = simulatedProfile(ideaId);
      const random = seededRandom(`ads:${ideaId}:day:${day}`);
      const impressions = Math.round(profile.impressionsPerDay * (0.7 + random() * 0.6));
      let clicks = Math.floor(impressions * profile.ctr + random());
      const affordable = Math.floor(dailyMicros / profile.cpcMicros);
      clicks = Math.min(clicks, affordable);
      const costMicros = Math.min(dailyMicros, clicks * profile.cpcMicros);
      const conversions = Math.floor(clicks * profile.conversionRate + random() * 0.999);
      return { day, impressions, clicks, conversions: Math.min(conversions, clicks), costMicros };
    },
  };
}
