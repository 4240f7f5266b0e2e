/**
 * The pipeline's scheduled jobs: `pipeline.tick` (every minute: claim and advance due ideas until idle or
 * the time budget, honouring the abort signal; report stuck ideas) and `campaigns.metrics` (hourly: pull
 * campaign metrics, apply the auto-pause rule; pause everything when google_ads is CRITICAL or spending is
 * shut down).
 */
import type { JobDefinition } from '../core/jobs.js';
import { activeCampaigns } from '../storage/campaigns.js';
import { emitEvent } from '../storage/events.js';
import { eventEmittedSince } from '../storage/events.js';
import { makeDue } from '../storage/idea-claims.js';
import { stuckIdeas } from '../storage/idea-rollups.js';
import { pauseAllCampaigns, pullMetrics } from './campaigns.js';
import { seedSampleCorpus } from './evidence/ingest.js';
import { createOrchestrator, MAX_LEASE_LAPSES } from './orchestrator.js';
import type { StageDeps } from './stages/context.js';

const shortTitle = (title: string) => (title.length > 40 ? `${title.slice(0, 39)}…` : title);

export function createPipelineJobs(deps: StageDeps): JobDefinition[] {
  const orchestrator = createOrchestrator(deps);
  return [
    {
      name: 'pipeline.tick',
      description: 'claim due ideas and run their stages until idle (or 50 s); report stuck ideas',
      schedule: '* * * * *',
      timeoutMs: 55_000,
      catchUp: 'latest',
      // stage runs resume under their keys (nothing is paid twice): a stop aborts them at once
      interruptible: true,
      async run(context) {
        await seedSampleCorpus({ db: deps.db, embedder: deps.providers.embedder, budget: deps.budget, logger: deps.logger });
        const summary = await orchestrator.run({
          workers: deps.config.pipeline.workers,
          untilIdle: true,
          timeBudgetMs: 50_000,
          signal: context.signal,
          onStep: (r) => context.progress(`${r.stage} ${r.outcome}: ${r.title}`),
          onActivity: (inFlight) => context.activity?.(inFlight.length ? inFlight.map((i) => `${i.stage} "${shortTitle(i.title)}"`).join(', ') : null),
        });
        if (context.signal.aborted) return { steps: summary.steps, ...summary.byOutcome, stoppedBecause: summary.stoppedBecause };
        const stuck = await stuckIdeas(deps.db, deps.clock.date(), deps.config.pipeline.stuckAfterMs, { maxLapses: MAX_LEASE_LAPSES });
        const since = new Date(deps.clock.now() - deps.config.pipeline.stuckAfterMs);
        for (const idea of stuck) {
          const dedupKey = `pipeline.stuck:${idea.id}:${idea.stage}`;
          // once per STUCK_AFTER period and idea, not every minute
          if (await eventEmittedSince(deps.db, dedupKey, since)) continue;
          await emitEvent(deps.db, {
            kind: 'pipeline.stuck',
            source: 'pipeline',
            level: 'WARNING',
            dedupKey,
            message: `idea "${idea.title}" is stuck in ${idea.stage}: ${idea.reason}; studio reset-idea --id=${idea.id} --stage=${idea.stage}`,
            details: { ideaId: idea.id, stage: idea.stage, heldForMs: idea.heldForMs, leaseLapses: idea.leaseLapses },
          });
        }
        return { steps: summary.steps, ...summary.byOutcome, stuck: stuck.length, stoppedBecause: summary.stoppedBecause };
      },
    },
    {
      name: 'campaigns.metrics',
      description: 'pull smoke-test campaign metrics; auto-pause poor campaigns; pause all at google_ads CRITICAL',
      schedule: '0 * * * *',
      timeoutMs: 300_000,
      catchUp: 'latest',
      async run(context) {
        const snapshot = await deps.budget.snapshot();
        const level = snapshot.emergencyShutdown ? 'EMERGENCY' : snapshot.categories.google_ads.level;
        const ads = deps.providers.ads;
        if (level === 'CRITICAL' || level === 'EMERGENCY') {
          const paused = await pauseAllCampaigns({ db: deps.db, ads, logger: deps.logger, analytics: deps.providers.analytics }, `google_ads budget ${level}`);
          return { paused, level };
        }
        let pulled = 0;
        let over = 0;
        for (const campaign of await activeCampaigns(deps.db)) {
          if (context.signal.aborted) break;
          const result = await pullMetrics({ db: deps.db, ads, logger: deps.logger, analytics: deps.providers.analytics, budget: deps.budget }, campaign, level);
          pulled++;
          if (result.over) {
            over++;
            // the SMOKE_TEST stage settles the budget and records the result
            await makeDue(deps.db, campaign.ideaId, 'SMOKE_TEST');
          }
        }
        return { campaigns: pulled, finished: over, level };
      },
    },
  ];
}
