import { expect, it, describe } from 'vitest';
import { describeEachEngine } from '../helpers/db.js';
import { costCents, estimateChatCents, priceOf } from '../../src/pipeline/budget/pricing.js';
import { createResponseCache, stableJson } from '../../src/pipeline/budget/cache.js';
import { cacheStats } from '../../src/storage/response-cache.js';

describe('pricing', () => {
  it('prices usage exactly and rounds up to the cent', () => {
    // gpt-4o-mini: $0.15 / 1M input, $0.60 / 1M output
    expect(costCents('gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBe(75);
    expect(costCents('gpt-4o-mini', { inputTokens: 2000, outputTokens: 500 })).toBe(1);
    expect(costCents('gpt-4o', { inputTokens: 1_000_000, cachedInputTokens: 1_000_000 })).toBe(125);
    expect(costCents('text-embedding-3-small', { inputTokens: 0 })).toBe(0);
    expect(costCents('gpt-4o-2024-08-06', { inputTokens: 400_000 })).toBe(100);
    expect(estimateChatCents('gpt-4o', 1000, 1000)).toBe(2);
  });

  it('refuses an unknown model instead of pricing it at zero', () => {
    expect(() => priceOf('gpt-9-ultra')).toThrow(/no price for model "gpt-9-ultra"/);
    expect(() => costCents('mystery', { inputTokens: 10 })).toThrow(/pricing:/);
  });
});

describeEachEngine('response cache', (t) => {
  it('answers an identical request from the cache for free, and counts the hit', async () => {
    const cache = createResponseCache({ db: t.db, enabled: true, ttlMs: 60_000, size: 10 });
    let calls = 0;
    const miss = async () => ({ response: { text: `answer ${++calls}` }, costCents: 3 });
    const first = await cache.through('chat', 'gpt-4o-mini', { messages: [{ role: 'user', content: 'hi' }], temperature: 0 }, miss);
    const second = await cache.through('chat', 'gpt-4o-mini', { temperature: 0, messages: [{ content: 'hi', role: 'user' }] }, miss);
    expect(first).toEqual({ response: { text: 'answer 1' }, hit: false });
    expect(second).toEqual({ response: { text: 'answer 1' }, hit: true });
    expect(calls).toBe(1);
    // a second process (fresh memory) still hits through the database
    const other = createResponseCache({ db: t.db, enabled: true, ttlMs: 60_000, size: 10 });
    expect((await other.through('chat', 'gpt-4o-mini', { messages: [{ role: 'user', content: 'hi' }], temperature: 0 }, miss)).hit).toBe(true);
    const stats = await cacheStats(t.db);
    expect(stats).toMatchObject({ entries: 1, hits: 2, savedCents: 6 });
  });

  it('expires entries and can be turned off', async () => {
    let now = Date.now();
    const cache = createResponseCache({ db: t.db, enabled: true, ttlMs: 1, size: 0, now: () => now });
    let calls = 0;
    await cache.through('embedding', 'text-embedding-3-small', ['x'], async () => ({ response: [1], costCents: 1 }));
    await t.db.query('select pg_sleep(0.01)');
    now += 10;
    await cache.through('embedding', 'text-embedding-3-small', ['x'], async () => ({ response: [++calls], costCents: 1 }));
    expect(calls).toBe(1);
    const off = createResponseCache({ db: t.db, enabled: false, ttlMs: 60_000, size: 10 });
    expect((await off.through('embedding', 'm', ['y'], async () => ({ response: 1, costCents: 0 }))).hit).toBe(false);
    expect(stableJson({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe('{"a":[2,{"c":2,"d":1}],"b":1}');
  });
});
