import { beforeEach, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/db.js';
import { testSentinel } from '../helpers/sentinel.js';
import { BudgetExceededError, ConfirmationRequiredError } from '../../src/core/errors.js';
import { BudgetShutdownError, BudgetThrottledError } from '../../src/pipeline/budget/sentinel.js';
import { ledgerTotals, buckets, listCycles } from '../../src/storage/budget.js';
import { listEvents } from '../../src/storage/events.js';
import { listAudit } from '../../src/storage/audit.js';
import type { Sentinel } from '../../src/pipeline/budget/sentinel.js';

let n = 0;
const key = () => `k${Date.now()}-${n++}`;
const charge = (category: 'openai_tokens' | 'google_ads' | 'infrastructure' | 'external_apis', cents: number, extra: Record<string, unknown> = {}) => ({
  category,
  service: 'test',
  operation: 'op',
  estimateCents: cents,
  idempotencyKey: key(),
  ...extra,
});

describeEachEngine('budget sentinel', (t) => {
  let sentinel: Sentinel;
  beforeEach(async () => {
    sentinel = testSentinel(t.db, t.config);
    await sentinel.reset({ operator: { user: 'test' }, reason: 'fresh cycle for the test', confirm: true });
  });

  async function booksBalance(): Promise<void> {
    const s = await sentinel.snapshot();
    const totals = await ledgerTotals(t.db, s.cycleId);
    for (const b of await buckets(t.db, s.cycleId)) {
      const settled = totals.find((x) => x.category === b.category && x.state === 'settled')?.cents ?? 0;
      const reserved = totals.find((x) => x.category === b.category && x.state === 'reserved')?.cents ?? 0;
      expect({ category: b.category, spent: b.spentCents, reserved: b.reservedCents }).toEqual({ category: b.category, spent: settled, reserved });
      expect(b.spentCents + b.reservedCents).toBeLessThanOrEqual(b.allocatedCents);
      // escrow moves allocation between shards, never creates or loses any
      expect(b.allocatedCents).toBe(t.config.budget.categories[b.category]);
    }
  }

  it('reserves the estimate, settles to the actual cost and refunds the difference', async () => {
    const r = await sentinel.reserve(charge('openai_tokens', 120));
    let s = await sentinel.snapshot();
    expect(s.categories.openai_tokens).toMatchObject({ spentCents: 0, reservedCents: 120, remainingCents: 880 });
    await sentinel.settle(r.id, 45);
    s = await sentinel.snapshot();
    expect(s.categories.openai_tokens).toMatchObject({ spentCents: 45, reservedCents: 0, remainingCents: 955, usagePercentage: 4.5 });
    expect(s.total).toMatchObject({ spentCents: 45, allocatedCents: 6200 });
    await booksBalance();
  });

  it('refuses a reservation past the cap and writes nothing', async () => {
    await sentinel.record({ ...charge('external_apis', 0), amountCents: 150 });
    const before = await ledgerTotals(t.db, (await sentinel.snapshot()).cycleId);
    await expect(sentinel.reserve(charge('external_apis', 51))).rejects.toThrow(/external_apis would pass its cap: \$1\.50 used \+ \$0\.51 > \$2\.00/);
    await expect(sentinel.record({ ...charge('external_apis', 0), amountCents: 51 })).rejects.toBeInstanceOf(BudgetExceededError);
    expect(await ledgerTotals(t.db, (await sentinel.snapshot()).cycleId)).toEqual(before);
    const exact = await sentinel.reserve(charge('external_apis', 50));
    expect(exact.state).toBe('reserved');
    await booksBalance();
  });

  it('never charges the same idempotency key twice, even through guard retries', async () => {
    const request = charge('openai_tokens', 30);
    let calls = 0;
    const call = async () => ({ result: ++calls, actualCents: 20 });
    await sentinel.guard(request, call);
    await sentinel.guard(request, call);
    const again = await sentinel.reserve(request);
    expect(again).toMatchObject({ replayed: true, state: 'settled', amountCents: 20 });
    expect((await sentinel.snapshot()).categories.openai_tokens.spentCents).toBe(20);
    await booksBalance();
  });

  it('releases when the call throws, and the released key may be charged by a later attempt', async () => {
    const request = charge('openai_tokens', 40);
    await expect(sentinel.guard(request, async () => Promise.reject(new Error('provider 500')))).rejects.toThrow('provider 500');
    expect((await sentinel.snapshot()).categories.openai_tokens).toMatchObject({ spentCents: 0, reservedCents: 0 });
    await sentinel.guard(request, async () => ({ result: 'ok', actualCents: 25 }));
    expect((await sentinel.snapshot()).categories.openai_tokens.spentCents).toBe(25);
    await booksBalance();
  });

  it('fires each level crossing once per cycle and shuts everything down at EMERGENCY', async () => {
    const s0 = await sentinel.snapshot();
    await sentinel.record({ ...charge('infrastructure', 0), amountCents: 410 }); // 82% WARNING
    await sentinel.record({ ...charge('infrastructure', 0), amountCents: 10 }); // 84%, still WARNING
    await sentinel.record({ ...charge('infrastructure', 0), amountCents: 60 }); // 96% CRITICAL
    let events = (await listEvents(t.db, { kind: 'budget.level' })).filter((e) => e.details.cycleId === s0.cycleId);
    expect(events.map((e) => `${e.details.scope}:${e.level}`).sort()).toEqual(['infrastructure:CRITICAL', 'infrastructure:WARNING']);

    await expect(sentinel.reserve(charge('infrastructure', 5, { critical: false }))).rejects.toBeInstanceOf(BudgetThrottledError);
    await sentinel.record({ ...charge('infrastructure', 0), amountCents: 20 }); // 100% EMERGENCY
    const s = await sentinel.snapshot();
    expect(s).toMatchObject({ emergencyShutdown: true, circuitBreakerActive: true, level: 'EMERGENCY' });
    await expect(sentinel.reserve(charge('openai_tokens', 1))).rejects.toBeInstanceOf(BudgetShutdownError);
    events = (await listEvents(t.db, { kind: 'budget' })).filter((e) => e.details.cycleId === s0.cycleId);
    expect(events.filter((e) => e.kind === 'budget.shutdown')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'budget.level' && e.level === 'EMERGENCY')).toHaveLength(1);

    await expect(sentinel.resume({ operator: { user: 'alice' }, reason: 'checked', confirm: false })).rejects.toBeInstanceOf(ConfirmationRequiredError);
    const resumed = await sentinel.resume({ operator: { user: 'alice', sshClient: '198.51.100.7' }, reason: 'infra invoice verified', confirm: true });
    expect(resumed.stillOverCap).toEqual(['infrastructure']);
    await sentinel.reserve(charge('openai_tokens', 1));
    const [audit] = await listAudit(t.db, { action: 'budget.resume' });
    expect(audit).toMatchObject({ operator: 'alice', sshClient: '198.51.100.7', reason: 'infra invoice verified' });
    await booksBalance();
  });

  it('a reservation whose lease lapsed is released by the reaper', async () => {
    const short = testSentinel(t.db, t.config, { budget: { reservationLeaseMs: 1 }, holder: 'dead-host:1' });
    const r = await short.reserve(charge('openai_tokens', 77));
    const cycleId = (await listCycles(t.db, 1))[0]!.id;
    // read the bucket directly: snapshot() itself reaps lapsed reservations
    expect((await buckets(t.db, cycleId)).find((b) => b.category === 'openai_tokens')!.reservedCents).toBe(77);
    await t.db.query('select pg_sleep(0.01)');
    expect(await sentinel.reapExpired()).toBeGreaterThanOrEqual(1);
    expect((await sentinel.snapshot()).categories.openai_tokens.reservedCents).toBe(0);
    await short.settle(r.id, 77); // the dead holder's late settle charges nothing: it was released
    expect((await sentinel.snapshot()).categories.openai_tokens.spentCents).toBe(0);
  });

  it('settles above the cap only up to the cap and reports the overrun', async () => {
    const r = await sentinel.reserve(charge('external_apis', 150));
    await sentinel.record({ ...charge('external_apis', 0), amountCents: 40 });
    await sentinel.settle(r.id, 500);
    const s = await sentinel.snapshot();
    expect(s.categories.external_apis.spentCents).toBe(200);
    const overrun = await listEvents(t.db, { kind: 'budget.overrun' });
    expect(overrun[0]!.details.overrunCents).toBe(340);
    await booksBalance();
  });

  it('reset closes the cycle, opens a fresh one, and keeps history; it needs confirmation', async () => {
    const before = await sentinel.snapshot();
    await sentinel.record({ ...charge('openai_tokens', 0), amountCents: 99 });
    await expect(sentinel.reset({ operator: { user: 'bob' }, reason: 'x', confirm: false })).rejects.toThrow(/--confirm/);
    const result = await sentinel.reset({ operator: { user: 'bob' }, reason: 'month end', confirm: true });
    expect(result.closed).toBe(before.cycleId);
    const after = await sentinel.snapshot();
    expect(after.cycleId).toBe(result.opened);
    expect(after.total.spentCents).toBe(0);
    const cycles = await listCycles(t.db);
    expect(cycles.find((c) => c.id === before.cycleId)).toMatchObject({ closedBy: 'bob', closeReason: 'month end' });
  });

  it('detailed status has burn rate, projection and top operations', async () => {
    await sentinel.record({ ...charge('openai_tokens', 0), amountCents: 300, operation: 'deck.slides' });
    await sentinel.record({ ...charge('openai_tokens', 0), amountCents: 100, operation: 'embeddings' });
    const d = await sentinel.detailed();
    expect(d.burnRateCentsPerHour).toBeGreaterThan(0);
    expect(d.projectedCapAt).toBeInstanceOf(Date);
    expect(d.topOperations[0]).toMatchObject({ operation: 'deck.slides', cents: 300, calls: 1 });
  });
});
