import { afterAll, beforeAll, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { loadConfig, type Config } from '../../src/core/config.js';
import type { ServiceProbe } from '../../src/core/health.js';
import { DatabaseError } from '../../src/core/errors.js';
import type { Database } from '../../src/core/ports.js';
import { runHealthCheck, type HealthCheckDeps } from '../../src/ops/health/check.js';
import { createHttpProbe } from '../../src/ops/health/probes/providers.js';
import { acknowledgeIncident, processOpsEvents, resolveIncident } from '../../src/ops/incidents/incidents.js';
import { deliverNotifications } from '../../src/ops/incidents/deliver.js';
import { withMaintenanceWindow } from '../../src/ops/incidents/maintenance.js';
import { createNotifiers } from '../../src/providers/notify/index.js';
import { listAudit } from '../../src/storage/audit.js';
import { emitEvent } from '../../src/storage/events.js';
import { listServiceStates, readKpiHistory } from '../../src/storage/health-store.js';
import { listIncidents, listTimeline } from '../../src/storage/incidents.js';
import { listNotifications } from '../../src/storage/notifications.js';
import { describeEachEngine } from '../helpers/db.js';
import { startFakeHttpServer, startFakeSmtpServer, type FakeHttpServer, type FakeSmtpServer, alertChannelEnv } from '../helpers/fake-servers.js';

const FIVE_MIN = 5 * 60_000;
const healthyHost: ServiceProbe = { name: 'host', probe: async () => ({ name: 'host', level: 'HEALTHY', reason: 'ok', details: { memoryPct: 40, diskPct: 50 } }) };

describeEachEngine('health check → incidents → notifications', (t) => {
  let http: FakeHttpServer;
  let smtp: FakeSmtpServer;
  let config: Config;
  const clock = createManualClock(Date.UTC(2026, 10, 1, 12, 0, 0));
  let providerFails = true;

  beforeAll(async () => {
    http = await startFakeHttpServer();
    smtp = await startFakeSmtpServer();
    http.respond((req) => (req.path === '/provider/health' ? (providerFails ? { status: 500, body: 'upstream broke' } : { status: 200, body: '{}' }) : { status: 202, body: '{"status":"success"}' }));
    config = loadConfig({
      env: {
        ...t.env,
        ...alertChannelEnv(http.url, smtp.url, { slackPath: 'secretpathXYZ', routingKey: 'rk-secret-routing-123' }),
      },
      cwd: t.home,
      dotenv: false,
    });
  });
  afterAll(async () => {
    await http?.close();
    await smtp?.close();
  });

  const deps = (): HealthCheckDeps => ({
    db: t.db,
    config,
    clock,
    notifiers: createNotifiers(config),
    probes: [healthyHost, createHttpProbe({ name: 'openai', url: `${http.url}/provider/health` })],
    delivery: { backoffMs: 1 },
  });
  const slack = () => http.requests.filter((r) => r.path.startsWith('/slack/'));
  const pd = () => http.requests.filter((r) => r.path === '/pd/enqueue');

  it('a failing provider is CRITICAL and one incident; Slack, PagerDuty and e-mail each get ONE notification over several checks', async () => {
    for (let i = 0; i < 4; i++) {
      const result = await runHealthCheck(deps());
      expect(result.report.services.find((s) => s.name === 'openai')).toMatchObject({ level: 'CRITICAL', reason: 'answered HTTP 500' });
      expect(result.report.level).toBe('CRITICAL');
      clock.advance(FIVE_MIN);
    }
    const states = await listServiceStates(t.db);
    expect(states.find((s) => s.name === 'openai')).toMatchObject({ level: 'CRITICAL' });
    const incidents = await listIncidents(t.db, { openOnly: true });
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ dedupKey: 'service.state:openai', severity: 'P2', count: 4, status: 'open', notifiedSeverity: 'P2' });

    expect(slack()).toHaveLength(1);
    expect(pd()).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    expect(pd()[0]!.json).toMatchObject({ event_action: 'trigger', dedup_key: 'service.state:openai', routing_key: 'rk-secret-routing-123', payload: { severity: 'error' } });
    expect((slack()[0]!.json as { text: string }).text).toMatch(/\[P2\] service:openai CRITICAL: answered HTTP 500/);
    expect(smtp.messages[0]!.to).toEqual(['oncall@example.com']);
    expect(smtp.messages[0]!.data).toMatch(/Subject: \[P2\] service:openai CRITICAL/);

    const sent = await listNotifications(t.db);
    expect(sent.map((n) => `${n.channel}:${n.status}`).sort()).toEqual(['email:sent', 'pagerduty:sent', 'slack:sent']);
    const recorded = JSON.stringify(sent);
    expect(recorded).not.toContain('secretpathXYZ');
    expect(recorded).not.toContain('rk-secret-routing-123');

    const kpis = await readKpiHistory(t.db, { since: new Date(0) });
    expect(kpis['api_response_ms:openai']).toHaveLength(4);
    expect(kpis['api_response_ms:openai']![0]!.level).toBe('CRITICAL');
    expect(kpis.db_query_ms).toHaveLength(4);
  });

  it('when the provider recovers the incident resolves by itself; PagerDuty and Slack are told, e-mail is not repeated', async () => {
    providerFails = false;
    await runHealthCheck(deps());
    clock.advance(FIVE_MIN);
    const [incident] = await listIncidents(t.db);
    expect(incident).toMatchObject({ status: 'resolved', resolvedBy: 'auto' });
    expect(pd().map((r) => (r.json as { event_action: string }).event_action)).toEqual(['trigger', 'resolve']);
    expect(slack()).toHaveLength(2);
    expect((slack()[1]!.json as { text: string }).text).toMatch(/^Resolved: /);
    expect(smtp.messages).toHaveLength(1);
    const timeline = await listTimeline(t.db, incident!.id);
    expect(timeline.map((e) => e.kind)).toEqual(['opened', 'notified', 'auto_resolved', 'notified']);
  });

  it('a flapping check reopens the same incident with a count, and does not e-mail or Slack again', async () => {
    providerFails = true;
    await runHealthCheck(deps());
    clock.advance(FIVE_MIN);
    providerFails = false;
    await runHealthCheck(deps());
    clock.advance(FIVE_MIN);
    providerFails = true;
    await runHealthCheck(deps());
    clock.advance(FIVE_MIN);
    const incidents = await listIncidents(t.db);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ status: 'open', count: 6 });
    expect(slack().filter((r) => !(r.json as { text: string }).text.startsWith('Resolved'))).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    // PagerDuty mirrors the state: it had paged, so each reopen re-triggers the same dedup key
    expect(pd().map((r) => (r.json as { event_action: string }).event_action)).toEqual(['trigger', 'resolve', 'trigger', 'resolve', 'trigger']);
  });

  it('an operator acknowledges (PagerDuty acknowledged) and resolves with a note; both audited', async () => {
    const [incident] = await listIncidents(t.db, { openOnly: true });
    const operator = { user: 'alice', sshClient: '10.0.0.7' };
    const channels = createNotifiers(config).map((n) => n.channel);
    const acked = await acknowledgeIncident(t.db, incident!.id, { operator, clock, channels });
    expect(acked).toMatchObject({ status: 'acknowledged', ackedBy: 'alice' });
    await deliverNotifications(t.db, createNotifiers(config), { clock, backoffMs: 1 });
    expect(pd().at(-1)!.json).toMatchObject({ event_action: 'acknowledge', dedup_key: 'service.state:openai' });

    await expect(resolveIncident(t.db, incident!.id, '  ', { operator, clock, channels })).rejects.toThrow(/needs a note/);
    const resolved = await resolveIncident(t.db, incident!.id, 'rotated the API key', { operator, clock, channels });
    expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: 'alice', resolutionNote: 'rotated the API key' });
    await deliverNotifications(t.db, createNotifiers(config), { clock, backoffMs: 1 });
    expect(pd().at(-1)!.json).toMatchObject({ event_action: 'resolve' });
    const audit = await listAudit(t.db, { action: 'incident.' });
    expect(audit.map((a) => a.action).sort()).toEqual(['incident.ack', 'incident.resolve']);
    expect(audit.find((a) => a.action === 'incident.resolve')).toMatchObject({ operator: 'alice', sshClient: '10.0.0.7', reason: 'rotated the API key' });
    await expect(acknowledgeIncident(t.db, incident!.id, { operator, clock, channels })).rejects.toThrow(/already resolved/);
  });

  it('inside a maintenance window the incident is recorded but silent; if it outlasts the window, it notifies then', async () => {
    const before = { slack: slack().length, pd: pd().length, mail: smtp.messages.length };
    clock.advance(2 * 3_600_000); // past the flap window: a new incident
    providerFails = true;
    await withMaintenanceWindow(t.db, { reason: 'provider key rotation', sources: ['service:openai'], durationMs: 30 * 60_000, clock }, async () => {
      await runHealthCheck(deps());
      clock.advance(FIVE_MIN);
    });
    const [open] = await listIncidents(t.db, { openOnly: true });
    expect(open).toMatchObject({ silenced: true, notifiedSeverity: null });
    expect((await listTimeline(t.db, open!.id)).map((e) => e.kind)).toContain('silenced');
    expect({ slack: slack().length, pd: pd().length, mail: smtp.messages.length }).toEqual(before);

    await runHealthCheck(deps());
    expect(slack().length).toBe(before.slack + 1);
    expect(pd().length).toBe(before.pd + 1);
    expect(smtp.messages.length).toBe(before.mail + 1);
    providerFails = false;
    await runHealthCheck(deps());
    clock.advance(FIVE_MIN);
  });

  it('ops_events become incidents: budget EMERGENCY is P1 and pages; its HEALTHY event resolves it', async () => {
    await t.db.withTransaction((tx) =>
      emitEvent(tx, { kind: 'budget.level', source: 'budget', level: 'EMERGENCY', dedupKey: 'budget.level:total:c1', message: 'total budget exceeded: emergency shutdown' }),
    );
    const channels = createNotifiers(config).map((n) => n.channel);
    const first = await processOpsEvents(t.db, { clock, channels });
    expect(first).toMatchObject({ events: 1, opened: 1 });
    const p1 = (await listIncidents(t.db, { openOnly: true })).find((i) => i.dedupKey === 'budget.level:total:c1');
    expect(p1).toMatchObject({ severity: 'P1', source: 'budget', kind: 'budget.level' });
    await deliverNotifications(t.db, createNotifiers(config), { clock, backoffMs: 1 });
    expect(pd().at(-1)!.json).toMatchObject({ event_action: 'trigger', dedup_key: 'budget.level:total:c1', payload: { severity: 'critical' } });

    await t.db.withTransaction((tx) => emitEvent(tx, { kind: 'budget.level', source: 'budget', level: 'HEALTHY', dedupKey: 'budget.level:total:c1', message: 'budget reset' }));
    expect(await processOpsEvents(t.db, { clock, channels })).toMatchObject({ events: 1, resolved: 1 });
    expect(await processOpsEvents(t.db, { clock, channels })).toMatchObject({ events: 0 });
  });

  it('a budget reset resolves the closed cycle\'s crossings (as the budget sentinel emits them)', async () => {
    const channels = createNotifiers(config).map((n) => n.channel);
    await t.db.withTransaction(async (tx) => {
      for (const level of ['WARNING', 'CRITICAL'] as const) {
        await emitEvent(tx, { kind: 'budget.level', source: 'budget', level, dedupKey: 'budget.level:cy7:google_ads', message: `budget google_ads reached ${level}` });
      }
      await emitEvent(tx, { kind: 'budget.level', source: 'budget', level: 'WARNING', dedupKey: 'budget.level:cy8:total', message: 'next cycle' });
    });
    await processOpsEvents(t.db, { clock, channels });
    const open = () => listIncidents(t.db, { openOnly: true }).then((rows) => rows.filter((i) => i.dedupKey.startsWith('budget.level:')).map((i) => i.dedupKey).sort());
    // one incident per category and cycle: WARNING then CRITICAL escalated it
    expect(await open()).toEqual(['budget.level:cy7:google_ads', 'budget.level:cy8:total']);
    await t.db.withTransaction((tx) =>
      emitEvent(tx, { kind: 'budget.reset', source: 'budget', level: 'HEALTHY', dedupKey: 'budget.cycle:cy7', message: 'budget cycle cy8 opened by alice', details: { closed: 'cy7', opened: 'cy8' } }),
    );
    expect(await processOpsEvents(t.db, { clock, channels })).toMatchObject({ events: 1, resolved: 1 });
    expect(await open()).toEqual(['budget.level:cy8:total']);
    await deliverNotifications(t.db, createNotifiers(config), { clock, backoffMs: 1 });
  });

  it('with the database down nothing can be recorded: one direct P1 page per hour, and "reachable again" after', async () => {
    // the database as the network sees it: every statement fails while `down` (as pg does when the server stops)
    let down = true;
    const db: Database = {
      ...t.db,
      mode: t.db.mode,
      location: `outage-test-${t.engine}`,
      query: (async (sql: string, params?: readonly unknown[]) => {
        if (down) throw new DatabaseError('storage: cannot reach PostgreSQL at 127.0.0.1:5432/studio (ECONNREFUSED); is it running? check DATABASE_URL');
        return t.db.query(sql, params);
      }) as Database['query'],
    };
    const before = { pd: pd().length, slack: slack().length, mail: smtp.messages.length };
    const first = await runHealthCheck({ ...deps(), db });
    expect(first.report.services[0]).toMatchObject({ name: 'database', level: 'CRITICAL', details: { down: true } });
    expect(first.notifications.sent).toBe(3);
    clock.advance(FIVE_MIN);
    expect((await runHealthCheck({ ...deps(), db })).notifications.sent).toBe(0);
    expect(pd().length).toBe(before.pd + 1);
    expect(pd().at(-1)!.json).toMatchObject({ event_action: 'trigger', dedup_key: 'service.state:database', payload: { severity: 'critical' } });
    expect(smtp.messages.length).toBe(before.mail + 1);
    down = false;
    clock.advance(FIVE_MIN);
    await runHealthCheck({ ...deps(), db });
    const aboutDatabase = pd().filter((r) => (r.json as { dedup_key: string }).dedup_key === 'service.state:database');
    expect(aboutDatabase.map((r) => (r.json as { event_action: string }).event_action)).toEqual(['trigger', 'resolve']);
    expect(slack().some((r) => /^Resolved: \[P1\] database reachable again/.test((r.json as { text: string }).text))).toBe(true);
  });
});

