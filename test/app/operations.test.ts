/**
 * The operations module (src/app/operations): one test per operator action, on both engines, against the
 * real database, the offline ads account and fake Slack / PagerDuty / SMTP servers. Each checks what an
 * operator would notice: the change itself, the one audit row it leaves (with who and why), and that the
 * console's ConsoleApi and the CLI reach the same code (same audit row, same transaction).
 */
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/db.js';
import { startFakeHttpServer, startFakeSmtpServer, type FakeHttpServer, type FakeSmtpServer, alertChannelEnv } from '../helpers/fake-servers.js';
import { createApp, type App } from '../../src/app/app.js';
import { loadConfig } from '../../src/core/config.js';
import { createConsoleBackend } from '../../src/app/console-backend.js';
import { InvalidInputError, NotFoundError } from '../../src/core/errors.js';
import type { JobDefinition } from '../../src/core/jobs.js';
import type { Operator } from '../../src/core/operator.js';
import { createRegistry } from '../../src/jobs/registry.js';
import { createScheduler } from '../../src/jobs/scheduler.js';
import { schedulerSettings } from '../../src/app/app-jobs.js';
import { submitIdeas } from '../../src/pipeline/ideas/intake.js';
import { listAudit } from '../../src/storage/audit.js';
import { insertCampaign, latestCampaign } from '../../src/storage/campaigns.js';
import { jobStates } from '../../src/storage/job-state.js';
import { listNodes } from '../../src/storage/scheduler-nodes.js';
import { listIncidents } from '../../src/storage/incidents.js';
import * as audit from '../../src/app/operations/audit.js';
import * as backups from '../../src/app/operations/backups.js';
import * as budget from '../../src/app/operations/budget.js';
import * as campaigns from '../../src/app/operations/campaigns.js';
import * as ideas from '../../src/app/operations/ideas.js';
import * as incidents from '../../src/app/operations/incidents.js';
import * as jobs from '../../src/app/operations/jobs.js';
import * as maintenance from '../../src/app/operations/maintenance.js';
import * as notify from '../../src/app/operations/notify.js';
import { statusJson } from '../../src/cli/budget.js';

const dana: Operator = { user: 'dana', sshClient: '203.0.113.7' };

