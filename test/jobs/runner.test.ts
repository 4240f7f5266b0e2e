import { afterEach, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import type { JobDefinition } from '../../src/core/jobs.js';
import { silentLogger } from '../../src/core/logger.js';
import { createScheduler, type Scheduler, type SchedulerSettings } from '../../src/jobs/scheduler.js';
import { listEvents } from '../../src/storage/events.js';
import { listRuns } from '../../src/storage/job-runs.js';
import { setPaused } from '../../src/storage/job-state.js';
import { describeEachEngine } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

const settings: SchedulerSettings = {
  heartbeatMs: 1_000,
  nodeTimeoutMs: 5_000,
  shutdownGraceMs: 200,
  deadmanGraceMs: 60_000,
  retryBaseMs: 1_000,
  retryMaxMs: 3_000,
};
const T0 = new Date('2026-03-01T10:00:00Z');
const job = (name: string, run: JobDefinition['run'], extra: Partial<JobDefinition> = {}): JobDefinition => ({
  name,
  description: name,
  schedule: '*/5 * * * *',
  run,
  ...extra,
});

describeEachEngine('the runner', (t) => {
  const started: Scheduler[] = [];
  const make = (jobs: JobDefinition[], clock: ReturnType<typeof createManualClock>, host = 'host-a') => {
    const s = createScheduler({ db: t.db, logger: silentLogger(), jobs, settings, clock, host, timers: false });
    started.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop({ graceMs: 100 })));
  });

  it('two schedulers firing the same slot: exactly one runs it', async () => {
    const clock = createManualClock(T0);
    let calls = 0;
    const jobs = [job('race.job', async () => void calls++)];
    const [a, b] = [make(jobs, clock, 'host-a'), make(jobs, clock, 'host-b')];
    await a.start();
    await b.start();
    const outcomes = await Promise.all([a.fire('race.job', T0), b.fire('race.job', T0), a.fire('race.job', T0)]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(calls).toBe(1);
    const runs = await listRuns(t.db, { job: 'race.job' });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'succeeded', attempt: 1, manual: false });
  });

  it('a slot firing while a manual run of the job is going here does not start a second run; it is recorded as skipped', async () => {
    const clock = createManualClock(T0);
    let calls = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const s = make([job('manual.job', async () => {
      calls++;
      await held;
    })], clock);
    await s.start();
    const manual = s.runNow('manual.job', 'erin');
    await waitFor('the manual run to start', () => calls === 1);
    const slot = new Date(T0.getTime() + 5 * 60_000); // the job's next slot, not the manual run's own time
    expect(await s.fire('manual.job', slot)).toBeUndefined();
    const skipped = await waitFor('the slot recorded as skipped', async () => (await listRuns(t.db, { job: 'manual.job' })).find((r) => r.status === 'skipped'), { timeoutMs: 10_000 });
    expect(skipped).toMatchObject({ scheduledFor: slot, error: 'the previous run of this job was still running' });
    release();
    await manual;
    expect(calls).toBe(1);
    const runs = await listRuns(t.db, { job: 'manual.job' });
    expect(runs.map((r) => [r.status, r.manual]).sort()).toEqual([['skipped', false], ['succeeded', true]]);
  });

  it('a run past its timeout is aborted and marked timed_out; a critical one emits job.failed', async () => {
    const clock = createManualClock(T0);
    let sawAbort = false;
    const s = make(
      [
        job('slow.critical', ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => ((sawAbort = true), reject(signal.reason)))), { timeoutMs: 50, critical: true }),
        job('slow.deaf', () => new Promise(() => undefined), { timeoutMs: 50 }),
      ],
      clock,
    );
    await s.start();
    const critical = await s.fire('slow.critical', T0);
    expect(critical).toMatchObject({ status: 'timed_out' });
    expect(sawAbort).toBe(true);
    // A job that ignores its signal is still marked, and the slot is released.
    expect(await s.fire('slow.deaf', T0)).toMatchObject({ status: 'timed_out' });
    const [row] = await listRuns(t.db, { job: 'slow.critical' });
    expect(row!.error).toMatch(/ran past its timeout of 50 ms/);
    const events = await listEvents(t.db, { kind: 'job.failed' });
    expect(events.map((e) => e.dedupKey)).toEqual(['job.failed:slow.critical']);
    expect(events[0]).toMatchObject({ level: 'CRITICAL', source: 'scheduler' });
  });

  it('a failing job retries with capped exponential backoff, then fails for good', async () => {
    const clock = createManualClock(T0);
    let attempts = 0;
    const s = make([job('flaky.job', async () => { attempts++; throw new Error(`boom ${attempts}`); }, { retries: 3 })], clock);
    await s.start();
    const first = await s.fire('flaky.job', T0);
    expect(first).toMatchObject({ status: 'retrying', error: 'boom 1' });
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [row] = await listRuns(t.db, { job: 'flaky.job' });
      expect(row!.status).toBe('retrying');
      delays.push(row!.nextAttemptAt!.getTime() - clock.now());
      await s.housekeep(); // not due yet: nothing happens
      expect(attempts).toBe(i + 1);
      clock.set(row!.nextAttemptAt!);
      await s.housekeep();
      await waitFor('the retry', async () => attempts === i + 2 && (await listRuns(t.db, { job: 'flaky.job' }))[0]!.status !== 'running');
    }
    expect(delays).toEqual([1_000, 2_000, 3_000]); // base, doubled, capped at 3 s
    const [final] = await listRuns(t.db, { job: 'flaky.job' });
    expect(final).toMatchObject({ status: 'failed', attempt: 4, maxAttempts: 4, error: 'boom 4' });
  });

  it('pause is persisted and seen by another scheduler; resume lets slots run again', async () => {
    const clock = createManualClock(T0);
    let calls = 0;
    const jobs = [job('pausable.job', async () => void calls++)];
    const [a, b] = [make(jobs, clock, 'host-a'), make(jobs, clock, 'host-b')];
    await a.start();
    await b.start();
    await setPaused(t.db, { job: 'pausable.job', paused: true, now: clock.date(), by: 'tester' });
    expect(await b.fire('pausable.job', T0)).toBeUndefined();
    expect(calls).toBe(0);
    // an operator's run-now still runs a paused job
    expect(await a.runNow('pausable.job', 'tester')).toMatchObject({ status: 'succeeded' });
    await setPaused(t.db, { job: 'pausable.job', paused: false, now: clock.date(), by: 'tester' });
    expect(await b.fire('pausable.job', new Date(T0.getTime() + 300_000))).toMatchObject({ status: 'succeeded' });
    expect(calls).toBe(2);
    const runs = await listRuns(t.db, { job: 'pausable.job' });
    expect(runs.map((r) => [r.manual, r.operator])).toEqual([
      [false, null],
      [true, 'tester'],
    ]);
  });

  for (const [policy, expected] of [
    ['none', { ran: [] as string[], skipped: ['10:15'] }],
    ['latest', { ran: ['10:15'], skipped: [] as string[] }],
    ['all', { ran: ['10:10', '10:15'], skipped: [] as string[] }],
  ] as const) {
    it(`catch-up ${policy} after downtime (bounded to 2 slots)`, async () => {
      const clock = createManualClock(T0);
      const name = `catchup.${policy}`;
      const ran: string[] = [];
      const jobs = [job(name, async ({ scheduledFor }) => void ran.push(scheduledFor.toISOString().slice(11, 16)), { catchUp: policy, catchUpLimit: 2 })];
      const before = make(jobs, clock);
      await (await before.start()).caughtUp;
      await before.fire(name, T0);
      await before.stop();
      clock.set(new Date('2026-03-01T10:17:00Z')); // down from 10:00 to 10:17: 10:05, 10:10, 10:15 missed
      const after = make(jobs, clock, 'host-b');
      const outcomes = await (await after.start()).caughtUp;
      expect(ran).toEqual(['10:00', ...expected.ran]);
      expect(outcomes.map((o) => o.run.catchUp)).toEqual(expected.ran.map(() => true));
      const runs = await listRuns(t.db, { job: name });
      expect(runs.filter((r) => r.status === 'skipped').map((r) => r.scheduledFor.toISOString().slice(11, 16))).toEqual(expected.skipped);
    });
  }

  it('dead-man: a slot with no run after the grace period emits job.deadman once', async () => {
    const clock = createManualClock(new Date('2026-03-01T10:00:30Z'));
    const s = make([job('watched.job', async () => undefined, { schedule: '0 * * * * *' }), job('paused.job', async () => undefined, { schedule: '0 * * * * *' })], clock);
    await setPaused(t.db, { job: 'paused.job', paused: true, now: clock.date(), by: 'tester' });
    await (await s.start()).caughtUp;
    clock.set(new Date('2026-03-01T10:01:59Z')); // the 10:01 slot is 59 s late: within the grace
    await s.housekeep();
    expect(await listEvents(t.db, { kind: 'job.deadman' })).toHaveLength(0);
    clock.set(new Date('2026-03-01T10:02:01Z')); // 10:01 + 60 s grace has passed, nobody ran it
    await s.housekeep();
    await s.housekeep();
    const events = await listEvents(t.db, { kind: 'job.deadman' });
    expect(events.map((e) => e.dedupKey)).toEqual(['job.deadman:watched.job']);
    expect(events[0]!.message).toMatch(/watched\.job did not run at 2026-03-01T10:01:00\.000Z/);
    const [missed] = await listRuns(t.db, { job: 'watched.job' });
    expect(missed).toMatchObject({ status: 'missed' });
  });

  it('a run on a node whose heartbeat lapsed is handed to a live scheduler and completed by retry', async () => {
    const clock = createManualClock(T0);
    const attemptsSeen: Array<[string, number]> = [];
    const make2 = (host: string) =>
      make(
        [
          job(
            'orphan.job',
            ({ signal, attempt }) => {
              attemptsSeen.push([host, attempt]);
              // the first attempt hangs (its process "dies"); the retry succeeds
              return attempt === 1 ? new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))) : Promise.resolve('done');
            },
            { retries: 1 },
          ),
        ],
        clock,
        host,
      );
    const dying = make2('host-dying');
    const live = make2('host-live');
    await dying.start();
    await live.start();
    void dying.fire('orphan.job', T0);
    await waitFor('the first attempt', async () => attemptsSeen.length === 1);
    clock.advance(settings.nodeTimeoutMs + 1_000); // host-dying never heartbeats again
    await live.housekeep();
    const row = await waitFor('the retry to finish', async () => {
      const [r] = await listRuns(t.db, { job: 'orphan.job' });
      return r?.status === 'succeeded' ? r : undefined;
    });
    expect(row).toMatchObject({ attempt: 2, host: 'host-live' });
    expect(attemptsSeen).toEqual([
      ['host-dying', 1],
      ['host-live', 2],
    ]);
    // the "dead" node comes back and gives up its attempt: it must not overwrite the finished row
    await dying.stop({ graceMs: 10 });
    const [after] = await listRuns(t.db, { job: 'orphan.job' });
    expect(after).toMatchObject({ status: 'succeeded', attempt: 2, host: 'host-live' });
  });

  it('stop: waits for a running job within the grace, then hands the rest back for retry', async () => {
    const clock = createManualClock(T0);
    const s = make([job('long.job', ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { retries: 2 })], clock);
    await s.start();
    void s.fire('long.job', T0);
    await waitFor('the run to start', async () => (await listRuns(t.db, { job: 'long.job' }))[0]?.status === 'running');
    expect(s.health()).toMatchObject({ healthy: true, running: 1 });
    const report = await s.stop({ graceMs: 50 });
    expect(report).toEqual({ finished: 0, released: 1, aborted: ['long.job'] });
    const [row] = await listRuns(t.db, { job: 'long.job' });
    expect(row).toMatchObject({ status: 'retrying', attempt: 1, error: 'jobs: the scheduler stopped during the run' });
    expect(s.health().healthy).toBe(false);
  });

  it('stop: aborts an interruptible job at once (it records where it stopped) while a backup gets the grace', async () => {
    const clock = createManualClock(T0);
    let backupDone = false;
    let interruptedAt: string | undefined;
    const s = make(
      [
        job(
          'stage.work',
          async (context) => {
            context.activity?.('RESEARCH "Bakery finder"');
            await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
            interruptedAt = 'RESEARCH'; // the safe point: where it stopped is recorded before it returns
            return { stoppedBecause: 'aborted' };
          },
          { interruptible: true },
        ),
        job('backup.like', async () => {
          await new Promise((resolve) => setTimeout(resolve, 300));
          backupDone = true;
          return 'written';
        }),
      ],
      clock,
    );
    await s.start();
    void s.fire('stage.work', T0);
    void s.fire('backup.like', T0);
    await waitFor('both to run', async () => s.running().length === 2);
    expect(s.running()).toContain('stage.work (RESEARCH "Bakery finder")');
    const report = await s.stop({ graceMs: 30_000 });
    expect(interruptedAt).toBe('RESEARCH');
    expect(backupDone).toBe(true); // it had its grace
    expect(report).toEqual({ finished: 1, released: 1, aborted: ['stage.work (RESEARCH "Bakery finder")'] });
    const [work] = await listRuns(t.db, { job: 'stage.work' });
    expect(work).toMatchObject({ status: 'succeeded', output: { stoppedBecause: 'aborted' } });
  });
});
