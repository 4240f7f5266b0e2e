import { beforeEach, expect, it } from 'vitest';
import { BudgetThrottledError, type Sentinel } from '../../src/pipeline/budget/sentinel.js';
import { processOpsEvents } from '../../src/ops/incidents/incidents.js';
import { listIncidents, listTimeline } from '../../src/storage/incidents.js';
import { listNotifications } from '../../src/storage/notifications.js';
import { describeEachEngine } from '../helpers/db.js';
import { testSentinel } from '../helpers/sentinel.js';

let n = 0;
const charge = (cents: number, critical = true) => ({ category: 'infrastructure' as const, service: 'hosting', operation: 'invoice', estimateCents: cents, idempotencyKey: `lvl-${Date.now()}-${n++}`, critical });
const channels = ['slack', 'email', 'pagerduty'] as const;

// What an operator sees of budget levels: the true reason a call waits, incidents that close when the
// level falls back, and one incident per category and cycle that escalates instead of four.
describeEachEngine('budget level incidents', (t) => {
  let sentinel: Sentinel;
  let cycleId: string;
  const levelIncidents = async () => (await listIncidents(t.db)).filter((i) => i.dedupKey.startsWith(`budget.level:${cycleId}:`));
  beforeEach(async () => {
    sentinel = testSentinel(t.db, t.config);
    await sentinel.reset({ operator: { user: 'test' }, reason: 'fresh cycle for the test', confirm: true });
    cycleId = (await sentinel.snapshot()).cycleId;
    await processOpsEvents(t.db, { channels }); // the reset's own event
  });

  it('a throttled call says the real reason: this hold would cross CRITICAL, the category itself is HEALTHY', async () => {
    const allocated = (await sentinel.snapshot()).categories.infrastructure.allocatedCents;
    const hold = Math.ceil(allocated * 0.96);
    const refused = await sentinel.reserve(charge(hold, false)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BudgetThrottledError);
    expect((refused as Error).message).toBe(
      `budget: infrastructure is at 0% ($0.00 of $${(allocated / 100).toFixed(2)}) and this $${(hold / 100).toFixed(2)} hold would take it to 96%, past CRITICAL (95%); non-critical hosting invoice waits (or use a cheaper path)`,
    );
    expect((await sentinel.snapshot()).categories.infrastructure.level).toBe('HEALTHY');
  });

  it('a momentary crossing resolves itself when the hold is released', async () => {
    const allocated = (await sentinel.snapshot()).categories.infrastructure.allocatedCents;
    const r = await sentinel.reserve(charge(Math.ceil(allocated * 0.92)));
    await processOpsEvents(t.db, { channels });
    expect((await levelIncidents()).map((i) => [i.status, i.severity])).toEqual([['open', 'P3']]);
    await sentinel.release(r.id);
    await processOpsEvents(t.db, { channels });
    const [incident] = await levelIncidents();
    expect(incident).toMatchObject({ status: 'resolved', resolvedBy: 'auto' });
    expect((await listTimeline(t.db, incident!.id)).find((e) => e.kind === 'auto_resolved')).toMatchObject({ message: expect.stringMatching(/back to 0% of its allocation \(HEALTHY\)/) });
  });

  it('80 -> 95 -> 100 in one category is one incident that escalates, notifying once per step; the shutdown is its own P1', async () => {
    const allocated = (await sentinel.snapshot()).categories.infrastructure.allocatedCents;
    for (const pct of [0.82, 0.14, 0.04]) {
      await sentinel.record({ ...charge(0), amountCents: Math.round(allocated * pct) });
      await processOpsEvents(t.db, { channels });
    }
    const incidents = await levelIncidents();
    expect(incidents.map((i) => [i.dedupKey, i.severity, i.status])).toEqual([[`budget.level:${cycleId}:infrastructure`, 'P1', 'open']]);
    expect((await listTimeline(t.db, incidents[0]!.id)).map((e) => e.kind).filter((k) => k !== 'notified')).toEqual(['opened', 'escalated', 'escalated']);
    const sent = (await listNotifications(t.db, { incidentId: incidents[0]!.id })).filter((x) => x.action === 'trigger');
    // one trigger per channel per severity reached, never a repeat at the same severity
    const pairs = sent.map((x) => `${x.channel}:${x.severity}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(sent.filter((x) => x.channel === 'pagerduty').map((x) => x.severity).sort()).toEqual(['P1', 'P2']);
    const shutdown = (await listIncidents(t.db)).filter((i) => i.dedupKey === `budget.shutdown:${cycleId}`);
    expect(shutdown.map((i) => i.severity)).toEqual(['P1']);
  });
});