describeEachEngine('operations', (t) => {
  let app: App;
  let http: FakeHttpServer;
  let smtp: FakeSmtpServer;
  const lastAudit = async (action: string) => (await listAudit(app.db, { action, limit: 10 }))[0];

  beforeAll(async () => {
    http = await startFakeHttpServer();
    smtp = await startFakeSmtpServer();
    const env = {
      ...t.env,
      STUDIO_OPERATOR: 'dana',
      ...alertChannelEnv(http.url, smtp.url, { slackPath: 'hook-secret-path', routingKey: 'rk-secret-ops-test' }),
    };
    app = await createApp({ config: loadConfig({ env, cwd: t.home, dotenv: false }) });
  });
  afterAll(async () => {
    await app?.close();
    await http?.close();
    await smtp?.close();
  });

  describe('jobs', () => {
    let ran: Array<{ nodes: string[]; manual: boolean }>;
    const probe: JobDefinition = {
      name: 'test.probe',
      description: 'records which nodes are registered while it runs',
      schedule: '0 0 1 1 *',
      async run(ctx) {
        ran.push({ nodes: (await listNodes(app.db)).map((n) => n.id), manual: ctx.manual });
        return 'probed';
      },
    };

    it('pause and resume: the state and its audit row together, seen by every scheduler, a repeat changes nothing', async () => {
      const registry = createRegistry([probe], { host: 'test' });
      expect(await jobs.pauseJob(app, dana, { registry, name: 'test.probe', reason: 'migration window' })).toEqual({ job: 'test.probe', paused: true, changed: true });
      expect((await jobStates(app.db, ['test.probe'])).get('test.probe')).toMatchObject({ paused: true, pausedBy: 'dana', pauseReason: 'migration window' });
      expect(await lastAudit('job.pause')).toMatchObject({ operator: 'dana', sshClient: '203.0.113.7', target: 'test.probe', reason: 'migration window', details: { wasPaused: false } });
      expect((await jobs.pauseJob(app, dana, { registry, name: 'test.probe' })).changed).toBe(false);
      expect(await jobs.resumeJob(app, dana, { registry, name: 'test.probe' })).toMatchObject({ paused: false, changed: true });
      expect((await jobStates(app.db, ['test.probe'])).get('test.probe')?.paused).toBe(false);
      await expect(jobs.pauseJob(app, dana, { registry, name: 'no.such.job' })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('run now without a hosted scheduler: a node row with a heartbeat for the run, a manual run row with the operator, one audit row', async () => {
      ran = [];
      const registry = createRegistry([probe], { host: 'test' });
      const { outcome, run } = await jobs.runJobNow(app, dana, { name: 'test.probe', registry, via: 'cli' });
      expect(outcome.status).toBe('succeeded');
      expect(ran).toHaveLength(1);
      expect(ran[0]!.manual).toBe(true);
      expect(ran[0]!.nodes.some((id) => id.startsWith('cli:'))).toBe(true); // registered while running
      expect((await listNodes(app.db)).some((n) => n.id.startsWith('cli:'))).toBe(false); // and gone after
      expect(run).toMatchObject({ job: 'test.probe', manual: true, operator: 'dana', status: 'succeeded' });
      expect(await lastAudit('job.run')).toMatchObject({ operator: 'dana', target: 'test.probe', details: { manual: true, via: 'cli', hosted: false } });
    });

    it('run now through a hosted scheduler (the console in embedded mode) is audited the same way', async () => {
      ran = [];
      const scheduler = createScheduler({ db: app.db, logger: app.logger, jobs: [probe], settings: schedulerSettings(app), clock: app.clock, timers: false });
      const before = (await listAudit(app.db, { action: 'job.run' })).length;
      const { outcome } = await jobs.runJobNow(app, dana, { name: 'test.probe', scheduler, via: 'console' });
      expect(outcome.status).toBe('succeeded');
      expect(ran).toHaveLength(1);
      expect((await listAudit(app.db, { action: 'job.run' })).length).toBe(before + 1);
      expect(await lastAudit('job.run')).toMatchObject({ target: 'test.probe', details: { via: 'console', hosted: true } });
    });

    it('history of an unknown job with no runs says so', async () => {
      const registry = createRegistry([probe], { host: 'test' });
      expect((await jobs.jobHistory(app, { registry, name: 'test.probe', limit: 5 })).length).toBeGreaterThanOrEqual(2);
      await expect(jobs.jobHistory(app, { registry, name: 'nope', limit: 5 })).rejects.toThrow(/there is no job "nope"/);
    });
  });

  describe('ideas, budget and campaigns', () => {
    let ideaIds: string[] = [];
    beforeAll(async () => {
      const deps = { db: app.db, budget: app.budget, providers: app.providers, config: app.config, clock: app.clock, logger: app.logger };
      const outcomes = await submitIdeas(
        deps,
        [1, 2, 3].map((n) => ({ input: { title: `Operations test idea number ${n}`, description: `An idea made for the operations tests, number ${n} of three`, category: 'saas' }, label: `i${n}` })),
        { force: true },
      );
      ideaIds = outcomes.map((o) => o.id!);
    });

    it('advance and reset an idea: the move and its audit row', async () => {
      expect(await ideas.advanceIdea(app, dana, { id: ideaIds[0]!, stage: 'RESEARCH' })).toEqual({ from: 'IDEATE', to: 'RESEARCH' });
      expect(await lastAudit('idea.advance')).toMatchObject({ operator: 'dana', target: ideaIds[0], details: { from: 'IDEATE', to: 'RESEARCH' } });
      const preview = await ideas.previewIdeaReset(app, { id: ideaIds[0]!, stage: 'IDEATE' });
      expect(preview.fromStage).toBe('RESEARCH');
      const plan = await ideas.resetIdea(app, dana, { id: ideaIds[0]!, stage: 'IDEATE', reason: 'corpus updated' });
      expect(plan.toStage).toBe('IDEATE');
      expect(await lastAudit('idea.reset')).toMatchObject({ operator: 'dana', target: ideaIds[0], reason: 'corpus updated' });
    });

    it('record a known cost: charged once per key, audited once', async () => {
      const args = { category: 'infrastructure' as const, amountCents: 320, service: 'hetzner', operation: 'invoice-2026-11' };
      const first = await budget.recordCost(app, dana, args);
      const again = await budget.recordCost(app, dana, args);
      expect([first.replayed, again.replayed]).toEqual([false, true]);
      expect((await listAudit(app.db, { action: 'budget.record' })).length).toBe(1);
      expect((await budget.budgetStatus(app)).categories.infrastructure.spentCents).toBe(320);
    });

    it('the console shows the same burn rate as budget status --detailed (the last 24 h)', async () => {
      const detailed = (await budget.budgetStatus(app, { detailed: true })) as budget.DetailedSnapshot;
      const consoleApi = await createConsoleBackend(app, { readOnly: true });
      const view = (await consoleApi.snapshot()).budget;
      expect(detailed.burnRateCentsPerHour).toBeGreaterThan(0);
      expect(view.burnRateCentsPerHour).toBe(detailed.burnRateCentsPerHour);
    });

    it('campaigns: pause all (the console P and the CLI are one operation), resume only what an operator paused, refused at google_ads CRITICAL', async () => {
      const make = (ideaId: string) =>
        insertCampaign(app.db, { id: randomUUID(), ideaId, attempt: 1, externalId: `sim:${ideaId}:3571428:x`, account: 'simulated', budgetMicros: 25_000_000, dailyBudgetMicros: 3_571_428, days: 7, spec: {}, reservationId: randomUUID() });
      const [a, b, c] = [await make(ideaIds[0]!), await make(ideaIds[1]!), await make(ideaIds[2]!)];
      // one was stopped by the rules, not by an operator: resume --all must leave it alone
      await campaigns.pauseCampaigns(app, dana, { id: c.id, reason: 'landing page broken' });
      await app.db.query(`update campaigns set paused_reason = 'auto-pause after 2 days: CTR 0.40% < 1%' where id = $1`, [c.id]);
      expect((await campaigns.listCampaigns(app, { status: 'PAUSED' })).map((x) => x.id)).toEqual([c.id]);

      const consoleApi = await createConsoleBackend(app, { readOnly: false });
      expect(await consoleApi.pauseAllCampaigns('stop all non-critical spending')).toEqual({ ok: true, message: '2 campaign(s) paused' });
      expect(await lastAudit('campaigns.pause')).toMatchObject({ operator: 'dana', target: 'all', reason: 'stop all non-critical spending' });
      expect((await lastAudit('campaigns.pause'))!.details!.paused).toEqual(expect.arrayContaining([a.id, b.id]));
      expect((await latestCampaign(app.db, ideaIds[0]!))!.pausedReason).toBe('operator dana: stop all non-critical spending');

      await expect(campaigns.pauseCampaigns(app, dana, { all: true, reason: '  ' })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(campaigns.resumeCampaigns(app, dana, { id: 'zzzzzzzz-nothing', reason: 'x' })).rejects.toBeInstanceOf(NotFoundError);

      const resumed = await campaigns.resumeCampaigns(app, dana, { all: true, reason: 'budget review done' });
      expect(resumed.changed.map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
      expect((await latestCampaign(app.db, ideaIds[2]!))!.status).toBe('PAUSED'); // the rules' pause stands
      expect(await lastAudit('campaigns.resume')).toMatchObject({ reason: 'budget review done', target: 'all' });

      // google_ads at 95%: the brake pauses the running campaigns, and a resume is refused with the reason
      await app.budget.record({ category: 'google_ads', amountCents: 4300, service: 'google_ads', operation: 'test-spend', idempotencyKey: `ops-test-${t.engine}` });
      await expect(campaigns.resumeCampaigns(app, dana, { id: a.id, reason: 'try' })).rejects.toThrow(/google_ads budget is CRITICAL/);
    });

    it('budget reset: archive written, new cycle, audited; resume refused without a shutdown', async () => {
      await expect(budget.resumeBudget(app, dana, { confirm: true, reason: 'nothing to resume' })).rejects.toThrow(/no emergency shutdown is active/);
      const before = await budget.budgetStatus(app);
      const result = await budget.resetBudget(app, dana, { confirm: true, reason: 'test cycle closed', statusJson });
      expect(result.closed).toBe(before.cycleId);
      expect(existsSync(`${result.archive}/budget.json`)).toBe(true);
      expect(await lastAudit('budget.reset')).toMatchObject({ operator: 'dana', target: result.opened, reason: 'test cycle closed' });
      const history = await budget.budgetHistory(app, { limit: 5 });
      expect(history[0]!.cycle.id).toBe(result.opened);
      expect(history[1]!.spentCents).toBeGreaterThan(0);
    });
  });

  describe('incidents', () => {
    it('open an incident by hand: P2 pages PagerDuty, Slack and e-mail now, audited; bad input writes nothing', async () => {
      const before = (await listIncidents(app.db)).length;
      await expect(incidents.openIncident(app, dana, { severity: 'P7', title: 'x' })).rejects.toThrow(/--severity must be one of P1, P2, P3, P4/);
      await expect(incidents.openIncident(app, dana, { severity: 'P2', title: '   ' })).rejects.toBeInstanceOf(InvalidInputError);
      expect((await listIncidents(app.db)).length).toBe(before);

      const { incident, delivery } = await incidents.openIncident(app, dana, { severity: 'p2', title: 'Google Ads account suspended', source: 'service:google_ads' });
      expect(incident).toMatchObject({ severity: 'P2', status: 'open', source: 'service:google_ads', kind: 'operator.declared' });
      expect(delivery).toMatchObject({ sent: 3, failed: 0 });
      const pd = http.requests.filter((r) => r.path === '/pd/enqueue').at(-1)!.json as { event_action: string; dedup_key: string; payload: { severity: string } };
      expect(pd).toMatchObject({ event_action: 'trigger', dedup_key: incident.dedupKey, payload: { severity: 'error' } });
      expect(smtp.messages.at(-1)!.data).toMatch(/Google Ads account suspended/);
      expect(await lastAudit('incident.open')).toMatchObject({ operator: 'dana', target: String(incident.id), reason: 'Google Ads account suspended', details: { severity: 'P2' } });
      const shown = await incidents.showIncident(app, incident.id);
      expect(shown.timeline[0]).toMatchObject({ kind: 'opened', actor: 'dana' });
    });

    it('ack and resolve: the change, its timeline, its audit row, and PagerDuty told at once', async () => {
      const { incident } = await incidents.openIncident(app, dana, { severity: 'P1', title: 'the scheduler host is down' });
      const pdBefore = http.requests.filter((r) => r.path === '/pd/enqueue').length;
      const acked = await incidents.ackIncident(app, dana, { id: incident.id });
      expect(acked.incident).toMatchObject({ status: 'acknowledged', ackedBy: 'dana' });
      const resolved = await incidents.resolveIncident(app, dana, { id: incident.id, note: 'host rebooted' });
      expect(resolved.incident).toMatchObject({ status: 'resolved', resolvedBy: 'dana', resolutionNote: 'host rebooted' });
      const pd = http.requests.filter((r) => r.path === '/pd/enqueue').slice(pdBefore).map((r) => (r.json as { event_action: string }).event_action);
      expect(pd).toEqual(['acknowledge', 'resolve']);
      expect((await listAudit(app.db, { action: 'incident', limit: 5 })).slice(0, 2).map((a) => a.action)).toEqual(['incident.resolve', 'incident.ack']);
    });

    it('maintenance windows: opened and closed with their audit rows; an incident declared inside one notifies nobody', async () => {
      const window = await incidents.openMaintenance(app, dana, { reason: 'PostgreSQL upgrade', sources: ['service:database'], durationMs: 3_600_000 });
      expect(await lastAudit('maintenance.open')).toMatchObject({ target: String(window.id), reason: 'PostgreSQL upgrade' });
      const sent = http.requests.length;
      const { incident, delivery } = await incidents.openIncident(app, dana, { severity: 'P3', title: 'replica lag during the upgrade', source: 'service:database' });
      expect(incident.silenced).toBe(true);
      expect(delivery.sent).toBe(0);
      expect(http.requests.length).toBe(sent);
      await incidents.closeMaintenance(app, dana, { id: window.id });
      expect((await incidents.listMaintenance(app)).map((w) => w.id)).not.toContain(window.id);
      expect(await lastAudit('maintenance.close')).toMatchObject({ target: String(window.id) });
    });
  });

  it('notify test: each configured channel answers, PagerDuty triggered and resolved at once, audited; a failing channel is reported', async () => {
    const results = await notify.testNotifications(app, dana);
    expect(results.map((r) => [r.channel, r.ok])).toEqual([
      ['slack', true],
      ['email', true],
      ['pagerduty', true],
    ]);
    expect(JSON.stringify(results)).not.toMatch(/hook-secret-path|rk-secret-ops-test/);
    const pd = http.requests.filter((r) => r.path === '/pd/enqueue').slice(-2).map((r) => (r.json as { event_action: string }).event_action);
    expect(pd).toEqual(['trigger', 'resolve']);
    expect(smtp.messages.at(-1)!.data).toMatch(/\[test\] studio notification test by dana/);

    http.respond((req) => (req.path.startsWith('/slack') ? { status: 500, body: 'slack is down' } : { status: 200, body: 'ok' }));
    try {
      const [slack] = await notify.testNotifications(app, dana, { channel: 'slack' });
      expect(slack).toMatchObject({ channel: 'slack', ok: false, answer: expect.stringMatching(/HTTP 500/) });
    } finally {
      http.respond(() => ({ status: 200, body: 'ok' }));
    }
    expect(await lastAudit('notify.test')).toMatchObject({ operator: 'dana', target: 'slack', details: { results: [expect.objectContaining({ channel: 'slack', ok: false })] } });
    await expect(notify.testNotifications(app, dana, { channel: 'sms' })).rejects.toThrow(/--channel must be one of slack, email, pagerduty/);
  });

  it('maintenance tasks: a dry run is not audited, a real run is', async () => {
    const before = (await listAudit(app.db, { action: 'maintenance.vacuum' })).length;
    const dry = await maintenance.vacuumNow(app, dana, { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect((await listAudit(app.db, { action: 'maintenance.vacuum' })).length).toBe(before);
    const real = await maintenance.vacuumNow(app, dana, {});
    expect(real.tables.length).toBeGreaterThan(5);
    expect(await lastAudit('maintenance.vacuum')).toMatchObject({ operator: 'dana', details: { tables: real.tables.length, failed: [] } });
  });

  it('back up now from the shell and from the console: one operation, each audited once', async () => {
    const { created } = await backups.backupNow(app, dana, {});
    expect(existsSync(created.file)).toBe(true);
    expect(await lastAudit('backup.create')).toMatchObject({ operator: 'dana', target: created.id, details: { verified: 'not run' } });
    const consoleApi = await createConsoleBackend(app, { readOnly: false });
    const result = await consoleApi.backupNow();
    expect(result).toMatchObject({ ok: true, message: expect.stringMatching(/written and verified$/) });
    const rows = await listAudit(app.db, { action: 'backup.create' });
    expect(rows).toHaveLength(2);
    expect(rows[0]!.details).toMatchObject({ verified: 'ok' });
  }, 180_000);

  it('the audit log reads back by operator, action family and time', async () => {
    await audit.readAuditLog(app, { limit: 1 });
    const all = await audit.readAuditLog(app, { limit: 500 });
    expect(all.length).toBeGreaterThan(10);
    expect(new Set(all.map((r) => r.operator))).toEqual(new Set(['dana']));
    const jobRows = await audit.readAuditLog(app, { action: 'job' });
    expect(jobRows.length).toBeGreaterThan(0);
    expect(jobRows.every((r) => r.action.startsWith('job.'))).toBe(true);
    expect(await audit.readAuditLog(app, { operator: 'nobody' })).toEqual([]);
    expect(await audit.readAuditLog(app, { since: new Date(Date.now() + 60_000) })).toEqual([]);
    await expect(audit.readAuditLog(app, { limit: 0 })).rejects.toThrow(/--limit/);
  });
});
