import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/db.js';
import { bakeryIdea, pipelineDeps } from '../helpers/pipeline.js';
import { createPipelineJobs } from '../../src/pipeline/jobs.js';
import { submitIdeas } from '../../src/pipeline/ideas/intake.js';
import { pauseAllCampaigns } from '../../src/pipeline/campaigns.js';
import { activeCampaigns, insertCampaign, latestCampaign } from '../../src/storage/campaigns.js';
import { listEvents } from '../../src/storage/events.js';
import { stuckIdeas } from '../../src/storage/idea-rollups.js';
import { silentLogger } from '../../src/core/logger.js';
import type { JobContext } from '../../src/core/jobs.js';

const context = (): JobContext => ({ signal: new AbortController().signal, logger: silentLogger(), scheduledFor: new Date(), attempt: 1, manual: true, progress: () => undefined });

describeEachEngine('pipeline jobs and campaign controls', (t) => {
  it('declares pipeline.tick and campaigns.metrics; the metrics job pulls simulated days and applies the rules; pause-all is audited', async () => {
    const d = pipelineDeps(t.db, t.config);
    const jobs = createPipelineJobs(d);
    expect(jobs.map((j) => [j.name, j.schedule])).toEqual([['pipeline.tick', '* * * * *'], ['campaigns.metrics', '0 * * * *']]);

    const [a, b] = await submitIdeas(d, [{ input: bakeryIdea(1), label: 'a' }, { input: bakeryIdea(2), label: 'b' }], { force: true });
    const campaign = (ideaId: string) =>
      insertCampaign(t.db, { id: randomUUID(), ideaId, attempt: 1, externalId: `sim:${ideaId}:3571428:x`, account: 'simulated', budgetMicros: 25_000_000, dailyBudgetMicros: 3_571_428, days: 7, spec: {}, reservationId: randomUUID() });
    await campaign(a!.id!);
    const result = (await jobs[1]!.run(context())) as Record<string, unknown>;
    expect(result).toMatchObject({ campaigns: 1, finished: 1, level: 'HEALTHY' });
    const pulled = (await latestCampaign(t.db, a!.id!))!;
    // all seven simulated days, or fewer when the auto-pause rule stopped it
    expect(pulled.status === 'PAUSED' ? pulled.pausedReason : pulled.daysReported).toEqual(pulled.status === 'PAUSED' ? expect.stringMatching(/auto-pause/) : 7);
    expect(pulled.costMicros).toBeLessThanOrEqual(25_000_000);
    expect(pulled.daily.every((day) => day.costMicros <= 3_571_428)).toBe(true);

    await campaign(b!.id!);
    expect(await pauseAllCampaigns({ db: t.db, ads: d.providers.ads, logger: silentLogger() }, 'google_ads budget CRITICAL')).toBe(1);
    expect(await activeCampaigns(t.db)).toEqual([]);
    expect((await latestCampaign(t.db, b!.id!))!.pausedReason).toBe('google_ads budget CRITICAL');

    // stuck: parked 7 hours in RESEARCH; the tick reports it once, not every minute
    await t.db.query("update ideas set current_stage = 'RESEARCH', parked_reason = 'gate', stage_entered_at = now() - interval '7 hours'");
    const stuck = await stuckIdeas(t.db, new Date(), d.config.pipeline.stuckAfterMs);
    expect(stuck.map((x) => x.id).sort()).toEqual([a!.id!, b!.id!].sort());
    expect(stuck[0]!.reason).toMatch(/in RESEARCH for 4\d\d min; parked: gate/);
    await jobs[0]!.run(context());
    await jobs[0]!.run(context());
    expect((await listEvents(t.db, { kind: 'pipeline.stuck' })).length).toBe(2);
  });
});
