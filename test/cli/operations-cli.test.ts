/**
 * The manual's commands that the operations module added, end to end: `studio campaigns list|pause|resume`,
 * `studio incidents open`, `studio notify test` and `studio audit`, as a child process on the embedded
 * database and on PostgreSQL, with Slack and PagerDuty as fake HTTP servers on 127.0.0.1.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Queryable } from '../../src/core/ports.js';
import { parseJson, runCli } from '../helpers/cli.js';
import { ENGINES, useTestDatabase } from '../helpers/db.js';
import { startFakeHttpServer, type FakeHttpServer } from '../helpers/fake-servers.js';

const ideaIds = [randomUUID(), randomUUID()];
const campaignIds = [randomUUID(), randomUUID()];

async function seed(db: Queryable): Promise<void> {
  for (const [i, id] of ideaIds.entries()) {
    await db.query(`insert into ideas (id, title, description, status, current_stage) values ($1, $2, 'A description long enough', 'TESTING', 'SMOKE_TEST')`, [id, `Campaign idea ${i}`]);
    await db.query(
      `insert into campaigns (id, idea_id, attempt, external_id, account, status, budget_micros, daily_budget_micros, days, spec, reservation_id)
       values ($1, $2, 1, $3, 'simulated', 'ENABLED', 25000000, 3571428, 7, '{}', $4)`,
      [campaignIds[i], id, `sim:${id}:3571428:x`, randomUUID()],
    );
  }
}

for (const engine of ENGINES) {
  describe(`operator commands on the ${engine === 'pglite' ? 'embedded database' : 'PostgreSQL'} [${engine}]`, { timeout: 240_000 }, () => {
    // the CLI and the test see one database: the test's schema, or the embedded home this process owns
    const t = useTestDatabase(engine, {}, { ownHome: true });
    let env: Record<string, string> = {};
    let http: FakeHttpServer;
    const withDb = async <T>(fn: (db: Database) => Promise<T>): Promise<T> => fn(t.db);
    const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { env: { ...env, STUDIO_OPERATOR: 'ops-omar', ...extra }, timeoutMs: 90_000 });

    beforeAll(async () => {
      http = await startFakeHttpServer();
      env = { ...t.env };
      env.SLACK_WEBHOOK_URL = `${http.url}/slack/T0/B0/slack-secret-path`;
      await withDb(seed);
    });
    afterAll(async () => {
      await http?.close();
    });

    it('campaigns: list, pause --all (refused without --confirm, audited with it), resume one by its prefix', async () => {
      const listed = await cli(['campaigns', 'list', '--json']);
      expect(listed.code).toBe(0);
      expect(parseJson<Array<{ id: string; status: string }>>(listed).map((c) => c.status)).toEqual(['ENABLED', 'ENABLED']);

      const unconfirmed = await cli(['campaigns', 'pause', '--all', '--reason', 'budget review']);
      expect(unconfirmed.code).toBe(1);
      expect(unconfirmed.stdout).toMatch(/2 campaign\(s\) running now\. Nothing changed/);
      const noReason = await cli(['campaigns', 'pause', '--all', '--confirm']);
      expect([noReason.code, noReason.stderr.trim().split('\n').length]).toEqual([1, 1]);
      expect(noReason.stderr).toMatch(/needs --reason/);

      const paused = await cli(['campaigns', 'pause', '--all', '--confirm', '--reason', 'stop all non-critical spending', '--json']);
      expect(paused.code).toBe(0);
      expect(parseJson<{ paused: Array<{ id: string; paused_reason: string }> }>(paused).paused.map((c) => c.id).sort()).toEqual([...campaignIds].sort());
      expect(await withDb(async (db) => (await db.query<{ status: string }>('select distinct status from campaigns')).rows)).toEqual([{ status: 'PAUSED' }]);

      const resumed = await cli(['campaigns', 'resume', campaignIds[0]!.slice(0, 8), '--confirm', '--reason', 'landing page fixed']);
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toMatch(new RegExp(`resumed ${campaignIds[0]!.slice(0, 8)}`));
      const after = parseJson<Array<{ id: string; status: string }>>(await cli(['campaigns', 'list', '--status', 'enabled', '--json']));
      expect(after.map((c) => c.id)).toEqual([campaignIds[0]]);

      const bad = await cli(['campaigns', 'list', '--status', 'RUNNING']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/--status must be one of ENABLED, PAUSED, ENDED/);
    });

    it('incidents open: refused with one line on bad input and nothing written; a P2 is opened, Slack told, audited', async () => {
      const bad = await cli(['incidents', 'open', '--severity', 'urgent', '--title', 'x']);
      expect(bad.code).toBe(1);
      expect(bad.stderr.trim()).toBe('studio: incidents: --severity must be one of P1, P2, P3, P4 (got "urgent")');
      expect(parseJson<unknown[]>(await cli(['incidents', 'list', '--json']))).toEqual([]);

      const slackBefore = http.requests.length;
      const opened = await cli(['incidents', 'open', '--severity', 'P2', '--title', 'Google Ads account suspended', '--source', 'service:google_ads', '--json']);
      expect(opened.code).toBe(0);
      const body = parseJson<{ id: number; severity: string; status: string; delivery: { sent: number } }>(opened);
      expect(body).toMatchObject({ severity: 'P2', status: 'open', delivery: { sent: 1 } });
      expect((http.requests.slice(slackBefore)[0]!.json as { text: string }).text).toMatch(/\[P2\].*Google Ads account suspended/);
      expect(parseJson<Array<{ id: number }>>(await cli(['incidents', 'list', '--open', '--json'])).map((i) => i.id)).toEqual([body.id]);
    });

    it('notify test: says what each channel answered; a failing channel exits 1; an unconfigured one names its setting', async () => {
      const ok = await cli(['notify', 'test']);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/slack\s+slack webhook at http:\/\/127\.0\.0\.1:\d+\s+✓\s+\d+ ms\s+accepted/);
      expect(ok.stdout + ok.stderr).not.toMatch(/slack-secret-path/);

      http.respond((req) => (req.path.startsWith('/pd') ? { status: 400, body: '{"status":"invalid event"}' } : { status: 200, body: 'ok' }));
      try {
        const mixed = await cli(['notify', 'test', '--json'], { PAGERDUTY_ROUTING_KEY: 'rk-cli-secret', PAGERDUTY_EVENTS_URL: `${http.url}/pd/enqueue` });
        expect(mixed.code).toBe(1);
        const results = parseJson<Array<{ channel: string; ok: boolean; answer: string }>>(mixed);
        expect(results.map((r) => [r.channel, r.ok])).toEqual([
          ['slack', true],
          ['pagerduty', false],
        ]);
        expect(results[1]!.answer).toMatch(/HTTP 400/);
        expect(mixed.stdout).not.toMatch(/rk-cli-secret/);
      } finally {
        http.respond(() => ({ status: 200, body: 'ok' }));
      }

      const email = await cli(['notify', 'test', '--channel', 'email']);
      expect(email.code).toBe(1);
      expect(email.stderr.trim()).toBe('studio: notify: email is not configured; set SMTP_URL and ALERT_EMAIL_TO (see studio config)');
    });

    it('audit: every command above left its row, filtered by operator, action family and time', async () => {
      const rows = parseJson<Array<{ operator: string; action: string; reason: string | null }>>(await cli(['audit', '--operator', 'ops-omar', '--json', '--limit', '100']));
      expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['campaigns.pause', 'campaigns.resume', 'incident.open', 'notify.test']));
      expect(rows.every((r) => r.operator === 'ops-omar')).toBe(true);
      const campaignRows = parseJson<Array<{ action: string; reason: string }>>(await cli(['audit', '--action', 'campaigns', '--since', '1h', '--json']));
      expect(campaignRows.map((r) => [r.action, r.reason])).toEqual([
        ['campaigns.resume', 'landing page fixed'],
        ['campaigns.pause', 'stop all non-critical spending'],
      ]);
      const table = await cli(['audit', '--action', 'incident']);
      expect(table.stdout).toMatch(/ops-omar\s+local\s+incident\.open/);
      const badSince = await cli(['audit', '--since', 'yesterday']);
      expect(badSince.code).toBe(1);
      expect(badSince.stderr).toMatch(/--since must be a duration back from now/);
    });

    it.runIf(engine === ENGINES[0])('each new command has --help with examples', async () => {
      for (const args of [['campaigns', 'list'], ['campaigns', 'pause'], ['campaigns', 'resume'], ['incidents', 'open'], ['notify', 'test'], ['audit']]) {
        const help = await cli([...args, '--help']);
        expect(help.code).toBe(0);
        expect(help.stdout).toMatch(/Examples?:\n {2}studio /);
      }
    });
  });
}
