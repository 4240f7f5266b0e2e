/**
 * The console for an operator under stress (#17, Trust): a hung read turns STALE with the data's age,
 * Enter answers a [y/N] question with No, destructive jobs ask first, a running action is not started
 * twice, mode badges come first at 80 columns, bad outcomes are red ✗, and messages expire.
 */
import { describe, expect, it } from 'vitest';
import { consoleOpener, KEY } from '../helpers/render.js';
import type { ConsoleApi, ConsoleSnapshot } from '../../src/core/console-api.js';
import { createDemoApi, type DemoApi } from '../helpers/demo-api.js';
import { createManualClock } from '../../src/core/clock.js';
import { TEST_NOW } from '../helpers/render.js';
import { resultTone } from '../../src/ui/hooks/use-actions.js';

const open = consoleOpener();

describe('honest freshness', () => {
  it('a read that hangs (a database that stopped answering) turns the header STALE with the data age; r says why', async () => {
    const clock = createManualClock(TEST_NOW);
    const demo = createDemoApi({ clock, seed: 7, stepDelayMs: 0 });
    let hang = false;
    let answer = () => {};
    const api: ConsoleApi = { ...demo, snapshot: () => (hang ? new Promise((resolve) => (answer = () => resolve(demo.snapshot()))) : demo.snapshot()) };
    const c = open({ api, clock, refreshMs: 1_000 });
    const first = await c.waitFor('data as of 18:00:00');
    expect(first).not.toContain('STALE');
    hang = true;
    // no snapshot arrives any more (the clock of the data does not move): the watchdog, 2 x the refresh
    // and at least 4 s of real time into the hung read, marks it
    const stale = await c.waitFor('STALE');
    expect(stale.split('\n')[0]).toMatch(/^studio DEMO\s+STALE\s+│/); // modes first
    expect(stale).toMatch(/data as of 18:00:00 \(\d+s old\)/);
    await c.press('r');
    await c.waitFor(/✗ the database has not answered for \d+s \(the last read still waits\); data as of 18:00:00/);
    // the database answers again: the message was true only while that read waited, and goes with it
    hang = false;
    answer();
    const after = await c.waitFor((frame) => !frame.includes('STALE') && !frame.includes('has not answered'));
    expect(after).not.toContain('✗');
  }, 30_000);
});

describe('safe confirmations', () => {
  it('P, a reason, enter, enter: enter answers the [y/N] question with No; nothing is paused', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press('P');
    await c.waitFor('reason:');
    await c.type('testing');
    await c.press(KEY.enter);
    await c.waitFor('Pause every campaign now? [y/N]');
    await c.press(KEY.enter);
    await c.waitFor('Pause all campaigns: cancelled');
    expect(c.api.calls.some((x) => x.method === 'pauseAllCampaigns')).toBe(false);
  });

  it('x then enter on a stuck idea does not reset it; y does', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press(KEY.tab, 3);
    await c.waitFor('═ Pipeline ');
    await c.press('x');
    await c.waitFor('estimated cost');
    await c.press(KEY.enter);
    await c.waitFor('reset: cancelled');
    expect(c.api.calls.some((x) => x.method === 'resetIdea')).toBe(false);
  });

  it('j on a job that deletes data asks first (enter = No); b twice does not start two backups', async () => {
    const clock = createManualClock(TEST_NOW);
    const demo = createDemoApi({ clock, seed: 7, stepDelayMs: 0 });
    let finishBackup!: () => void;
    const api: DemoApi = {
      ...demo,
      // the real install's purge job, in place of the demo's maintenance job
      snapshot: async () => {
        const s = await demo.snapshot();
        return { ...s, jobs: s.jobs.map((j) => (j.name === 'maintenance' ? { ...j, name: 'maintenance.purge-history' } : j)) };
      },
      backupNow: async (progress) => {
        progress?.('writing…');
        await new Promise<void>((resolve) => (finishBackup = resolve));
        return { ok: true, message: 'backup written' };
      },
    };
    const c = open({ api, clock });
    await c.waitFor('Incidents');
    await c.press('b');
    await c.waitFor('⟳ backup');
    await c.press('b');
    await c.waitFor('backup is already running; wait for it to finish');
    finishBackup();
    await c.waitFor('✓ backup written');

    await c.press(KEY.tab, 4);
    await c.waitFor('═ Jobs ');
    await c.press('/');
    await c.type('purge');
    await c.press(KEY.enter);
    await c.press('j');
    await c.waitFor(/Run maintenance\.purge-history now\? \[y\/N\]/);
    await c.press(KEY.enter);
    await c.waitFor('cancelled');
    expect(demo.calls.some((x) => x.method === 'runJob')).toBe(false);
  });
});

describe('modes always visible', () => {
  it('READ-ONLY, PAUSED and STALE come first in the header at 80x24', async () => {
    const c = open({ readOnly: true, columns: 80, rows: 24 });
    await c.waitFor('Budget');
    await c.press(' ');
    const f = await c.waitFor('PAUSED');
    const header = f.split('\n')[0]!;
    expect(header).toMatch(/^studio DEMO\s+READ-ONLY\s+PAUSED\s+│/);
    expect(header.length).toBeLessThanOrEqual(80);
  });
});

