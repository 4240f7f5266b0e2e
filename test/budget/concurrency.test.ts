import { expect, it } from 'vitest';
import { describeServer } from '../helpers/db.js';
import { runFixture } from '../helpers/fixtures.js';
import { testSentinel } from '../helpers/sentinel.js';
import { buckets, ledgerTotals } from '../../src/storage/budget.js';

const spawnRacer = (env: Record<string, string>, args: string[]) =>
  runFixture('budget-racer', args, { env: { ...env, LOG_LEVEL: 'warn' }, reject: false });

describeServer('budget under concurrency', (t) => {
  it('six processes racing random amounts never pass a cap by a cent, and the ledger adds up', async () => {
    const sentinel = testSentinel(t.db, t.config);
    // small caps so the race is decided at the cap: $10 and $2
    const { opened } = await sentinel.reset({ operator: { user: 'test' }, reason: 'race', confirm: true });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => spawnRacer(t.env, ['race', '60', String(i + 1)])));
    for (const r of results) expect(r.exitCode, r.stderr).toBe(0);
    const stats = results.map((r) => JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { reserved: number; refused: number; overSettled: number });
    expect(stats.reduce((s, x) => s + x.refused, 0)).toBeGreaterThan(0); // the caps really were contested
    expect(stats.reduce((s, x) => s + x.reserved, 0)).toBeGreaterThan(0);

    const totals = await ledgerTotals(t.db, opened);
    for (const b of await buckets(t.db, opened)) {
      expect(b.spentCents + b.reservedCents).toBeLessThanOrEqual(b.allocatedCents);
      expect(b.reservedCents).toBe(0);
      expect(b.allocatedCents).toBe(t.config.budget.categories[b.category]);
      const settled = totals.find((x) => x.category === b.category && x.state === 'settled')?.cents ?? 0;
      expect(b.spentCents).toBe(settled);
    }
    const spent = await t.db.query<{ c: number }>("select coalesce(sum(amount_cents), 0)::bigint as c from spend_ledger where cycle_id = $1 and state = 'settled'", [opened]);
    expect(spent.rows[0]!.c).toBeLessThanOrEqual(6200);
  }, 120_000);

  it('a holder killed mid-reservation is released once its lease lapses', async () => {
    const sentinel = testSentinel(t.db, t.config);
    await sentinel.reset({ operator: { user: 'test' }, reason: 'kill', confirm: true });
    const child = runFixture('budget-racer', ['hold'], { env: { ...t.env, BUDGET_RESERVATION_LEASE: '300ms' }, reject: false, buffer: false });
    const id = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        const match = /reserved (\S+)/.exec(chunk.toString());
        if (match) resolve(match[1]!);
      });
      child.on('exit', () => reject(new Error('holder exited before reserving')));
    });
    expect((await sentinel.snapshot()).categories.openai_tokens.reservedCents).toBe(321);
    child.kill('SIGKILL');
    await child;
    // wait (bounded) for the lease to lapse, then reap
    const deadline = Date.now() + 10_000;
    let released = 0;
    while (Date.now() < deadline && released === 0) {
      released = await sentinel.reapExpired();
      if (released === 0) await t.db.query('select pg_sleep(0.1)');
    }
    const row = await t.db.query<{ state: string }>('select state from spend_ledger where id = $1', [id]);
    expect(row.rows[0]!.state).toBe('released');
    expect((await sentinel.snapshot()).categories.openai_tokens.reservedCents).toBe(0);
  }, 60_000);
});
