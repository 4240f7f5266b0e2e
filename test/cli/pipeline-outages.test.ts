import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, CHILD_ENV, NODE_ARGS, parseJson, runCli } from '../helpers/cli.js';
import { describeCliEachEngine, describeServer } from '../helpers/db.js';
import { startFakeOpenAi, type FakeOpenAi } from '../helpers/fake-openai.js';
import { startTcpCutProxy, type TcpCutProxy } from '../helpers/tcp-cut-proxy.js';
import { waitFor } from '../helpers/wait.js';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
type LogLine = { level: string; msg: string; cmd?: string };
const logLines = (home: string): LogLine[] =>
  readFileSync(join(home, 'logs', 'pipeline.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogLine);

// A database that goes away under a long `pipeline run` (restart, cut network path): the run rides it out
// with backoff, says so once when it starts and once when it ends, and finishes the ideas.
describeServer('pipeline run through a database outage', (t) => {
  let proxy: TcpCutProxy;
  beforeAll(async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    proxy = await startTcpCutProxy({ host: url.hostname, port: Number(url.port || 5432) });
  });
  afterAll(() => proxy?.close());

  it('does not exit, logs one WARNING and one INFO, and completes the ideas', async () => {
    const env = { ...t.env, STAGE_RETRY_BASE: '10ms', STUDIO_OPERATOR: 'olga', LOG_LEVEL: 'info', DB_CONNECT_TIMEOUT: '1s' };
    const created = await runCli(['create', '--file', join(examples, 'ideas.jsonl'), '--json'], { env, timeoutMs: 120_000 });
    expect(created.code, created.stderr).toBe(0);

    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.host = `127.0.0.1:${proxy.port}`;
    const child = execa(process.execPath, [...NODE_ARGS, BIN, 'pipeline', 'run', '--until-idle', '--workers', '2'], {
      env: { ...CHILD_ENV, NO_COLOR: '1', ...env, DATABASE_URL: url.toString() },
      reject: false,
      timeout: 180_000,
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    // cut the path once the workers are busy; restore it once the run has said so and kept trying
    await expect.poll(() => (out.match(/\d+ ms\n/g) ?? []).length, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(3);
    proxy.cut();
    const refusedAtCut = proxy.refused;
    const logged = () => existsSync(join(t.home, 'logs', 'pipeline.log')) && /database out of reach/.test(readFileSync(join(t.home, 'logs', 'pipeline.log'), 'utf8'));
    await waitFor('the run to log the outage and retry through it', () => logged() && proxy.refused >= refusedAtCut + 3, { timeoutMs: 60_000 });
    expect(child.exitCode).toBeNull(); // still running through the outage
    proxy.restore();
    const done = await child;

    expect(done.exitCode, String(done.stderr)).toBe(0);
    expect(proxy.refused).toBeGreaterThan(0); // it kept trying while cut
    expect(String(done.stdout)).toMatch(/stopped: idle; rode out 1 database outage/);
    const run = logLines(t.home).filter((l) => l.cmd === 'pipeline run');
    const outage = run.filter((l) => /database out of reach|database back after/.test(l.msg));
    expect(outage.map((l) => l.level)).toEqual(['WARNING', 'INFO']);
    expect(outage[0]!.msg).toMatch(/^pipeline: database out of reach; workers keep trying with backoff/);
    expect(outage[1]!.msg).toMatch(/^pipeline: database back after \d/);
    // nothing else of the outage reached ERROR or WARNING: one line per connection or lease would repeat it
    expect(run.filter((l) => l.level === 'ERROR').map((l) => l.msg)).toEqual([]);
    expect(run.filter((l) => l.level === 'WARNING' && /database|storage|connection|lease/i.test(l.msg)).map((l) => l.msg)).toEqual([outage[0]!.msg]);

    const status = parseJson<{ processing: number; waiting_on_budget: number; stages: Record<string, number> }>(await runCli(['pipeline', 'status', '--json'], { env }));
    expect(status.processing).toBe(status.waiting_on_budget);
    expect(status.stages.COMPLETE).toBeGreaterThan(0);
    const list = parseJson<Array<{ id: string; stage: string; parked_reason: string | null; waiting_on_budget: string | null }>>(await runCli(['list', '--json', '--limit', '100'], { env }));
    for (const idea of list) {
      expect(idea.stage === 'COMPLETE' || idea.parked_reason !== null || idea.waiting_on_budget !== null, `${idea.id} ${idea.stage}`).toBe(true);
      expect(idea.parked_reason ?? '').not.toMatch(/lease lapsed/);
    }
  }, 240_000);
});

// A cron job's `pipeline run --until-idle` while OpenAI's circuit breaker is open: with nothing else due,
// the open breaker is idle: exit 0 saying what waits on what until when, instead of hanging.
describeCliEachEngine('pipeline run --until-idle with an open circuit breaker', (t) => {
  let fake: FakeOpenAi;
  let env: Record<string, string>;
  beforeAll(async () => {
    fake = await startFakeOpenAi();
    env = {
      ...t.env, LOG_LEVEL: 'info', STAGE_RETRY_BASE: '10ms', STUDIO_OPERATOR: 'olga',
      OPENAI_API_KEY: 'sk-test-outages-0123456789', OPENAI_BASE_URL: fake.url, OPENAI_MAX_RETRIES: '0',
      PROVIDER_BREAKER_FAILURES: '2', PROVIDER_BREAKER_COOLDOWN: '5m',
    };
  });
  afterAll(() => fake?.close());
  const run = (args: string[]) => runCli(args, { env, timeoutMs: 90_000 });

  it('exits 0 and says which ideas wait on which service until when (text and --json)', async () => {
    expect((await run(['evidence', 'ingest', join(examples, 'corpus')])).code).toBe(0);
    for (const title of ['Online ordering for small bakeries', 'Pickup slots for neighbourhood cafes']) {
      const made = await run(['create', '--force', '--title', title, '--description', `${title}: customers order ahead and pick up at a set time, less waste and no queues`]); // the fake's vectors are alike
      expect(made.code, made.stderr).toBe(0);
    }
    fake.fail({ status: 500, body: { error: { message: 'upstream exploded' } } }, { status: 500, body: { error: { message: 'upstream exploded' } } });

    const started = Date.now();
    const ran = await run(['pipeline', 'run', '--until-idle', '--workers', '1']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/stopped: idle/);
    const line = /waiting: 2 ideas in (\w+) wait on openai \(circuit breaker open\) until (\d\d:\d\d:\d\d) UTC/.exec(ran.stdout);
    expect(line, ran.stdout).not.toBeNull();
    // the trial call is due a cooldown (5 min) after the breaker opened, during this run
    const until = new Date(`${new Date().toISOString().slice(0, 10)}T${line![2]}Z`).getTime();
    expect(until).toBeGreaterThan(started + 290_000);
    expect(until).toBeLessThan(Date.now() + 301_000);
    expect(ran.stdout).toContain('Online ordering for small bakeries');

    // a second cron run (a new process, its breaker closed) finds the same wait on the ideas and exits too
    const again = await run(['pipeline', 'run', '--until-idle', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const body = parseJson<{ steps: number; stopped_because: string; waiting_on_services: Array<{ service: string; stage: string; until: string; reason: string; ideas: Array<{ id: string; title: string }> }> }>(again);
    expect(body.steps).toBe(0);
    expect(body.stopped_because).toBe('idle');
    expect(body.waiting_on_services).toHaveLength(1);
    const wait = body.waiting_on_services[0]!;
    expect(wait).toMatchObject({ service: 'openai', stage: line![1], reason: 'circuit breaker open' });
    expect(wait.until.slice(11, 19)).toBe(line![2]);
    expect(wait.ideas.map((i) => i.title).sort()).toEqual(['Online ordering for small bakeries', 'Pickup slots for neighbourhood cafes']);
    expect(fake.requests.filter((r) => r.path === '/chat/completions').length).toBeLessThanOrEqual(2); // nothing sent while open
  }, 240_000);
});
