/**
 * Smoke-test campaigns by hand: list, pause, resume (the manual's "stop all non-critical spending" from a
 * shell, and the console's `P`). Pausing is never refused (it is how spending stops); resuming is refused
 * while the google_ads budget is CRITICAL or any budget is in EMERGENCY, because the budget brake would
 * pause them again at the next charge. Each action writes one audit row naming the campaigns it touched.
 */
import type { App } from '../app.js';
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import { pauseCampaign, pausesCampaigns } from '../../pipeline/campaigns.js';
import { recordAudit } from '../../storage/audit.js';
import { activeCampaigns, findCampaigns, listCampaigns as list, pausedCampaigns, setCampaignStatus, type CampaignRow } from '../../storage/campaigns.js';
import type { Operator } from './context.js';

type CampaignOpsDeps = Pick<App, 'db' | 'logger' | 'budget' | 'providers'>;

export type { CampaignRow };

/** The reason text of a pause made by an operator; `resume --all` starts only campaigns paused this way. */
const OPERATOR_PAUSE = /^operator (\S+): /;

export function listCampaigns(deps: Pick<App, 'db'>, args: { status?: CampaignRow['status']; limit?: number } = {}) {
  return list(deps.db, args);
}

/** Which campaigns `ref` names: one id (or an 8+ character prefix of its id or of its idea's id), or all of them. */
async function resolve(deps: Pick<App, 'db'>, ref: string | undefined, all: boolean, candidates: () => Promise<CampaignRow[]>, verb: string): Promise<CampaignRow[]> {
  if (all && ref) throw new InvalidInputError(`campaigns: give a campaign id or --all, not both`);
  if (!all && !ref) throw new InvalidInputError(`campaigns: say which campaign to ${verb} (an id from studio campaigns list) or --all`);
  if (all) return candidates();
  const found = await findCampaigns(deps.db, ref!);
  if (found.length === 0) throw new NotFoundError(`campaigns: no campaign "${ref}"; see studio campaigns list`);
  const ids = new Set(found.map((c) => c.id));
  if (ids.size > 1 && !found.every((c) => c.ideaId === found[0]!.ideaId)) {
    throw new InvalidInputError(`campaigns: "${ref}" matches ${ids.size} campaigns; give more of the id`);
  }
  return [found[0]!]; // newest first: an idea's latest attempt
}

export interface CampaignActionResult {
  /** Campaigns changed. */
  changed: CampaignRow[];
  /** Campaigns that were already in that state, or could not be changed, with why. */
  skipped: Array<{ campaign: CampaignRow; why: string }>;
}

export async function pauseCampaigns(deps: CampaignOpsDeps, operator: Operator, args: { id?: string; all?: boolean; reason: string }): Promise<CampaignActionResult> {
  const reason = args.reason.trim();
  if (!reason) throw new InvalidInputError('campaigns: pausing needs a reason (--reason "...")');
  const targets = await resolve(deps, args.id, Boolean(args.all), () => activeCampaigns(deps.db), 'pause');
  const pausedReason = `operator ${operator.user}: ${reason}`;
  return changeEach(deps, operator, { ...args, reason }, 'pause', targets, {
    skip: (campaign) => (campaign.status !== 'ENABLED' ? `already ${campaign.status.toLowerCase()}` : null),
    async change(campaign) {
      await pauseCampaign({ db: deps.db, ads: deps.providers.ads, logger: deps.logger, analytics: deps.providers.analytics }, campaign, pausedReason, 'operator');
      return { ...campaign, status: 'PAUSED', pausedReason };
    },
  });
}

export async function resumeCampaigns(deps: CampaignOpsDeps, operator: Operator, args: { id?: string; all?: boolean; reason: string }): Promise<CampaignActionResult> {
  const reason = args.reason.trim();
  if (!reason) throw new InvalidInputError('campaigns: resuming needs a reason (--reason "...")');
  const budget = await deps.budget.snapshot();
  const brake = budget.emergencyShutdown
    ? 'an emergency shutdown is active (studio budget resume first)'
    : pausesCampaigns({ scope: 'google_ads', level: budget.categories.google_ads.level })
      ? `the google_ads budget is ${budget.categories.google_ads.level}`
      : pausesCampaigns({ scope: 'total', level: budget.level })
        ? `the budget is ${budget.level}`
        : null;
  if (brake) throw new InvalidInputError(`campaigns: not resumed: ${brake}; campaigns stay paused until the budget allows them`);
  const targets = await resolve(deps, args.id, Boolean(args.all), async () => (await pausedCampaigns(deps.db)).filter((c) => OPERATOR_PAUSE.test(c.pausedReason ?? '')), 'resume');
  return changeEach(deps, operator, { ...args, reason }, 'resume', targets, {
    skip: (campaign) =>
      campaign.status !== 'PAUSED' ? (campaign.status === 'ENABLED' ? 'already running' : 'ended') : campaign.daysReported >= campaign.days ? 'all its days have run' : null,
    async change(campaign) {
      await deps.providers.ads.enable(campaign.externalId);
      await setCampaignStatus(deps.db, campaign.id, 'ENABLED', null);
      return { ...campaign, status: 'ENABLED' };
    },
  });
}

/**
 * What pausing and resuming share: each target is skipped (with why) or changed (a refusal of the ads
 * account is logged and skipped), then one audit row names what changed and what was skipped.
 */
async function changeEach(
  deps: CampaignOpsDeps,
  operator: Operator,
  args: { all?: boolean; reason: string },
  verb: 'pause' | 'resume',
  targets: CampaignRow[],
  how: { skip(campaign: CampaignRow): string | null; change(campaign: CampaignRow): Promise<CampaignRow> },
): Promise<CampaignActionResult> {
  const result: CampaignActionResult = { changed: [], skipped: [] };
  for (const campaign of targets) {
    const why = how.skip(campaign);
    if (why) {
      result.skipped.push({ campaign, why });
      continue;
    }
    try {
      result.changed.push(await how.change(campaign));
    } catch (error) {
      deps.logger.error({ err: error, campaign: campaign.externalId }, `campaigns: could not ${verb}`);
      result.skipped.push({ campaign, why: `the ads account refused: ${(error as Error).message}` });
    }
  }
  await recordAudit(deps.db, operator, {
    action: `campaigns.${verb}`,
    target: args.all ? 'all' : targets[0]?.id,
    reason: args.reason,
    details: { [verb === 'pause' ? 'paused' : 'resumed']: result.changed.map((c) => c.id), skipped: result.skipped.map((s) => ({ id: s.campaign.id, why: s.why })) },
  });
  return result;
}
