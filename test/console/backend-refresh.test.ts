import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/db.js';
import { createApp, type App } from '../../src/app/app.js';
import { createManualClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import { createConsoleBackend, UNCHANGED_REUSE_MS } from '../../src/app/console-backend.js';
import type { ConsoleApi, ConsoleSnapshot } from '../../src/core/console-api.js';
import { setShutdown } from '../../src/storage/budget.js';
import { insertIdea } from '../../src/storage/ideas.js';
import { snapshotContentKey } from '../../src/ui/hooks/use-snapshot.js';

// An idle refresh is ONE round trip to the database. On PostgreSQL it is the change check and the panels
// read every refresh composed into one statement. Embedded, it is a smaller one: the transaction snapshot
// says nothing was committed since the last refresh, so its rows still stand; after a write it is two,
// that check and then the composed statement. What it shows is exactly what reading every panel by its
// own statements shows: budget (with an emergency's reason), pipeline counts, stuck, parked and
// budget-waiting ideas.
describeEachEngine('console backend, one statement a refresh', (t) => {
  const embedded = t.engine === 'pglite';
  let app: App;
  let clocked: App;
  let checked: ConsoleApi;
  let everyRead: ConsoleApi;
  let statements = 0;
  let sqls: string[] = [];
  const clock = createManualClock(new Date());
  beforeAll(async () => {
    // the app on the test's clock too: the budget's lease reaper (every 30 s, before a refresh) follows it,
    // not the wall clock of a loaded machine
    app = await createApp({ config: loadConfig({ env: { ...t.env, STUDIO_OPERATOR: 'dana' }, cwd: t.home, dotenv: false }), clock });
    // statements counted as the bench counts them: every query the app's database is sent
    const query = app.db.query.bind(app.db);
    app.db.query = ((...args: Parameters<typeof query>) => (statements++, sqls.push(args[0]), query(...args))) as typeof query;
    clocked = { ...app, clock };
    checked = await createConsoleBackend(clocked, { readOnly: true });
    everyRead = await createConsoleBackend(clocked, { readOnly: true, changeCheck: false });
  });
  afterAll(async () => {
    await app?.close();
  });

  /** An idea with `set` applied (columns of ideas), entered in its stage `enteredAgoMs` ago. */
  async function idea(title: string, enteredAgoMs: number, set = ''): Promise<string> {
    const id = randomUUID();
    const at = new Date(clock.now() - enteredAgoMs);
    await insertIdea(app.db, {
      id,
      title,
      description: `${title}, made for the console refresh test`,
      category: 'saas',
      problem: null,
      solution: null,
      market: null,
      evidenceLinks: [],
      createdBy: 'test',
      embedding: null,
      at,
    });
    if (set) await app.db.query(`update ideas set ${set} where id = $1`, [id]);
    return id;
  }

  /** A checked refresh and a full read at the same moment: equal but for the read's duration. */
  async function both(): Promise<{ snap: ConsoleSnapshot; statements: number; panelsRead: boolean; sent: string[] }> {
    statements = 0;
    sqls = [];
    const snap = await checked.snapshot();
    const sent = statements;
    const panelsRead = sqls.some((sql) => sql.includes('json_agg'));
    const full = await everyRead.snapshot();
    expect({ ...snap, readMs: 0 }).toEqual({ ...full, readMs: 0 });
    return { snap, statements: sent, panelsRead, sent: sqls.slice(0, sent).map((sql) => sql.replace(/\s+/g, ' ').slice(0, 60)) };
  }

  it('an idle refresh sends one statement and shows what reading every panel shows', async () => {
    const stuck = await idea('Stuck for days', 3 * 86_400_000);
    const parked = await idea('Parked by its gate', 60_000, `parked_reason = 'gate exhausted'`);
    const waiting = await idea('Waiting on tokens', 120_000, `waiting_on_budget = 'openai_tokens'`);
    const lapsed = await idea('Lease lapsed often', 30_000, `lease_lapses = 7, lease_until = now() + interval '5 minutes'`);
    await idea('Done today', 10_000, `current_stage = 'COMPLETE', status = 'DEPLOYED', completed_at = now()`);
    await app.budget.record({ category: 'openai_tokens', amountCents: 123, service: 'test', operation: 'invoice', idempotencyKey: 'refresh-test' });
    const cycle = (await app.budget.snapshot()).cycleId;
    await setShutdown(app.db, cycle, true, 'test: over the cap');

    const first = await both(); // the first refresh reads every panel (nothing held yet)
    expect(first.statements).toBeGreaterThan(1);
    clock.advance(1_000);
    const { snap, sent } = await both();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.includes('pg_current_snapshot')).toBe(embedded);
    expect(snap.budget).toMatchObject({ emergencyShutdown: true, shutdownReason: 'test: over the cap' });
    expect(snap.budget.categories.find((c) => c.name === 'openai_tokens')?.spentCents).toBe(123);
    expect(snap.pipeline.stuck.map((s) => [s.id, s.kind])).toEqual(
      expect.arrayContaining([
        [stuck, 'stuck'],
        [lapsed, 'stuck'],
        [parked, 'parked'],
        [waiting, 'waiting'],
      ]),
    );
    expect(snap.pipeline).toMatchObject({ parked: 1, waitingOnBudget: 1, processing: expect.any(Number), completedLast24h: 1 });
    expect(snap.pipeline.processing).toBeGreaterThan(0);

    // a second later nothing changed but the ideas' time held and the projected cap time: the screen has
    // nothing to draw (those move on with the other ages, when their text would change)
    clock.advance(1_000);
    const later = await both();
    expect(later.snap.pipeline.stuck.find((s) => s.id === stuck)!.heldForMs).toBe(snap.pipeline.stuck.find((s) => s.id === stuck)!.heldForMs + 1_000);
    expect(later.snap.budget.projectedCapAt!.getTime()).toBe(snap.budget.projectedCapAt!.getTime() + 1_000);
    expect(snapshotContentKey(later.snap)).toBe(snapshotContentKey(snap));

    // a change to a panel read every refresh shows at the next one, still in one statement
    const parkedNow = await idea('Parked just now', 5_000, `parked_reason = 'lease lapses'`);
    await setShutdown(app.db, cycle, false, null);
    clock.advance(1_000);
    const next = await both();
    expect(next.statements).toBe(embedded ? 2 : 1); // embedded: the snapshot moved, the refresh statement runs
    expect(next.snap.pipeline.stuck.find((s) => s.id === parkedNow)).toMatchObject({ kind: 'parked', reason: 'parked: lease lapses' });
    expect(next.snap.pipeline.parked).toBe(2);
    expect(next.snap.budget).toMatchObject({ emergencyShutdown: false, shutdownReason: null });

    expect(next.panelsRead).toBe(true);
    // nothing written since: one statement again, and embedded not the panels' read
    clock.advance(1_000);
    const idle = await both();
    expect(idle.sent).toHaveLength(1);
    expect(idle.panelsRead).toBe(!embedded);
    // nothing written, but what moves with time alone is read again every UNCHANGED_REUSE_MS
    clock.advance(UNCHANGED_REUSE_MS);
    expect((await both()).panelsRead).toBe(true);
  });
});
