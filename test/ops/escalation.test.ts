import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { ConfigError } from '../../src/core/errors.js';
import { loadConfig, type Config } from '../../src/core/config.js';
import type { Level } from '../../src/core/types.js';
import { runHealthCheck } from '../../src/ops/health/check.js';
import { deliverNotifications } from '../../src/ops/incidents/deliver.js';
import { escalateUnacknowledged } from '../../src/ops/incidents/escalation.js';
import { acknowledgeIncident, observe, resolveIncident } from '../../src/ops/incidents/incidents.js';
import { withMaintenanceWindow } from '../../src/ops/incidents/maintenance.js';
import { createNotifiers } from '../../src/providers/notify/index.js';
import { listIncidents, listTimeline, type Incident } from '../../src/storage/incidents.js';
import { describeEachEngine } from '../helpers/db.js';
import { startFakeHttpServer, startFakeSmtpServer, type FakeHttpServer, type FakeSmtpServer, type RecordedRequest, alertChannelEnv } from '../helpers/fake-servers.js';

const MIN = 60_000;

describeEachEngine('escalation of unacknowledged incidents', (t) => {
  let http: FakeHttpServer;
  let smtp: FakeSmtpServer;
  let config: Config;
  const clock = createManualClock(Date.UTC(2026, 10, 2, 9, 0, 0));
  const operator = { user: 'oncall-ana' };

  beforeAll(async () => {
    http = await startFakeHttpServer();
    smtp = await startFakeSmtpServer();
    http.respond(() => ({ status: 202, body: '{"status":"success"}' }));
    config = loadConfig({
      env: {
        ...t.env,
        ...alertChannelEnv(http.url, smtp.url, { slackPath: 'secretpath', routingKey: 'rk-escalation-test' }),
      },
      cwd: t.home,
      dotenv: false,
    });
  });
  afterAll(async () => {
    await http?.close();
    await smtp?.close();
  });
  beforeEach(() => {
    http.requests.length = 0;
    smtp.messages.length = 0;
  });

  const channels = () => createNotifiers(config).map((n) => n.channel);
  const escalate = () => escalateUnacknowledged(t.db, { clock, channels: channels(), afterMs: config.notify.escalateMs });
  const deliver = () => deliverNotifications(t.db, createNotifiers(config), { clock, backoffMs: 1 });
  const open = async (key: string, level: Level, details?: Record<string, unknown>): Promise<Incident> => {
    const result = await t.db.withTransaction((tx) => observe(tx, { source: 'test', kind: 'test.fault', dedupKey: key, level, message: `${key} is broken`, details }, { clock, channels: channels() }));
    await deliver();
    return result.incident!;
  };
  /** What arrived at the fake servers for one incident (by its dedup key, escalation keys included). */
  const arrived = (key: string) => {
    const pd = http.requests.filter((r) => r.path === '/pd/enqueue').map((r) => r.json as { event_action: string; dedup_key: string; payload?: { summary: string } });
    const mine = (r: RecordedRequest) => r.body.includes(key);
    return {
      pd: pd.filter((e) => e.dedup_key.startsWith(key)),
      slack: http.requests.filter((r) => r.path.startsWith('/slack/') && mine(r)).map((r) => (r.json as { text: string }).text),
      email: smtp.messages.filter((m) => m.data.includes(key) || m.data.includes(`${key} is broken`)),
    };
  };
  const escalations = async (id: number) => (await listTimeline(t.db, id)).filter((e) => e.kind === 'escalation');

  it('defaults come from the manual\'s response times: P1 15 minutes, P2 1 hour; a bad value is one clear line', () => {
    expect(config.notify.escalateMs).toEqual({ P1: 15 * MIN, P2: 60 * MIN });
    expect(() => loadConfig({ env: { ...t.env, INCIDENT_ESCALATE_P1: 'soon' }, cwd: t.home, dotenv: false })).toThrow(
      new ConfigError('config: INCIDENT_ESCALATE_P1 must be 0 (never) or a duration from 1m to 7d with its unit (ms, s, m, h, d) (got "soon")'),
    );
  });

  it('an unacknowledged P1 is re-paged every 15 minutes (PagerDuty under a new key, Slack, e-mail) until acknowledged; the timeline shows each round', async () => {
    const incident = await open('db.down.p1', 'CRITICAL', { down: true });
    expect(incident.severity).toBe('P1');
    expect(arrived('db.down.p1').pd.map((e) => [e.event_action, e.dedup_key])).toEqual([['trigger', 'db.down.p1']]);

    clock.advance(14 * MIN);
    expect(await escalate()).toEqual([]);
    clock.advance(1 * MIN);
    expect(await escalate()).toEqual([{ incidentId: incident.id, severity: 'P1', round: 1, channels: ['pagerduty', 'slack', 'email'] }]);
    expect(await escalate()).toEqual([]); // the same round is never sent twice
    await deliver();
    clock.advance(15 * MIN);
    expect((await escalate()).map((e) => e.round)).toEqual([2]);
    await deliver();

    const seen = arrived('db.down.p1');
    expect(seen.pd.map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', 'db.down.p1'],
      ['trigger', 'db.down.p1:escalation:1'],
      ['trigger', 'db.down.p1:escalation:2'],
    ]);
    expect(seen.pd[1]!.payload!.summary).toMatch(/^\[P1\] ESCALATION 1: not acknowledged, open 15m 0s: test CRITICAL: db\.down\.p1 is broken$/);
    expect(seen.slack).toHaveLength(3);
    expect(seen.slack[2]).toContain('ESCALATION 2');
    expect(seen.email).toHaveLength(3);
    const rounds = await escalations(incident.id);
    expect(rounds.map((e) => [e.at.toISOString(), e.message])).toEqual([
      ['2026-11-02T09:15:00.000Z', 'escalation 1: P1 not acknowledged 15m 0s after the last notice; re-paged: pagerduty, slack, email'],
      ['2026-11-02T09:30:00.000Z', 'escalation 2: P1 not acknowledged 15m 0s after the last notice; re-paged: pagerduty, slack, email'],
    ]);

    // acknowledged: PagerDuty hears it for every key it paged under, and the reminders stop
    http.requests.length = 0;
    await acknowledgeIncident(t.db, incident.id, { operator, clock, channels: channels() });
    await deliver();
    expect(arrived('db.down.p1').pd.map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['acknowledge', 'db.down.p1'],
      ['acknowledge', 'db.down.p1:escalation:1'],
      ['acknowledge', 'db.down.p1:escalation:2'],
    ]);
    clock.advance(2 * 60 * MIN);
    expect(await escalate()).toEqual([]);
    expect(await escalations(incident.id)).toHaveLength(2);

    await resolveIncident(t.db, incident.id, 'restarted the database', { operator, clock, channels: channels() });
    await deliver();
    expect(arrived('db.down.p1').pd.filter((e) => e.event_action === 'resolve').map((e) => e.dedup_key)).toEqual(['db.down.p1', 'db.down.p1:escalation:1', 'db.down.p1:escalation:2']);
  });

  it('an unacknowledged P2 is notified again after 1 hour on Slack and e-mail, without paging again', async () => {
    const incident = await open('openai.p2', 'CRITICAL');
    expect(incident.severity).toBe('P2');
    clock.advance(59 * MIN);
    expect(await escalate()).toEqual([]);
    clock.advance(1 * MIN);
    expect((await escalate()).map((e) => [e.severity, e.round, e.channels])).toEqual([['P2', 1, ['slack', 'email']]]);
    await deliver();
    const seen = arrived('openai.p2');
    expect(seen.pd.map((e) => e.dedup_key)).toEqual(['openai.p2']);
    expect(seen.slack).toHaveLength(2);
    expect(seen.email).toHaveLength(2);
    expect((await escalations(incident.id))[0]!.message).toBe('escalation 1: P2 not acknowledged 1h 0m after the last notice; notified again: slack, email');
    await resolveIncident(t.db, incident.id, 'fixed', { operator, clock, channels: channels() });
    clock.advance(2 * 60 * MIN);
    expect(await escalate()).toEqual([]);
  });

  it('P3/P4, silenced incidents and a 0 setting are never escalated', async () => {
    const warning = await open('disk.p3', 'WARNING');
    expect(warning.severity).toBe('P3');
    const silenced = await withMaintenanceWindow(t.db, { reason: 'db upgrade', sources: ['test'], durationMs: 30 * MIN, openedBy: operator.user, clock }, async () => open('silenced.p1', 'EMERGENCY'));
    expect(silenced).toMatchObject({ severity: 'P1', silenced: true });
    clock.advance(6 * 60 * MIN);
    expect((await escalate()).filter((e) => [warning.id, silenced.id].includes(e.incidentId))).toEqual([]);

    const off = await open('off.p1', 'EMERGENCY');
    const disabled = loadConfig({ env: { ...t.env, INCIDENT_ESCALATE_P1: '0' }, cwd: t.home, dotenv: false });
    clock.advance(60 * MIN);
    expect(await escalateUnacknowledged(t.db, { clock, channels: channels(), afterMs: disabled.notify.escalateMs })).toEqual([]);
    for (const i of (await listIncidents(t.db, { openOnly: true })).filter((x) => x.id !== off.id)) {
      await resolveIncident(t.db, i.id, 'cleanup', { operator, clock, channels: channels() });
    }
    await resolveIncident(t.db, off.id, 'cleanup', { operator, clock, channels: channels() });
  });

  it('the 5-minute health check drives it: a P1 left alone gets its escalation from the next check after 15 minutes', { timeout: 60_000 }, async () => {
    const incident = await open('budget.p1', 'EMERGENCY');
    clock.advance(16 * MIN);
    const result = await runHealthCheck({ db: t.db, config, clock, notifiers: createNotifiers(config), probes: [], delivery: { backoffMs: 1 } });
    expect(result.escalations.filter((e) => e.incidentId === incident.id).map((e) => e.round)).toEqual([1]);
    expect(arrived('budget.p1').pd.map((e) => e.dedup_key)).toEqual(['budget.p1', 'budget.p1:escalation:1']);
    expect((await escalations(incident.id)).map((e) => e.actor)).toEqual(['escalation']);
  });
});
