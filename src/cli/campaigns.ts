/**
 * `studio campaigns list|pause|resume`: the smoke-test campaigns by hand — the manual's "stop all
 * non-critical spending" from a shell (the console's `P`). Adapters over src/app/operations/campaigns.ts.
 */
import type { Command } from 'commander';
import { InvalidInputError } from '../core/errors.js';
import { formatDollars, microsToCents } from '../core/money.js';
import type { CampaignActionResult, CampaignRow } from '../app/operations/campaigns.js';
import { action, withApp } from './run.js';
import { c, cut, printJson, println, table } from './output.js';

const ops = () => import('../app/operations/campaigns.js');
const STATUSES = ['ENABLED', 'PAUSED', 'ENDED'] as const;

function campaignJson(r: CampaignRow) {
  return {
    id: r.id,
    idea_id: r.ideaId,
    attempt: r.attempt,
    external_id: r.externalId,
    account: r.account,
    status: r.status,
    paused_reason: r.pausedReason,
    days: r.days,
    days_reported: r.daysReported,
    budget: microsToCents(r.budgetMicros) / 100,
    cost: microsToCents(r.costMicros) / 100,
    impressions: r.impressions,
    clicks: r.clicks,
    conversions: r.conversions,
    created_at: r.createdAt.toISOString(),
  };
}

function printResult(verb: 'paused' | 'resumed', result: CampaignActionResult, json?: boolean): number {
  if (json) {
    printJson({ [verb]: result.changed.map(campaignJson), skipped: result.skipped.map((s) => ({ id: s.campaign.id, why: s.why })) });
  } else {
    if (result.changed.length === 0 && result.skipped.length === 0) println(verb === 'paused' ? 'no campaign is running: nothing to pause' : 'no campaign paused by an operator: nothing to resume');
    for (const r of result.changed) println(`${c.green('✓')} ${verb} ${r.id.slice(0, 8)} (${r.externalId}, idea ${r.ideaId.slice(0, 8)})`);
    for (const s of result.skipped) println(`${c.yellow('–')} ${s.campaign.id.slice(0, 8)} not ${verb}: ${s.why}`);
  }
  // refused by the ads account: not everything the operator asked for happened
  return result.skipped.some((s) => s.why.startsWith('the ads account refused')) ? 1 : 0;
}

export function registerCampaigns(program: Command): void {
  const campaigns = program.command('campaigns').description('smoke-test campaigns: list, pause (stop spending now), resume');

  campaigns
    .command('list')
    .description('campaigns newest first: status, days run, spend, clicks, conversions')
    .option('--status <status>', `only ${STATUSES.join(', ')}`)
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  studio campaigns list\n  studio campaigns list --status ENABLED --json | jq length')
    .action(
      action(async (opts: { status?: string; limit: string; json?: boolean }) => {
        const status = opts.status?.toUpperCase();
        if (status && !(STATUSES as readonly string[]).includes(status)) throw new InvalidInputError(`campaigns: --status must be one of ${STATUSES.join(', ')} (got "${opts.status}")`);
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new InvalidInputError(`campaigns: --limit must be a whole number from 1 to 10000 (got "${opts.limit}")`);
        return withApp({ logBase: { cmd: 'campaigns list' } }, async (app) => {
          const rows = await (await ops()).listCampaigns(app, { status: status as CampaignRow['status'] | undefined, limit });
          if (opts.json) return void printJson(rows.map(campaignJson));
          if (rows.length === 0) return void println(status ? `no ${status} campaigns` : 'no campaigns yet (SMOKE_TEST creates them)');
          println(
            table(
              ['id', 'idea', 'status', 'days', 'spent', 'budget', 'clicks', 'conv', 'account', 'why paused'],
              rows.map((r) => [
                r.id.slice(0, 8),
                r.ideaId.slice(0, 8),
                r.status === 'ENABLED' ? c.green(r.status) : r.status === 'PAUSED' ? c.yellow(r.status) : c.dim(r.status),
                `${r.daysReported}/${r.days}`,
                formatDollars(microsToCents(r.costMicros)),
                formatDollars(microsToCents(r.budgetMicros)),
                String(r.clicks),
                String(r.conversions),
                r.account,
                r.status === 'PAUSED' ? cut(r.pausedReason ?? '', 60) : '',
              ]),
              { align: ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right'] },
            ),
          );
        });
      }),
    );

  for (const verb of ['pause', 'resume'] as const) {
    campaigns
      .command(verb)
      .description(verb === 'pause' ? 'pause one campaign or all running ones now (needs --confirm and --reason; audited)' : 'resume one paused campaign, or all paused by an operator (needs --confirm and --reason; audited)')
      .argument('[id]', 'a campaign id, or an 8+ character prefix of it or of its idea id (see studio campaigns list)')
      .option('--all', verb === 'pause' ? 'every running campaign' : 'every campaign an operator paused (not those the auto-pause rules or the budget stopped)')
      .option('--confirm', `yes, ${verb} them`)
      .option('--reason <text>', 'why (goes to the audit log)')
      .option('--json', 'machine-readable output')
      .addHelpText(
        'after',
        verb === 'pause'
          ? `
Pausing is never refused: it is how spending stops. The campaign's budget stays reserved (its days can
resume); the ads account stops serving at once.

Examples:
  studio campaigns pause --all --confirm --reason "stop all non-critical spending: budget review"
  studio campaigns pause 3f2a9c1e --confirm --reason "landing page broken" --json`
          : `
Refused while the google_ads budget is CRITICAL or any budget is in EMERGENCY (the budget brake would pause
them again); campaigns whose days have all run are skipped.

Examples:
  studio campaigns resume --all --confirm --reason "budget review done"
  studio campaigns resume 3f2a9c1e --confirm --reason "landing page fixed"`,
      )
      .action(
        action(async (id: string | undefined, opts: { all?: boolean; confirm?: boolean; reason?: string; json?: boolean }) => {
          if (!id && !opts.all) throw new InvalidInputError(`campaigns: say which campaign to ${verb} (an id from studio campaigns list) or --all`);
          if (!opts.reason?.trim()) throw new InvalidInputError(`campaigns: ${verb} needs --reason "..." (it goes to the audit log)`);
          return withApp({ logBase: { cmd: `campaigns ${verb}` } }, async (app) => {
            if (!opts.confirm) {
              const running = await (await ops()).listCampaigns(app, { status: verb === 'pause' ? 'ENABLED' : 'PAUSED', limit: 500 });
              println(`${running.length} campaign(s) ${verb === 'pause' ? 'running' : 'paused'} now. Nothing changed: run again with --confirm to ${verb}${opts.all ? ' them' : ` ${id}`}.`);
              return 1;
            }
            const operation = verb === 'pause' ? (await ops()).pauseCampaigns : (await ops()).resumeCampaigns;
            const result = await operation(app, app.config.operator, { id, all: opts.all, reason: opts.reason! });
            return printResult(verb === 'pause' ? 'paused' : 'resumed', result, opts.json);
          });
        }),
      );
  }
}