describe('modes and the operator at every width', () => {
  /** The demo, as operator `dana.kowalski`, whose reads fail once `fail` is set (the header turns STALE). */
  function failing(header: Partial<ConsoleSnapshot['header']> = {}) {
    const demo = createDemoApi();
    const state = { fail: false };
    const api = {
      ...demo,
      snapshot: async () => {
        if (state.fail) throw new Error('database: connection refused');
        const s = await demo.snapshot();
        return { ...s, header: { ...s.header, operator: 'dana.kowalski', ...header } };
      },
    };
    return { api, state };
  }

  it('at 80 columns READ-ONLY and STALE leave the operator whole by giving up the @client, not by cutting at the edge', async () => {
    const { api, state } = failing({ sshClient: '203.0.113.77' });
    const c = open({ api, readOnly: true, columns: 80, rows: 24 });
    await c.waitFor('dana.kowalski');
    state.fail = true;
    await c.press('r');
    const header = (await c.waitFor('STALE')).split('\n')[0]!;
    expect(header).toMatch(/│ dana\.kowalski$/);
    c.unmount();
  });

  it('at 80 columns a long operator@client gives up the client, then is cut with an ellipsis, never at the edge', async () => {
    for (const schedulerNote of [undefined, 'no scheduler: this read-only console holds the embedded database (0 job slot(s) missed since 07:00 UTC)']) {
      const { api, state } = failing({ operator: 'alexandra.konstantinopoulou', sshClient: '203.0.113.77', schedulerNote });
      const c = open({ api, readOnly: true, columns: 80, rows: 24 });
      await c.waitFor('alexandra');
      state.fail = true;
      await c.press('r');
      const header = (await c.waitFor('STALE')).split('\n')[0]!;
      expect(header).not.toContain('203.0.113.77');
      expect(header.length).toBe(80);
      if (schedulerNote) expect(header).toMatch(/^studio DEMO\s+READ-ONLY\s+STALE\s+NO SCHEDULER\s+│ \w+ │ \d\d:\d\d:\d\d \(\d+s old\) │ al\S*…$/);
      else expect(header).toMatch(/^studio DEMO\s+READ-ONLY\s+STALE\s+│ \w+ │ \d\d:\d\d:\d\d \(\d+s old\) │ alexandra\.konsta\S*…$/);
      c.unmount();
    }
  });

  it('READ-ONLY and STALE together at 80x24 leave the operator whole; what gives way is the optional part', async () => {
    const { api, state } = failing();
    const c = open({ api, readOnly: true, columns: 80, rows: 24 });
    const fresh = (await c.waitFor('dana.kowalski')).split('\n')[0]!;
    expect(fresh).toMatch(/^studio DEMO\s+READ-ONLY\s+│ \w+ │ data as of \d\d:\d\d:\d\d \(\d+s old\) │ .*dana\.kowalski$/);
    state.fail = true;
    await c.press('r');
    const header = (await c.waitFor('STALE')).split('\n')[0]!;
    expect(header).toMatch(/^studio DEMO\s+READ-ONLY\s+STALE\s+│ \w+ │ .*\d\d:\d\d:\d\d \(\d+s old\) │ dana\.kowalski$/);
    expect(header.length).toBeLessThanOrEqual(80);
  });

  it('at 100 and 160 columns the modes, the data age and the operator show; the clock where it fits too', async () => {
    for (const [columns, rows] of [[100, 30], [160, 48]] as const) {
      const { api, state } = failing();
      const c = open({ api, readOnly: true, columns, rows });
      await c.waitFor('dana.kowalski');
      state.fail = true;
      await c.press('r');
      const header = (await c.waitFor('STALE')).split('\n')[0]!;
      expect(header, `${columns} columns`).toMatch(/^studio DEMO\s+READ-ONLY\s+STALE\s+│ \w+ │ .*data as of \d\d:\d\d:\d\d \(\d+s old\) │ .*dana\.kowalski/);
      expect(header.length).toBeLessThanOrEqual(columns);
      if (columns === 160) expect(header).toMatch(/│ \d\d:\d\d:\d\d UTC │/);
      c.unmount();
    }
  });
});

describe('outcomes', () => {
  it('a success that reports a bad state is bad (✗, red), not a green ✓', () => {
    expect(resultTone({ ok: true, message: 'health: CRITICAL; database CRITICAL: timeout' })).toBe('bad');
    expect(resultTone({ ok: true, message: 'backup b1 written and FAILED verification: x' })).toBe('bad');
    expect(resultTone({ ok: true, message: 'health: HEALTHY' })).toBe('ok');
    expect(resultTone({ ok: false, message: 'refused' })).toBe('bad');
  });
});

describe('act where you look', () => {
  it('a detail view takes the keys it advertises (shown in the footer); number keys jump; c copies the id', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press('6');
    await c.waitFor('═ Incidents ');
    await c.press(KEY.enter);
    const detail = await c.waitFor('a acknowledges, s resolves');
    const footer = detail.trimEnd().split('\n').at(-1)!;
    expect(footer).toMatch(/^a ack\s+s resolve\s+↑↓ scroll\s+c copy\s+esc close/);
    await c.press('a');
    await c.waitFor(/incident #\d+ acknowledged/);
    expect(c.api.calls.filter((x) => x.method === 'ackIncident')).toHaveLength(1);

    await c.press('4');
    await c.waitFor('═ Pipeline ');
    await c.press(KEY.enter);
    await c.waitFor('x resets it');
    await c.press('c');
    const copied = await c.waitFor('✓ copied ');
    expect(copied).toContain('x resets it'); // c keeps the detail open
    await c.press('x');
    await c.waitFor('estimated cost');
    await c.press(KEY.escape);
  });
});

describe('small untruths', () => {
  it('R with no emergency shutdown says there is nothing to resume, without asking for RESUME', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press('R');
    await c.waitFor('nothing to resume: the budget is not in emergency shutdown');
    expect(c.frame()).not.toContain('Type RESUME');
  });
});
