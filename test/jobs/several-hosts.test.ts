/**
 * Three real `studio scheduler` processes (the built bin) against one PostgreSQL schema, with the
 * test-only `test.tick` job (STUDIO_TEST_JOBS) firing every second: each slot runs exactly once across
 * them, and a process killed with SIGKILL mid-run loses nothing (its slot is completed by a retry on a
 * live scheduler once its heartbeat lapses).
 */
import { execa, type ResultPromise } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { BIN, CHILD_ENV, NODE_ARGS } from '../helpers/cli.js';
import { describeServer } from '../helpers/db.js';
import { listRuns } from '../../src/storage/job-runs.js';
import { listTestTicks } from '../../src/storage/job-test-ticks.js';
import { listNodes } from '../../src/storage/scheduler-nodes.js';
import { waitFor as waitUntil } from '../helpers/wait.js';

/** The schedulers are child processes: give them 20 s. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false>) => waitUntil(what, probe, { timeoutMs: 20_000 });

const second = (d: Date) => Math.floor(d.getTime() / 1000) * 1000;

describeServer('three scheduler processes against one PostgreSQL', (t) => {
  const children: Array<{ proc: ResultPromise; stdout: string[] }> = [];
  afterAll(() => {
    for (const c of children) c.proc.kill('SIGKILL');
  });

  it('each slot runs exactly once; killing one process mid-run loses nothing', { timeout: 60_000 }, async () => {
    const env = {
      ...t.env,
      NO_COLOR: '1',
      LOG_LEVEL: 'info',
      STUDIO_TEST_JOBS: 'true',
      STUDIO_TEST_TICK_WORK: '700ms', // long enough that the kill lands mid-run even on a loaded machine
      SCHEDULER_HEARTBEAT: '200ms',
      SCHEDULER_NODE_TIMEOUT: '1500ms',
      SCHEDULER_RETRY_BASE: '100ms',
      SCHEDULER_SHUTDOWN_GRACE: '3s',
      SCHEDULER_DEADMAN_GRACE: '1h',
    };
    for (let i = 0; i < 3; i++) {
      const proc = execa(process.execPath, [...NODE_ARGS, BIN, 'scheduler', '--metrics-port', '0'], { env: { ...CHILD_ENV, ...env }, extendEnv: true, reject: false, buffer: false });
      const stdout: string[] = [];
      proc.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
      children.push({ proc, stdout });
    }
    const pids = children.map((c) => c.proc.pid!);
    const metricsUrls = await waitFor('three schedulers ready', async () => {
      const urls = children.map((c) => /metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(c.stdout.join(''))?.[1]);
      return urls.every(Boolean) ? (urls as string[]) : undefined;
    });
    const live = await listNodes(t.db);
    expect(live.filter((n) => !n.stopping && pids.includes(n.pid))).toHaveLength(3);

    // A window of slots once all three are taking them.
    const windowStart = second(new Date()) + 1_000;
    const windowEnd = windowStart + 4_000;
    const finished = (slot: number) => async () => {
      const runs = await listRuns(t.db, { job: 'test.tick', limit: 200 });
      return runs.some((r) => r.scheduledFor.getTime() >= slot && r.status === 'succeeded');
    };
    await waitFor('the first window of slots', finished(windowEnd));

    const healthz = await fetch(`${metricsUrls[0]}/healthz`);
    expect(healthz.status).toBe(200);

    // Kill -9 whichever process is in the middle of a run.
    const victim = await waitFor('a run in progress', async () => {
      const runs = await listRuns(t.db, { job: 'test.tick', limit: 5 });
      return runs.find((r) => r.status === 'running' && r.scheduledFor.getTime() > windowEnd && pids.includes(r.pid!));
    });
    const victimChild = children.find((c) => c.proc.pid === victim.pid)!;
    victimChild.proc.kill('SIGKILL');
    await victimChild.proc;
    const killedSlot = victim.scheduledFor.getTime();

    // Its slot is completed by a retry elsewhere once its heartbeat lapses, and slots go on.
    const retried = await waitFor('the killed slot to be completed by a retry', async () => {
      const runs = await listRuns(t.db, { job: 'test.tick', limit: 50 });
      return runs.find((r) => r.scheduledFor.getTime() === killedSlot && r.status === 'succeeded');
    });
    expect(retried.attempt).toBe(2);
    expect(retried.pid).not.toBe(victim.pid);
    const end = second(new Date()) + 1_000;
    await waitFor('slots after the kill', finished(end));

    // run counters are per process, and a survivor may have won no slot in the window: read both survivors
    const metrics = await Promise.all(
      children.filter((c) => c !== victimChild).map(async (c) => (await fetch(`${metricsUrls[children.indexOf(c)]}/metrics`)).text()),
    );
    for (const text of metrics) expect(text).toMatch(/studio_scheduler_nodes_live \d/);
    expect(metrics.some((text) => /studio_job_runs_total\{job="test.tick",status="succeeded"\} \d+/.test(text))).toBe(true);

    // Graceful stop of the two survivors.
    const survivors = children.filter((c) => c !== victimChild);
    for (const c of survivors) c.proc.kill('SIGTERM');
    const exits = await Promise.all(survivors.map((c) => c.proc));
    expect(exits.map((e) => e.exitCode)).toEqual([0, 0]);
    const nodes = await listNodes(t.db);
    expect(nodes.filter((n) => survivors.some((c) => c.proc.pid === n.pid)).map((n) => n.stopping)).toEqual([true, true]);

    // Every slot from the window start to the end: exactly one row, succeeded; the work done once.
    const runs = (await listRuns(t.db, { job: 'test.tick', limit: 1000 })).filter((r) => r.scheduledFor.getTime() >= windowStart && r.scheduledFor.getTime() <= end);
    const bySlot = new Map<number, typeof runs>();
    for (const r of runs) bySlot.set(r.scheduledFor.getTime(), [...(bySlot.get(r.scheduledFor.getTime()) ?? []), r]);
    const ticks = await listTestTicks(t.db);
    for (let slot = windowStart; slot <= end; slot += 1_000) {
      const rows = bySlot.get(slot) ?? [];
      expect(rows.map((r) => r.status), `slot ${new Date(slot).toISOString()}`).toEqual(['succeeded']);
      const done = ticks.filter((k) => k.slot.getTime() === slot);
      if (slot === killedSlot) expect(done.filter((k) => k.attempt === 2)).toHaveLength(1);
      else expect(done.map((k) => k.attempt), `ticks of ${new Date(slot).toISOString()}`).toEqual([1]);
    }
    const byProcess = new Map<number, number>();
    for (const r of runs) byProcess.set(r.pid!, (byProcess.get(r.pid!) ?? 0) + 1);
    console.log(`[several-hosts] ${runs.length} slots; runs per process: ${JSON.stringify(Object.fromEntries(byProcess))}; killed pid ${victim.pid} at ${victim.scheduledFor.toISOString()}`);
  });
});
