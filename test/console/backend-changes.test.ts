import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/db.js';
import { createApp, type App } from '../../src/app/app.js';
import { loadConfig } from '../../src/core/config.js';
import { createConsoleBackend } from '../../src/app/console-backend.js';
import type { ConsoleApi, ConsoleSnapshot } from '../../src/core/console-api.js';
import { insertKpiSamples, upsertServiceState } from '../../src/storage/health-store.js';
import { insertIncident, updateIncident } from '../../src/storage/incidents.js';
import { setPaused } from '../../src/storage/job-state.js';
import { snapshotContentKey } from '../../src/ui/hooks/use-snapshot.js';

// The idle console reads the slow panels (services, KPIs, jobs, incidents) again only when the server
// says they changed: every change must still show at the very next refresh, and a refresh over unchanged
// data must bring the same content (the screen then draws nothing).
describeEachEngine('console backend change check', (t) => {
  let app: App;
  let api: ConsoleApi;
  let everyRead: ConsoleApi;
  beforeAll(async () => {
    app = await createApp({ config: loadConfig({ env: { ...t.env, STUDIO_OPERATOR: 'dana' }, cwd: t.home, dotenv: false }) });
    api = await createConsoleBackend(app, { readOnly: true });
    everyRead = await createConsoleBackend(app, { readOnly: true, changeCheck: false });
  });
  afterAll(async () => {
    await app?.close();
  });
  /** What both backends show now: the change-checked one must show what a full read shows. */
  async function both(): Promise<ConsoleSnapshot> {
    const [checked, full] = [await api.snapshot(), await everyRead.snapshot()];
    expect(contentWithoutTimes(checked)).toEqual(contentWithoutTimes(full));
    return checked;
  }

  it('a refresh over unchanged data brings the same content, so the screen has nothing to draw', async () => {
    await upsertServiceState(app.db, { name: 'database', level: 'HEALTHY', reason: 'ok' }, new Date());
    // the budget row of Services is the live budget, read with every refresh: marked live, not given the
    // read's time (a time that moved with every read made every snapshot new and the screen redraw each second)
    await upsertServiceState(app.db, { name: 'budget', level: 'HEALTHY', reason: 'ok (total 0.0%)' }, new Date(Date.now() - 4 * 60_000));
    const first = await both();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await api.snapshot();
    expect(second.takenAt.getTime()).toBeGreaterThan(first.takenAt.getTime());
    expect(snapshotContentKey(second)).toBe(snapshotContentKey(first));
    const budgetRow = second.services.find((s) => s.name === 'budget');
    expect(budgetRow).toMatchObject({ live: true });
    expect(budgetRow?.checkedAt).toBeUndefined();
  });

  it('each slow panel shows a change at the very next refresh', async () => {
    await both();

    await upsertServiceState(app.db, { name: 'openai', level: 'CRITICAL', reason: 'HTTP 503 from the fake' }, new Date());
    expect((await both()).services.find((s) => s.name === 'openai')).toMatchObject({ level: 'CRITICAL', reason: 'HTTP 503 from the fake' });

    await insertKpiSamples(app.db, [{ kpi: 'db_query_ms', value: 417, level: 'CRITICAL' }], new Date());
    expect((await both()).kpis.find((k) => k.value === 417)).toMatchObject({ level: 'CRITICAL' });

    await setPaused(app.db, { job: 'backup.daily', paused: true, now: new Date(), by: 'dana', reason: 'test' });
    expect((await both()).jobs.find((j) => j.name === 'backup.daily')).toMatchObject({ paused: true });

    const opened = await insertIncident(app.db, { dedupKey: 'test:changes', source: 'test', kind: 'test', severity: 'P2', level: 'CRITICAL', title: 'A fresh incident', silenced: false, at: new Date() });
    let snap = await both();
    expect(snap.incidents.find((i) => i.id === opened!.id)).toMatchObject({ status: 'open', title: 'A fresh incident' });
    expect(snap.incidentCounts?.open.P2).toBe(1);

    await updateIncident(app.db, opened!.id, { status: 'resolved', resolvedAt: new Date(), resolvedBy: 'dana' });
    snap = await both();
    expect(snap.incidents.find((i) => i.id === opened!.id)).toMatchObject({ status: 'resolved' });
    expect(snap.incidentCounts).toMatchObject({ open: { P2: 0 }, resolved24h: 1 });
  });
});

/** A snapshot's content without when it was read (and the jobs' next runs, computed from that time). */
function contentWithoutTimes(s: ConsoleSnapshot) {
  const { takenAt: _t, readMs: _r, jobs, ...rest } = s;
  return { ...rest, jobs: jobs.map(({ nextRunAt: _n, ...j }) => j) };
}
