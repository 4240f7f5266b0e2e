import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/db.js';
import { pipelineDeps } from '../helpers/pipeline.js';
import { claimDue, finishRun, stageRuns, startRun } from '../../src/storage/idea-claims.js';

// stage_runs.cost_cents is what the ledger settled under the run's key, not one process's tally: a run
// resumed after a crash shows the charges its dead worker paid too.
describeEachEngine('stage run cost from the ledger', (t) => {
  it('a run resumed after a crash costs everything settled under its key, counted once', async () => {
    const d = pipelineDeps(t.db, t.config);
    const id = randomUUID();
    await t.db.query(`insert into ideas (id, title, description, current_stage, status) values ($1, 'A run cost test idea', 'A description long enough', 'RESEARCH', 'RESEARCHING')`, [id]);
    const key = `${id}:RESEARCH:0`;

    // worker A opens the run and pays two steps, then dies (kill -9) before finishing the run
    const [claimedA] = await claimDue(t.db, 'worker-a', 60_000);
    expect(claimedA!.id).toBe(id);
    const runA = await startRun(t.db, { ideaId: id, stage: 'RESEARCH', attempt: 0, key, worker: 'worker-a' });
    await d.budget.record({ category: 'openai_tokens', service: 'openai', operation: 'chat', idempotencyKey: `${key}:summary`, amountCents: 2, ideaId: id });
    await d.budget.record({ category: 'openai_tokens', service: 'openai', operation: 'embed', idempotencyKey: `${key}:embed`, amountCents: 1, ideaId: id });
    // other keys that must not count: another attempt, another idea whose key shares the prefix text
    await d.budget.record({ category: 'openai_tokens', service: 'openai', operation: 'chat', idempotencyKey: `${id}:RESEARCH:01:summary`, amountCents: 40, ideaId: id });

    // worker B takes over the lapsed lease and resumes the same run: the two steps replay (its tally is 0)
    await t.db.query(`update ideas set lease_until = now() - interval '1 second' where id = $1`, [id]);
    const [claimedB] = await claimDue(t.db, 'worker-b', 60_000);
    expect(claimedB!.id).toBe(id);
    const runB = await startRun(t.db, { ideaId: id, stage: 'RESEARCH', attempt: 0, key, worker: 'worker-b' });
    expect(runB).toEqual({ runId: runA.runId, resumed: true });
    const replay = await d.budget.record({ category: 'openai_tokens', service: 'openai', operation: 'chat', idempotencyKey: `${key}:summary`, amountCents: 2, ideaId: id });
    expect(replay.replayed).toBe(true);
    const moved = await t.db.withTransaction((tx) =>
      finishRun(tx, { ideaId: id, worker: 'worker-b', runId: runB.runId, runState: 'passed', runOutputs: {}, costCents: 0, toStage: 'DECK', toStatus: 'BUILDING' }),
    );
    expect(moved).toBe(true);

    const [run] = await stageRuns(t.db, id);
    const ledger = await t.db.query<{ cents: string }>(`select sum(amount_cents)::text as cents from spend_ledger where state = 'settled' and idempotency_key like $1`, [`${key}:%`]);
    expect(ledger.rows[0]!.cents).toBe('3');
    expect(run).toMatchObject({ state: 'passed', costCents: 3 });
  });
});
