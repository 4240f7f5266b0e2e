/**
 * `studio scheduler` for real on the embedded database: JSON logs on stdout and in the log file,
 * /healthz and /metrics, the test.tick job running each second, a clean exit on SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { BIN, parseJson, runCli } from '../helpers/cli.js';
import { TEST_EMBEDDING_DIM, embeddedHomeFromTemplate } from '../helpers/db.js';

it('studio scheduler on the embedded database: logs, /healthz, /metrics, jobs run, SIGTERM stops it cleanly', { timeout: 60_000 }, async () => {
  const home = await embeddedHomeFromTemplate('studio-sched-');
  const env = { STUDIO_HOME: home, EMBEDDING_DIM: String(TEST_EMBEDDING_DIM), NO_COLOR: '1', STUDIO_TEST_JOBS: 'true', SCHEDULER_HEARTBEAT: '200ms' };
  const proc = execa(process.execPath, [BIN, 'scheduler', '--metrics-port', '0'], { env, extendEnv: true, reject: false, buffer: false });
  let stdout = '';
  proc.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const waitFor = async (what: string, test: () => boolean | Promise<boolean>) => {
    const deadline = Date.now() + 40_000;
    while (!(await test())) {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`timed out waiting for ${what}; stdout:\n${stdout.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  try {
    await waitFor('a succeeded test.tick', () => /"msg":"job test.tick succeeded"/.test(stdout));
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
