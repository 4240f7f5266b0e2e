import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { createPostgresDatabase } from '../../src/storage/postgres.js';
import { createPgliteDatabase } from '../../src/storage/pglite.js';
import { embeddedHomeFromTemplate, serverUrl, TEST_EMBEDDING_DIM } from '../helpers/db.js';
import { CLI_TEST_TIMEOUT, parseJson, runCli } from '../helpers/cli.js';
import { startFakeHttpServer, startFakeSmtpServer, type FakeHttpServer, type FakeSmtpServer } from '../helpers/fake-servers.js';

interface Report {
  level: string;
  services: Array<{ name: string; level: string; reason: string; latencyMs?: number; offline?: boolean }>;
}

/** The documented `health --json` shape (studio.health/v1): the same keys in every state, null where unread. */
function expectHealthShape(body: Record<string, unknown>, kind: 'live' | 'last_check' | 'none'): void {
  expect(Object.keys(body).sort()).toEqual(['checkedAt', 'durationMs', 'kpis', 'level', 'schema', 'services', 'source']);
  expect(body.schema).toBe('studio.health/v1');
  expect(['HEALTHY', 'WARNING', 'CRITICAL', 'EMERGENCY']).toContain(body.level);
  expect(new Date(body.checkedAt as string).toISOString()).toBe(body.checkedAt);
  expect(typeof body.durationMs).toBe('number');
  const source = body.source as Record<string, unknown>;
  expect(Object.keys(source).sort()).toEqual(['ageMs', 'kind', 'note', 'pid']);
  expect(source.kind).toBe(kind);
  expect(source.pid === null || typeof source.pid === 'number').toBe(true);
  expect(source.ageMs === null || typeof source.ageMs === 'number').toBe(true);
  expect(body.kpis === null || typeof body.kpis === 'object').toBe(true);
  const services = body.services as Array<Record<string, unknown>>;
  expect(services.length).toBeGreaterThan(0);
  for (const s of services) {
    expect(Object.keys(s).sort()).toEqual(['details', 'latencyMs', 'level', 'name', 'offline', 'reason']);
    expect(s.latencyMs === null || typeof s.latencyMs === 'number').toBe(true);
    expect(typeof s.offline).toBe('boolean');
    expect(s.details === null || typeof s.details === 'object').toBe(true);
  }
}

describe('studio health from the command line', () => {
  it('with the database stopped: exit 2 and one line, no secret', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const env = { STUDIO_HOME: mkdtempSync(join(tmpdir(), 'studio-health-')), DATABASE_URL: 'postgres://studio:hunter2pw@127.0.0.1:1/studio', DB_CONNECT_TIMEOUT: '2s' };
    const text = await runCli(['health'], { env });
    expect(text.code).toBe(2);
    expect(text.stdout.trim().split('\n')).toHaveLength(1);
    expect(text.stdout).toMatch(/^CRITICAL database unreachable: cannot reach PostgreSQL at 127\.0\.0\.1:1\/studio/);
    expect(text.stdout + text.stderr).not.toContain('hunter2pw');
    const json = await runCli(['health', '--json'], { env });
    expect(json.code).toBe(2);
    const down = parseJson<Report & Record<string, unknown>>(json);
    expect(down).toMatchObject({ level: 'CRITICAL', services: [{ name: 'database', level: 'CRITICAL' }], kpis: null, source: { kind: 'none' } });
    expectHealthShape(down, 'none');
  });
});

