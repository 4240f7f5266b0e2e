/**
 * `studio scheduler` for real on the embedded database: JSON logs on stdout and in the log file,
 * /healthz and /metrics, the test.tick job running each second, a clean exit on SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { BIN, CHILD_ENV, NODE_ARGS, parseJson, runCli } from '../helpers/cli.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_EMBEDDING_DIM, describeEachEngine, embeddedHomeFromTemplate } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

it('studio scheduler on the embedded database: logs, /healthz, /metrics, jobs run, SIGTERM stops it cleanly', { timeout: 60_000 }, async () => {
  const home = await embeddedHomeFromTemplate('studio-sched-');
  const env = { STUDIO_HOME: home, EMBEDDING_DIM: String(TEST_EMBEDDING_DIM), NO_COLOR: '1', STUDIO_TEST_JOBS: 'true', SCHEDULER_HEARTBEAT: '200ms' };
  const proc = execa(process.execPath, [...NODE_ARGS, BIN, 'scheduler', '--metrics-port', '0'], { env: { ...CHILD_ENV, ...env }, extendEnv: true, reject: false, buffer: false });
  let stdout = '';
  proc.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  try {
    await waitFor('a succeeded test.tick', () => {
      if (proc.exitCode !== null) throw new Error(`the scheduler exited (${proc.exitCode}); stdout:\n${stdout.slice(-2000)}`);
      return /"msg":"job test.tick succeeded"/.test(stdout);
    }, { timeoutMs: 40_000, detail: () => `stdout:\n${stdout.slice(-2000)}` });
    const url = /metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(stdout)![1]!;
    const healthz = await fetch(`${url}/healthz`);
    expect(healthz.status).toBe(200);
    expect(await healthz.json()).toMatchObject({ healthy: true, status: 'ok' });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/# TYPE studio_job_runs_total counter/);
    expect(metrics).toMatch(/studio_job_runs_total\{job="test.tick",status="succeeded"\} [1-9]/);
    expect(metrics).toMatch(/studio_job_duration_seconds_count\{job="test.tick"\} [1-9]/);
    expect(metrics).toMatch(/studio_job_paused\{job="maintenance.vacuum"\} 0/);
    expect(metrics).toMatch(/studio_metric_source_up\{source="scheduler"\} 1/);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    // every stdout line is a JSON log line with an upper-case level
    for (const line of stdout.trim().split('\n')) expect(JSON.parse(line).level).toMatch(/^(INFO|WARNING|ERROR|DEBUG)$/);
  } finally {
    proc.kill('SIGTERM');
  }
  const exit = await proc;
  expect(exit.exitCode).toBe(0);
  expect(stdout).toMatch(/"msg":"scheduler: stopped cleanly"/);
  expect(readFileSync(join(home, 'logs/pipeline.log'), 'utf8')).toMatch(/"msg":"job test.tick succeeded"/);
  // the embedded database is free again, and the runs are there
  const history = await runCli(['jobs', 'history', 'test.tick', '--json'], { env });
  expect(history.code).toBe(0);
  expect(parseJson<Array<{ status: string }>>(history).some((r) => r.status === 'succeeded')).toBe(true);
});

// A busy metrics port: one line naming the way out, a clean shutdown, and no node row left looking live
// (a live-looking row would block `backup restore` for two minutes).
describeEachEngine('studio scheduler with its metrics port taken', (t) => {
  it('exits with one line naming --metrics-port and --no-metrics, no pool error, no live node row', { timeout: 90_000 }, async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as AddressInfo).port;
    try {
      const result = await runCli(['scheduler', '--metrics-port', String(port)], { env: { ...t.env, LOG_LEVEL: 'info' } });
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe(
        `studio: scheduler: cannot serve /metrics on 127.0.0.1:${port} (is in use); choose another port with --metrics-port (SCHEDULER_METRICS_PORT), or run without it with --no-metrics`,
      );
      expect(result.stdout + result.stderr).not.toMatch(/Cannot use a pool|EADDRINUSE/);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    // the embedded database was let go: the next command opens it
    const nodes = await runCli(['jobs', 'list', '--json'], { env: t.env });
    expect(nodes.code, nodes.stderr).toBe(0);
    if (t.engine === 'postgres') {
      const live = await t.db.query<{ n: number }>("select count(*)::int as n from scheduler_nodes where not stopping and kind = 'scheduler'");
      expect(live.rows[0]!.n).toBe(0);
    }
    // health does not count it as a running scheduler
    const health = parseJson<{ services: Array<{ name: string; reason: string }> }>(await runCli(['health', '--json'], { env: t.env }));
    expect(health.services.find((s) => s.name === 'scheduler')!.reason).not.toMatch(/ok \(/);
  });
});