describeEachEngine('notification delivery', (t) => {
  let http: FakeHttpServer;
  let smtp: FakeSmtpServer;
  let config: Config;
  const clock = createManualClock(Date.UTC(2026, 10, 2));
  beforeAll(async () => {
    http = await startFakeHttpServer();
    smtp = await startFakeSmtpServer();
    config = loadConfig({
      env: { ...t.env, SLACK_WEBHOOK_URL: `${http.url}/slack/hook`, SMTP_URL: smtp.url, ALERT_EMAIL_TO: 'ops@example.com' },
      cwd: t.home,
      dotenv: false,
    });
  });
  afterAll(async () => {
    await http?.close();
    await smtp?.close();
  });

  it('retries a 500 from Slack and a 451 from SMTP, then records sent with the attempts; a 400 is not retried', async () => {
    let slackCalls = 0;
    http.respond(() => (++slackCalls === 1 ? { status: 500, body: 'oops' } : { status: 200, body: 'ok' }));
    smtp.failNext(1);
    await t.db.withTransaction((tx) => emitEvent(tx, { kind: 'backup.failed', source: 'backup', level: 'WARNING', dedupKey: 'backup.failed:daily', message: 'pg_dump exited 1' }));
    await processOpsEvents(t.db, { clock, channels: ['slack', 'email'] });
    const result = await deliverNotifications(t.db, createNotifiers(config), { clock, backoffMs: 1 });
    expect(result).toMatchObject({ sent: 2, failed: 0 });
    const rows = await listNotifications(t.db);
    expect(rows.map((r) => [r.channel, r.status, r.attempts]).sort()).toEqual([
      ['email', 'sent', 2],
      ['slack', 'sent', 2],
    ]);
    expect(rows.find((r) => r.channel === 'slack')!.target).toBe(`slack webhook at ${http.url}`);

    http.respond(() => ({ status: 400, body: 'invalid_payload' }));
    await t.db.withTransaction((tx) => emitEvent(tx, { kind: 'job.failed', source: 'scheduler', level: 'CRITICAL', dedupKey: 'job.failed:backup.daily', message: 'backup job failed' }));
    await processOpsEvents(t.db, { clock, channels: ['slack'] });
    const calls = http.requests.length;
    const failed = await deliverNotifications(t.db, createNotifiers(config), { clock, backoffMs: 1 });
    expect(failed.failed).toBe(1);
    expect(http.requests.length).toBe(calls + 1);
    expect((await listNotifications(t.db, { limit: 1 }))[0]).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringMatching(/HTTP 400/) });
  });

  it('past the hourly limit P2-P4 messages are dropped as rate_limited, a P1 still goes out', async () => {
    http.respond(() => ({ status: 200, body: 'ok' }));
    const channels = ['slack'] as const;
    for (const [key, level] of [['a', 'WARNING'], ['b', 'WARNING'], ['c', 'EMERGENCY']] as const) {
      await t.db.withTransaction((tx) => emitEvent(tx, { kind: 'test', source: 'test', level, dedupKey: `rate:${key}`, message: `problem ${key}` }));
    }
    await processOpsEvents(t.db, { clock, channels });
    const result = await deliverNotifications(t.db, createNotifiers(config), { clock, backoffMs: 1, maxPerHour: 1 });
    // one Slack message went out in the previous test within the hour: the WARNINGs are over the limit, the P1 is not
    expect(result).toMatchObject({ sent: 1, rateLimited: 2 });
  });
});
