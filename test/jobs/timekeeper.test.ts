import { Cron } from 'croner';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { expectedSlot, planCatchUp, slotAt, startTimers } from '../../src/jobs/timekeeper.js';
import { createRegistry } from '../../src/jobs/registry.js';
import type { JobDefinition } from '../../src/core/jobs.js';

const at = (iso: string) => new Date(iso);
const def = (name: string, schedule: string, extra: Partial<JobDefinition> = {}): JobDefinition => ({
  name,
  description: name,
  schedule,
  run: async () => undefined,
  ...extra,
});

describe('slot arithmetic (croner pure functions)', () => {
  const everyFive = new Cron('*/5 * * * *', { timezone: 'UTC' });

  it('a firing belongs to the latest slot at or before it, whatever the milliseconds', () => {
    expect(slotAt(everyFive, at('2026-03-01T10:05:00.000Z'))).toEqual(at('2026-03-01T10:05:00Z'));
    expect(slotAt(everyFive, at('2026-03-01T10:05:00.004Z'))).toEqual(at('2026-03-01T10:05:00Z'));
    expect(slotAt(everyFive, at('2026-03-01T10:09:59.999Z'))).toEqual(at('2026-03-01T10:05:00Z'));
    const everySecond = new Cron('* * * * * *');
    expect(slotAt(everySecond, at('2026-03-01T10:05:07.999Z'))).toEqual(at('2026-03-01T10:05:07Z'));
    expect(slotAt(everySecond, at('2026-03-01T10:05:08.000Z'))).toEqual(at('2026-03-01T10:05:08Z'));
  });

  it('catch-up none runs nothing and names the latest missed slot to record as skipped', () => {
    const plan = planCatchUp(everyFive, 'none', at('2026-03-01T10:00:00Z'), at('2026-03-01T10:17:00Z'), 10);
    expect(plan).toEqual({ run: [], skip: at('2026-03-01T10:15:00Z') });
  });

  it('catch-up latest runs only the most recent missed slot', () => {
    const plan = planCatchUp(everyFive, 'latest', at('2026-03-01T10:00:00Z'), at('2026-03-01T10:17:00Z'), 10);
    expect(plan.run).toEqual([at('2026-03-01T10:15:00Z')]);
  });

  it('catch-up all runs every missed slot oldest first, bounded to the most recent ones', () => {
    const all = planCatchUp(everyFive, 'all', at('2026-03-01T10:00:00Z'), at('2026-03-01T10:17:00Z'), 10);
    expect(all.run).toEqual([at('2026-03-01T10:05:00Z'), at('2026-03-01T10:10:00Z'), at('2026-03-01T10:15:00Z')]);
    const bounded = planCatchUp(everyFive, 'all', at('2026-03-01T08:00:00Z'), at('2026-03-01T10:17:00Z'), 2);
    expect(bounded.run).toEqual([at('2026-03-01T10:10:00Z'), at('2026-03-01T10:15:00Z')]);
  });

  it('nothing missed, nothing planned (the last recorded slot is the latest)', () => {
    expect(planCatchUp(everyFive, 'all', at('2026-03-01T10:15:00Z'), at('2026-03-01T10:17:00Z'), 10)).toEqual({ run: [] });
    expect(planCatchUp(everyFive, 'none', at('2026-03-01T10:15:00Z'), at('2026-03-01T10:17:00Z'), 10)).toEqual({ run: [] });
  });

  it('the dead-man check expects the slot that is at least the grace period old', () => {
    expect(expectedSlot(everyFive, at('2026-03-01T10:16:59Z'), 120_000)).toEqual(at('2026-03-01T10:10:00Z'));
    expect(expectedSlot(everyFive, at('2026-03-01T10:17:00Z'), 120_000)).toEqual(at('2026-03-01T10:15:00Z'));
  });

  it('schedules follow their time zone, DST included (02:30 on a spring-forward day runs at 03:00)', () => {
    const daily = new Cron('30 2 * * *', { timezone: 'Europe/Berlin' });
    const runs = daily.nextRuns(3, at('2026-03-28T12:00:00Z'));
    expect(runs.map((d) => d.toISOString())).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
  });
});

describe('registry', () => {
  it('fills the defaults and keys per-host jobs by host', () => {
    const registry = createRegistry([def('a.job', '0 * * * *'), def('b.job', '0 0 * * *', { perHost: true, retries: 2 })], { host: 'web1' });
    expect(registry.get('a.job')).toMatchObject({ key: 'a.job', timezone: 'UTC', timeoutMs: 600_000, retries: 0, catchUp: 'latest', catchUpLimit: 10, critical: false });
    expect(registry.get('b.job')).toMatchObject({ key: 'b.job@web1', retries: 2, perHost: true });
  });

  it('refuses a bad pattern, a duplicate name and an unknown job with a line that says what to do', () => {
    expect(() => createRegistry([def('a.job', '61 * * * *')], { host: 'h' })).toThrow(/a\.job has an invalid schedule "61 \* \* \* \*"/);
    expect(() => createRegistry([def('a.job', '* * * * *'), def('a.job', '* * * * *')], { host: 'h' })).toThrow(/two jobs are named "a.job"/);
    expect(() => createRegistry([def('A Job', '* * * * *')], { host: 'h' })).toThrow(/must be lower-case/);
    expect(() => createRegistry([def('a.job', '* * * * *')], { host: 'h' }).get('nope')).toThrow(/there is no job "nope"; known jobs: a\.job/);
  });
});

describe('croner timers (fake time)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(at('2026-03-01T10:00:00.500Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires each job at its exact slots', async () => {
    const registry = createRegistry([def('every.second', '* * * * * *'), def('every.five', '*/5 * * * * *')], { host: 'h' });
    const seen: string[] = [];
    const timers = startTimers(registry.jobs, {
      now: () => new Date(),
      onSlot: async (job, slot) => void seen.push(`${job.name} ${slot.toISOString().slice(11, 19)}`),
      onBlocked: () => undefined,
    });
    await vi.advanceTimersByTimeAsync(5_000);
    timers.stop();
    expect(seen.filter((s) => s.startsWith('every.second'))).toEqual(['01', '02', '03', '04', '05'].map((s) => `every.second 10:00:${s}`));
    expect(seen.filter((s) => s.startsWith('every.five'))).toEqual(['every.five 10:00:05']);
  });

  it('protect: a firing while the previous run is still going is refused and reported with its slot', async () => {
    const registry = createRegistry([def('slow', '* * * * * *')], { host: 'h' });
    const started: string[] = [];
    const blocked: string[] = [];
    let finish: () => void = () => undefined;
    const timers = startTimers(registry.jobs, {
      now: () => new Date(),
      onSlot: (_job, slot) => {
        started.push(slot.toISOString().slice(17, 19));
        return new Promise<void>((resolve) => (finish = resolve));
      },
      onBlocked: (_job, slot) => void blocked.push(slot.toISOString().slice(17, 19)),
    });
    await vi.advanceTimersByTimeAsync(3_200);
    finish();
    await vi.advanceTimersByTimeAsync(1_000);
    timers.stop();
    expect(started).toEqual(['01', '04']);
    expect(blocked).toEqual(['02', '03']);
  });
});