// On PostgreSQL when TEST_DATABASE_URL is set (each CLI run is cheap there), else on the embedded database.
describe(`studio health, incidents and report on ${serverUrl ? 'PostgreSQL' : 'an embedded database'}`, () => {
  let http: FakeHttpServer;
  let smtp: FakeSmtpServer;
  let env: Record<string, string>;
  let mode: 'ok' | 'fail' | 'hang' = 'ok';
  let home = '';

  const schema = `t_${randomBytes(5).toString('hex')}`;
  let passed = true;

  beforeAll(async () => {
    // embedded: start from the migrated template instead of an initdb in the child process (seconds saved);
    // the last test needs the data directory in server mode too
    home = await embeddedHomeFromTemplate('studio-health-');
    http = await startFakeHttpServer();
    smtp = await startFakeSmtpServer();
    http.respond((req) => {
      if (req.path !== '/v1/models') return { status: 202, body: '{}' };
      return mode === 'ok' ? { status: 200, body: '{"data":[]}' } : mode === 'fail' ? { status: 503, body: 'overloaded' } : { status: 200, hang: true };
    });
    env = {
      STUDIO_HOME: home,
      EMBEDDING_DIM: String(TEST_EMBEDDING_DIM),
      HEALTH_HTTP_PROBES: `openai=${http.url}/v1/models`,
      SLACK_WEBHOOK_URL: `${http.url}/slack/T1/B1/xoxsecret`,
      PAGERDUTY_ROUTING_KEY: 'pd-routing-secret-1',
      PAGERDUTY_EVENTS_URL: `${http.url}/pd`,
      SMTP_URL: smtp.url,
      ALERT_EMAIL_TO: 'oncall@example.com',
      STUDIO_OPERATOR: 'carol',
      ...(serverUrl ? { DATABASE_URL: serverUrl, DATABASE_SCHEMA: schema } : {}),
    };
  });
  beforeEach(() => onTestFailed(() => {
    passed = false;
  }));
  afterAll(async () => {
    await http?.close();
    await smtp?.close();
    if (serverUrl && passed) {
      const admin = await createPostgresDatabase({ url: serverUrl });
      await admin.exec(`drop schema if exists "${schema}" cascade`);
      await admin.close();
    }
  });

  // The host probe measures the real machine (a busy shared box may be WARNING): assertions leave it out.
  // No scheduler runs in this test: the scheduler service is a WARNING (set-up not finished), so exit 1.
  it('all healthy but the scheduler never started: exit 1, every service listed, offline providers labelled', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const result = await runCli(['health', '--json'], { env });
    const report = parseJson<Report>(result);
    expectHealthShape(report as unknown as Record<string, unknown>, 'live');
    expect((report as unknown as { kpis: unknown }).kpis).toEqual(expect.any(Object));
    expect(report.services.filter((s) => s.name !== 'host' && s.name !== 'scheduler').every((s) => s.level === 'HEALTHY')).toBe(true);
    expect(report.services.find((s) => s.name === 'scheduler')).toMatchObject({ level: 'WARNING', reason: expect.stringMatching(/^no scheduler has run yet/) });
    expect(result.code).toBe(1);
    expect(report.services.map((s) => s.name)).toEqual(['database', 'host', 'openai', 'google_ads', 'posthog', 'scheduler', 'budget']);
    expect(report.services.find((s) => s.name === 'openai')).toMatchObject({ level: 'HEALTHY', latencyMs: expect.any(Number) });
    expect(report.services.find((s) => s.name === 'posthog')).toMatchObject({ offline: true, reason: 'offline provider' });
  });

  it('a provider answering errors: exit 2 on every check, one incident, one notification per channel', async () => {
    mode = 'fail';
    for (let i = 0; i < 2; i++) {
      const result = await runCli(['health', '--record'], { env });
      expect(result.code).toBe(2);
      expect(result.stdout).toMatch(/openai\s+CRITICAL\s+\d+ ms\s+answered HTTP 503/);
    }
    const list = await runCli(['incidents', 'list', '--open', '--json'], { env });
    const incidents = parseJson<Array<{ id: number; severity: string; count: number; dedupKey: string }>>(list);
    const openai = incidents.filter((i) => i.dedupKey !== 'service.state:host' && i.dedupKey !== 'service.state:scheduler');
    expect(openai).toEqual([expect.objectContaining({ severity: 'P2', count: 2, dedupKey: 'service.state:openai' })]);
    const about = (text: string) => text.includes('service:openai');
    expect(http.requests.filter((r) => r.path.startsWith('/slack/') && about(r.body))).toHaveLength(1);
    expect(http.requests.filter((r) => r.path === '/pd' && about(r.body))).toHaveLength(1);
    expect(smtp.messages.filter((m) => about(m.data))).toHaveLength(1);

    const id = String(openai[0]!.id);
    const ack = await runCli(['incidents', 'ack', id], { env });
    expect(ack.stdout.trim()).toBe(`#${id} acknowledged by carol`);
    expect(http.requests.at(-1)!.json).toMatchObject({ event_action: 'acknowledge', dedup_key: 'service.state:openai' });
    const noNote = await runCli(['incidents', 'resolve', id], { env });
    expect(noNote.code).not.toBe(0);
    expect(noNote.stderr).toMatch(/--note/);
    const resolved = await runCli(['incidents', 'resolve', id, '--note', 'provider recovered'], { env });
    expect(resolved.code).toBe(0);
    const shown = parseJson<{ status: string; timeline: Array<{ kind: string; actor: string }>; notifications: Array<{ target: string }> }>(await runCli(['incidents', 'show', id, '--json'], { env }));
    expect(shown.status).toBe('resolved');
    expect(shown.timeline.map((e) => e.kind)).toEqual(['opened', 'notified', 'acknowledged', 'notified', 'resolved', 'notified']);
    expect(JSON.stringify(shown)).not.toMatch(/xoxsecret|pd-routing-secret-1/);
  }, 120_000); // seven CLI runs, each opening the embedded database

  it('a hanging provider is CRITICAL "timed out" and does not stall the check', { timeout: CLI_TEST_TIMEOUT }, async () => {
    mode = 'hang';
    const result = await runCli(['health', '--json', '--timeout', '300ms'], { env });
    expect(result.code).toBe(2);
    expect(parseJson<Report>(result).services.find((s) => s.name === 'openai')).toMatchObject({ level: 'CRITICAL', reason: 'timed out after 300 ms' });
    mode = 'ok';
  });

  it('writes the performance report as HTML with charts, and as Markdown', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const out = join(home, 'perf.html');
    const html = await runCli(['report', 'performance', '--days', '7', '--format', 'html', '--out', out], { env });
    expect(html.code).toBe(0);
    const body = readFileSync(out, 'utf8');
    expect(body).toMatch(/<svg[^>]+aria-label="incidents opened by severity"/);
    expect(body).toContain('No spend recorded in the period.');
    const md = await runCli(['report', 'performance'], { env });
    expect(md.stdout.trim()).toMatch(/written to .*reports\/performance-\d{4}-\d{2}-\d{2}-30d\.md$/);
    const path = md.stdout.trim().split(' written to ')[1]!;
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path, 'utf8')).toMatch(/\| P2 \| 1 \| 1 \|/);
  });

  it('while another process holds the embedded database, shows that process\'s last recorded check', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const holder = await createPgliteDatabase({ dataDir: join(home, 'data/pglite') });
    try {
      const { DATABASE_URL: _url, DATABASE_SCHEMA: _schema, ...embedded } = env;
      const result = await runCli(['health', '--json'], { env: { ...embedded, DB_CONNECT_TIMEOUT: '300ms' } });
      const body = parseJson<Report & { source: { kind: string; pid: number; note: string } }>(result);
      expectHealthShape(body as unknown as Record<string, unknown>, 'last_check');
      expect(body.source).toMatchObject({ kind: 'last_check', pid: process.pid, note: `last check by pid ${process.pid}`, ageMs: expect.any(Number) });
      // the last --record run saw openai failing
      expect(body.services.find((s) => s.name === 'openai')).toMatchObject({ level: 'CRITICAL' });
      expect(result.code).toBe(2);
    } finally {
      await holder.close();
    }
  });
});
