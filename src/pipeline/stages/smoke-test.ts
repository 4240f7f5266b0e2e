/**
 * SMOKE_TEST: a search campaign on the ads account ($25 over 7 days by default, daily cap = budget/days,
 * 3 headlines, 3 descriptions, 5 keywords, MAXIMIZE_CONVERSIONS, US/CA/GB) pointing at the landing page.
 * The whole campaign budget is reserved from google_ads when the campaign is created (non-critical: no new
 * campaigns at CRITICAL) and settled from the reported cost when it ends. Days are pulled as the account
 * reports them (the simulated account reports all at once); a campaign still running makes the stage wait
 * and come back, not fail. The result (success rule, ROI label) goes to `artifacts/<idea>/smoke-test.json`.
 */
import { randomUUID } from 'node:crypto';
import { ProviderError, ServiceUnavailableError } from '../../core/errors.js';
import { centsToMicros, microsToCents } from '../../core/money.js';
import type { AdCopy, CampaignSpec, LandingCopy } from '../../core/providers.js';
import { campaignFor, insertCampaign, setCampaignStatus } from '../../storage/campaigns.js';
import { failuresInStage } from '../../storage/idea-claims.js';
import { pullMetrics, smokeResult, totalsOf } from '../campaigns.js';
import { writeArtifact } from './artifacts.js';
import type { StageHandler } from './context.js';

/** How long a running campaign's budget is held: its remaining days, and two more for late reports. */
export const campaignHoldMs = (days: number) => (Math.max(0, days) + 2) * 86_400_000;

/** How soon a metrics pull that failed transiently is tried again, ms. */
export const METRICS_RETRY_MS = 15 * 60_000;

function fitCopy(copy: AdCopy): AdCopy {
  const cut = (s: string, n: number) => (s.length <= n ? s : s.slice(0, n).replace(/\s+\S*$/, '') || s.slice(0, n));
  const pad = <T>(xs: T[], n: number, fill: (i: number) => T) => [...xs.slice(0, n), ...Array.from({ length: Math.max(0, n - xs.length) }, (_, i) => fill(i))];
  return {
    headlines: pad(copy.headlines.map((h) => cut(h, 30)), 3, (i) => `Early Access ${i + 1}`),
    descriptions: pad(copy.descriptions.map((d) => cut(d, 90)), 3, () => 'Sign up for early access.'),
    keywords: pad([...new Set(copy.keywords.map((k) => k.toLowerCase().trim()).filter(Boolean))], 5, (i) => `early access ${i + 1}`),
  };
}

export const smokeTestStage: StageHandler = {
  stage: 'SMOKE_TEST',
  critical: false,
  typicalCents: (config) => config.pipeline.smokeTestBudgetCents + 1,
  async run(ctx) {
    const { db, providers, config, idea, attempt, logger, budget } = ctx;
    const ads = providers.ads;
    const mvp = idea.outputs.mvp as { copy?: LandingCopy; path?: string } | undefined;
    if (!mvp?.copy || !mvp.path) return { kind: 'failed', reason: 'smoke test: the idea has no landing page; reset it to MVP', outputs: {} };
    const budgetCents = config.pipeline.smokeTestBudgetCents;
    const days = config.pipeline.smokeTestDays;
    const budgetMicros = centsToMicros(budgetCents);
    const dailyBudgetMicros = Math.floor(budgetMicros / days);
    // A failed run bumps the attempt, but the campaign belongs to this entry into SMOKE_TEST: a metrics pull
    // that timed out, or a creation whose answer was lost, must find the same campaign (by row or by name at
    // the ads account), never start a second one beside it.
    const campaignAttempt = attempt - (await failuresInStage(db, idea.id, 'SMOKE_TEST', idea.stageEnteredAt));
    const reservationKey = `${idea.id}:SMOKE_TEST:${campaignAttempt}:campaign`;

    // the campaign's reservation under its key again: a replay while it is held, a new hold if it lapsed
    const holdAgain = () =>
      budget.reserve({ category: 'google_ads', service: ads.info.account, operation: 'campaign.create', estimateCents: budgetCents, idempotencyKey: reservationKey, critical: true, ideaId: idea.id });
    let campaign = await campaignFor(db, idea.id, campaignAttempt);
    if (!campaign) {
      const input = { idea: ctx.brief, landing: mvp.copy };
      const copy = fitCopy((await ctx.generate('ad-copy', 'smoke.ad_copy', input, 400, (options) => providers.text.writeAdCopy(input, options))).value);
      // hold the whole campaign budget before anything can spend it
      const reservation = await budget.reserve({
        category: 'google_ads',
        service: ads.info.account,
        operation: 'campaign.create',
        estimateCents: budgetCents,
        idempotencyKey: reservationKey,
        critical: false,
        ideaId: idea.id,
        metadata: { stage: 'SMOKE_TEST', attempt: campaignAttempt, offline: ads.info.offline },
      });
      const spec: CampaignSpec = {
        name: `studio-${idea.id}-a${campaignAttempt}`,
        ideaId: idea.id,
        budgetMicros,
        dailyBudgetMicros,
        days,
        headlines: copy.headlines,
        descriptions: copy.descriptions,
        keywords: copy.keywords,
        bidding: 'MAXIMIZE_CONVERSIONS',
        locations: ['US', 'CA', 'GB'],
        finalUrl: `file://${mvp.path}`,
      };
      let campaignId: string;
      try {
        ({ campaignId } = await ads.createCampaign(spec));
      } catch (error) {
        if (!reservation.replayed) await budget.release(reservation.id, 'campaign creation failed').catch(() => undefined);
        throw error;
      }
      const { name: _name, ideaId: _idea, ...rest } = spec;
      campaign = await insertCampaign(db, {
        id: randomUUID(),
        ideaId: idea.id,
        attempt: campaignAttempt,
        externalId: campaignId,
        account: ads.info.account,
        budgetMicros,
        dailyBudgetMicros,
        days,
        spec: { name: spec.name, ...rest },
        reservationId: reservation.id,
      });
      // the campaign now spends at the account for days: hold its budget that long, not for a call's lease
      await budget.extendLease(reservation.id, campaignHoldMs(days));
      logger.info({ idea: idea.id, campaign: campaignId, account: ads.info.account }, 'smoke test: campaign created');
    } else if (campaign.status !== 'ENDED') {
      // resumed (after a crash or a wait): make sure the budget is still held under the same key, and for
      // as long as the campaign may still run
      const held = await holdAgain();
      if (held.state === 'reserved') await budget.extendLease(held.id, campaignHoldMs(campaign.days - campaign.daysReported));
    }

    if (campaign.status !== 'ENDED') {
      const level = (await budget.snapshot()).categories.google_ads.level;
      let pulled;
      try {
        pulled = await pullMetrics({ db, ads, logger, analytics: providers.analytics, budget }, campaign, level);
      } catch (error) {
        // the campaign runs at the account whatever happens here: a transient failure to read its metrics
        // (days already read are kept) is a wait, not a failed attempt that would count toward parking it
        if (!(error instanceof ProviderError) || !error.retryable || error instanceof ServiceUnavailableError) throw error;
        logger.warn({ idea: idea.id, campaign: campaign.externalId, err: error }, 'smoke test: metrics pull failed; trying again later');
        return {
          kind: 'wait',
          inMs: METRICS_RETRY_MS,
          reason: `campaign running; reading its metrics failed (${error.message.slice(0, 160)}); trying again in ${METRICS_RETRY_MS / 60_000} min`,
          progress: campaign.daysReported / campaign.days,
          outputs: { campaignId: campaign.externalId, daysReported: campaign.daysReported },
        };
      }
      campaign = pulled.campaign;
      if (!pulled.over) {
        return {
          kind: 'wait',
          inMs: 3_600_000,
          reason: `campaign running: ${campaign.daysReported} of ${campaign.days} days reported`,
          progress: campaign.daysReported / campaign.days,
          outputs: { campaignId: campaign.externalId, daysReported: campaign.daysReported },
        };
      }
      const result = smokeResult(totalsOf(campaign), campaign.budgetMicros, campaign.pausedReason);
      const signups = await providers.analytics.signups(idea.id);
      const full = { ...result, signups, account: ads.info.account, offline: ads.info.offline, campaignId: campaign.externalId, spec: campaign.spec, daily: campaign.daily };
      // settle the held budget to what the account reported (the rest is refunded)
      const held = await holdAgain();
      // (the reported days were spent from it as they arrived; a campaign that overspent its budget is an
      // overrun the settlement records and reports, never a silent cap)
      if (held.state === 'reserved') await budget.settle(held.id, Math.max(0, microsToCents(campaign.costMicros) - (await budget.drawnFrom(held.id))), { campaign: campaign.externalId });
      await setCampaignStatus(db, campaign.id, 'ENDED', null, full);
      campaign = { ...campaign, status: 'ENDED', result: full };
    }
    const result = campaign.result as ReturnType<typeof smokeResult> & Record<string, unknown>;
    const path = writeArtifact(ctx.artifactDir(), 'smoke-test.json', `${JSON.stringify(result, null, 2)}\n`);
    return {
      kind: 'passed',
      // the pipeline is finished either way, but only a successful test is DEPLOYED
      ...(result.success ? {} : { toStatus: 'SMOKE_TEST_FAILED' as const }),
      summary: `smoke test ${result.success ? 'succeeded' : 'did not succeed'}: CTR ${(result.ctr * 100).toFixed(2)}%, ${result.conversions} conversions, $${result.cost.toFixed(2)} spent, ROI ${result.roi}`,
      outputs: { ...result, path },
    };
  },
};
