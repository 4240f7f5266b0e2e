import { describe, expect, it } from 'vitest';
import chalk from 'chalk';
import { consoleOpener, KEY, panelRows } from '../helpers/render.js';
import { createDemoApi } from '../helpers/demo-api.js';
import { createManualClock } from '../../src/core/clock.js';
import { TEST_NOW } from '../helpers/render.js';

const open = consoleOpener();

// eslint-disable-next-line no-control-regex
const ESC = /\x1b\[/;

describe('console panels', () => {
  it('shows every panel with its data at 160x48, the DEMO label and the away line', async () => {
    const c = open();
    const f = await c.waitFor('Incidents');
    for (const title of ['Budget', 'Services', 'KPIs', 'Pipeline', 'Jobs', 'Incidents', 'Logs']) expect(f).toContain(`─ ${title} `.replace('─', f.includes(`═ ${title} `) ? '═' : '─'));
    expect(f).toContain('DEMO');
    expect(f).toMatch(/openai_tokens\s+█+░*\s+\d+\.\d%/); // budget bars
    expect(f).toContain('external_apis');
    expect(f).toContain('WARNING'); // external_apis at 87%
    expect(f).toContain('burn $');
    expect(f).toContain('posthog'); // services with latency and reason
    expect(f).toMatch(/2900ms +\d+[smhd][ 0-9smh]* ago slow: capture took 2.9 s/); // the result's age (#17 item 10)
    expect(f).toMatch(/pipeline completion\s+3\.4 h\s+HEALTHY\s+[▁▂▃▄▅▆▇█]+/); // KPI with a sparkline
    expect(f).toMatch(/IDEATE \d+ › RESEARCH \d+/);
    expect(f).toMatch(/Invoice factoring for freelancers\s+DECK\s+9h 40m/); // stuck, with how long
    expect(f).toMatch(/restore-drill\s+failed/);
    expect(f).toMatch(/P2\s+16h 0m OPEN\s+Restore drill failed/);
    expect(f).toContain('alice');
    expect(f).toContain('While you were away (since');
    expect(f).toMatch(/\d\d:\d\d:\d\d (INFO|WARNING|DEBUG|ERROR)/); // log tail
  });

  it('fits 80x24: at most 23 lines, none wider than 80, every panel summarised', async () => {
    const c = open({ columns: 80, rows: 24 });
    const f = await c.waitFor('Incidents');
    const lines = f.split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
    for (const title of ['Budget', 'Services', 'KPIs', 'Pipeline', 'Jobs', 'Incidents', 'Logs']) expect(f).toMatch(new RegExp(`^.${title}\\s`, 'm'));
    expect(f).toContain('stuck 1'); // and one parked, one waiting on budget (listed as PARKED, WAIT$)
  });

  it('the away line wraps onto a second row at 80 and 100 columns (its counts and what failed stay readable); a message takes one row again', async () => {
    for (const [columns, rows] of [[80, 24], [100, 30]] as const) {
      const c = open({ columns, rows });
      const f = await c.waitFor('While you were away');
      const lines = f.split('\n');
      expect(lines.length, `${columns} columns`).toBe(rows - 1);
      const at = lines.findIndex((l) => l.startsWith('While you were away'));
      const away = `${lines[at]!.trimEnd()} ${lines[at + 1]!.trim()}`;
      expect(away).toMatch(/^While you were away \(since .*\$3\.12 spent, 2 incidents opened \(1 resolved\), backup ok, restore drill FAILED$/);
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(columns);
      await c.press('l'); // a message in the status line: one row, the body gets its row back
      const after = await c.waitFor('l filters the log tail');
      expect(after.split('\n').length).toBe(rows - 1);
      expect(after).not.toContain('restore drill FAILED');
      c.unmount();
    }
  });

  it('keeps the frame one row short of the terminal when resized', async () => {
    const c = open({ columns: 160, rows: 48 });
    await c.waitFor('Incidents');
    expect(c.frame().split('\n').length).toBe(47);
    c.resize(120, 30);
    await c.waitFor((f) => f.split('\n').length === 29, '29 rows');
    c.resize(90, 20);
    const f = await c.waitFor((f) => f.split('\n').length === 19, '19 rows');
    for (const line of f.split('\n')) expect([...line].length).toBeLessThanOrEqual(90);
  });
});

describe('the Jobs panel at 120 columns', () => {
  it('shows each next run whole in the half-width panel (it was cut to `next …`)', async () => {
    const c = open({ columns: 120, rows: 36 });
    const f = await c.waitFor('Jobs');
    // the right-hand panel's part of each row, where it is a job's row
    const rows = f
      .split('\n')
      .map((line) => line.slice(line.lastIndexOf('│', line.length - 2) + 1))
      .filter((part) => /^\s*›?\s*[a-z][\w.-]+\s+(succeeded|failed|never|running)\s/.test(part));
    expect(rows.length, f).toBeGreaterThan(3);
    for (const jobs of rows) {
      expect(jobs).toMatch(/(next|due|late) (\d\d:\d\d|\d\d-\d\d)|paused/);
      expect(jobs).not.toMatch(/next …/);
      expect(jobs).not.toMatch(/…(next|due|late)/); // the last run, cut, keeps a space before the next
      // when it last ran is whole: its duration gives way first (`9h 45m ago …` was cut)
      if (/succeeded|failed/.test(jobs)) expect(jobs).toMatch(/\d[smhd] ago( \d+\.\ds)?\s+(next|due|late|paused)/);
    }
  });
});

describe("a failed job's error", () => {
  const ERROR = 'restored row count differs: ideas 41 != 42'; // the demo's restore-drill
  /** The Jobs panel's rows in a frame: the right half in the wide layout, the whole width in the compact one. */
  // the panel's rows inside its borders
  const jobsPanel = (f: string, from: number) => panelRows(f, 'Jobs', from).slice(1, -1);

  it('shows whole on a row of its own under the job at 80, 120 and 160 columns (at 120 none of it showed), every job still listed', async () => {
    for (const [columns, rows] of [[80, 24], [120, 40], [160, 48]] as const) {
      const c = open({ columns, rows });
      await c.waitFor('Incidents');
      if (columns === 80) await c.press(KEY.tab, 4); // the compact layout: open the Jobs panel
      const f = await c.waitFor(/restore-drill\s+failed/);
      const panel = jobsPanel(f, columns === 80 ? 0 : columns / 2);
      const at = panel.findIndex((l) => /restore-drill\s+failed/.test(l));
      expect(at, f).toBeGreaterThanOrEqual(0);
      expect(panel[at], `${columns}`).not.toContain('restored'); // the job's own row keeps its columns
      expect(panel[at + 1], `${columns}`).toMatch(new RegExp(`^[│║]\\s+${ERROR}\\s+[│║]$`));
      for (const job of ['pipeline-tick', 'backup', 'maintenance', 'performance-report']) expect(panel.join('\n'), `${columns}`).toContain(job);
      expect(panel.join('\n')).not.toMatch(/more (above|below)/);
      c.unmount();
    }
  });

  it('an error of several lines takes one row, its lines joined', async () => {
    const demo = createDemoApi({ clock: createManualClock(TEST_NOW) });
    const api = {
      ...demo,
      snapshot: async () => {
        const s = await demo.snapshot();
        return { ...s, jobs: s.jobs.map((j) => (j.lastError ? { ...j, lastError: 'database: connection lost\n  DETAIL: server closed the connection' } : j)) };
      },
    };
    const c = open({ api, columns: 160, rows: 48 });
    const f = await c.waitFor(/restore-drill\s+failed/);
    const panel = jobsPanel(f, 80);
    expect(panel[panel.findIndex((l) => l.includes('restore-drill')) + 1]).toMatch(/^│\s+database: connection lost DETAIL: server closed the connection\s+│$/);
    expect(panel.join('\n')).toContain('performance-report');
    expect(f.split('\n')).toHaveLength(47);
  });

  it('in a short panel the selection moves through every job and stays in view; the error row counts as a row', async () => {
    const c = open({ columns: 120, rows: 30 });
    await c.waitFor('Incidents');
    await c.press('5');
    await c.waitFor('╔═ Jobs ');
    for (const [down, selected] of [[5, 'restore-drill'], [2, 'performance-report']] as const) {
      await c.press(KEY.down, down);
      const f = await c.waitFor(new RegExp(`›${selected}`));
      expect(f.split('\n')).toHaveLength(29);
      const panel = jobsPanel(f, 60);
      if (selected === 'restore-drill') expect(panel[panel.findIndex((l) => l.includes('›restore-drill')) + 1]).toContain(ERROR);
      expect(panel.at(-1)).toMatch(/… \d+ more above/);
    }
  });
});

describe('console keys', () => {
  it('? opens the help overlay with the keys, esc closes it', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press('?');
    const help = await c.waitFor('Help — keys');
    expect(help).toContain('reset the selected stuck, parked or budget-waiting idea');
    expect(help).toContain('resume after an emergency shutdown');
    expect(help).not.toContain('─ Services ');
    await c.press(KEY.escape);
    await c.waitFor((f) => !f.includes('Help — keys') && f.includes('Services'), 'help closed');
  });

  it('tab and shift-tab move the focus (double border) between panels', async () => {
    const c = open();
    await c.waitFor('╔═ Budget ');
    await c.press(KEY.tab);
    const f = await c.waitFor('╔═ Services ');
    expect(f).toContain('╭─ Budget ');
    await c.press(KEY.tab, 2);
    expect(await c.waitFor('╔═ Pipeline ')).toContain('╭─ Services ');
    await c.press(KEY.shiftTab);
    await c.waitFor('╔═ KPIs ');
  });

  it('on a small terminal, tab opens the next panel in full', async () => {
    const c = open({ columns: 80, rows: 24 });
    await c.waitFor('╔═ Budget ');
    await c.press(KEY.tab, 4);
    const f = await c.waitFor('╔═ Jobs ');
    expect(f).toMatch(/restore-drill\s+failed/);
    expect(f).not.toContain('═ Budget ');
  });

  it('enter on a stuck idea drills down to its stage history and spend', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press(KEY.tab, 3);
    await c.waitFor('╔═ Pipeline ');
    await c.press(KEY.down);
    await c.press(KEY.enter);
    const f = await c.waitFor('stage history');
    expect(f).toContain('Idea — Carbon ledger for small manufacturers');
    expect(f).toMatch(/spend\s+\$\d+\.\d\d/);
    expect(f).toMatch(/IDEATE\s+→ RESEARCH/);
    expect(c.api.calls.some((x) => x.method === 'ideaDetail')).toBe(true);
    await c.press(KEY.escape);
    await c.waitFor('╔═ Pipeline ');
  });

  it('enter on a job shows its run history', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press(KEY.tab, 4);
    await c.press(KEY.down, 5);
    await c.press(KEY.enter);
    const f = await c.waitFor('Job history — restore-drill');
    expect(f).toContain('restored row count differs');
  });

  it('/ filters the focused list', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press(KEY.tab, 4);
    await c.press('/');
    await c.type('back');
    await c.press(KEY.enter);
    const f = await c.waitFor('/back');
    expect(f).toMatch(/›backup/);
    expect(f).not.toContain('health-check');
    expect(f).not.toContain('campaign-metrics');
    await c.press(KEY.escape);
    await c.waitFor('health-check');
  });

  it('space pauses the display and r refreshes now', async () => {
    const c = open();
    await c.waitFor('Incidents');
    const reads = () => c.api.calls.filter((x) => x.method === 'snapshot').length;
    const before = reads();
    await c.press('r');
    await c.waitFor(() => reads() === before + 1, 'a second read');
    await c.press(' ');
    await c.waitFor('PAUSED');
    await c.press(' ');
    await c.waitFor((f) => !f.includes('PAUSED'), 'unpaused');
  });
});

describe('console actions', () => {
  it('resets a stuck idea from the keyboard after the cost preview and confirmation', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press(KEY.tab, 3);
    await c.press('x');
    let f = await c.waitFor('estimated cost');
    expect(f).toContain('Invoice factoring for freelancers');
    expect(f).toMatch(/runs again: DECK/);
    await c.press(KEY.left); // one stage further back: RESEARCH
    f = await c.waitFor('runs again: RESEARCH → DECK');
    expect(f).toContain('$0.50');
    expect(c.api.calls.some((x) => x.method === 'resetIdea')).toBe(false);
    await c.press('y');
    await c.waitFor('reset to RESEARCH');
    const reset = c.api.calls.find((x) => x.method === 'resetIdea');
    expect(reset?.args).toEqual(['idea-1b4e', 'RESEARCH']); // the id of Invoice factoring for freelancers
    await c.waitFor((f) => !/Invoice factoring for freelancers\s+DECK/.test(f), 'the idea no longer stuck');
  });

  it('n cancels a reset without calling the api', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press(KEY.tab, 3);
    await c.press('x');
    await c.waitFor('estimated cost');
    await c.press('n');
    await c.waitFor('reset: cancelled');
    expect(c.api.calls.some((x) => x.method === 'resetIdea')).toBe(false);
  });

  it('read-only refuses the reset with a message and calls nothing', async () => {
    const c = open({ readOnly: true });
    const f0 = await c.waitFor('Incidents');
    expect(f0).toContain('READ-ONLY');
    await c.press(KEY.tab, 3);
    await c.press('x');
    const f = await c.waitFor('read-only console');
    expect(f).not.toContain('estimated cost');
    await c.press('b');
    await c.press('R');
    await c.waitFor('read-only console');
    const actions = c.api.calls.filter((x) => !['snapshot', 'awaySummary'].includes(x.method));
    expect(actions).toEqual([]);
  });

  it('R resumes after an emergency shutdown only with the typed word RESUME and a reason', async () => {
    const clock = createManualClock(TEST_NOW);
    const api = createDemoApi({ clock, seed: 7, stepDelayMs: 0, emergency: true });
    const c = open({ api, clock });
    await c.waitFor('EMERGENCY SHUTDOWN');
    await c.press('R');
    await c.waitFor('Type RESUME');
    await c.type('resume');
    await c.press(KEY.enter);
    await c.waitFor('type RESUME exactly');
    await c.press(KEY.backspace, 6);
    await c.type('RESUME\r'); // enter in the same burst as the word: it must see all of it
    await c.waitFor('reason:');
    await c.type('cap raised by finance');
    await c.press(KEY.enter);
    await c.waitFor('paid calls allowed again');
    expect(api.calls.find((x) => x.method === 'resumeBudget')?.args).toEqual(['cap raised by finance']);
  });

  it('a long action shows its progress and the screen keeps refreshing meanwhile', async () => {
    const clock = createManualClock(TEST_NOW);
    const demo = createDemoApi({ clock, seed: 7, stepDelayMs: 0 });
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const api = {
      ...demo,
      backupNow: async (onProgress?: (m: string) => void) => {
        onProgress?.('pg_dump 40%');
        await gate;
        return { ok: true, message: 'backup written and verified' };
      },
    };
    const c = open({ api, clock });
    await c.waitFor('Incidents');
    await c.press('b');
    await c.waitFor('⟳ backup: pg_dump 40%');
    const reads = demo.calls.filter((x) => x.method === 'snapshot').length;
    await c.press('r');
    await c.waitFor(() => demo.calls.filter((x) => x.method === 'snapshot').length > reads, 'a read during the backup');
    finish();
    await c.waitFor('✓ backup written and verified');
  });

  it('j runs the selected job, p pauses it, and the result shows', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press(KEY.tab, 4);
    await c.press(KEY.down, 4);
    await c.press('j');
    await c.waitFor('backup ran: succeeded');
    await c.press('p');
    await c.waitFor(/backup\s.*paused/);
    expect(c.api.calls.filter((x) => x.method === 'runJob' || x.method === 'pauseJob').map((x) => [x.method, ...x.args])).toEqual([
      ['runJob', 'backup'],
      ['pauseJob', 'backup'],
    ]);
  });

  it('a acknowledges and s resolves the selected incident with a note', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press(KEY.tab, 5);
    await c.press('a');
    await c.waitFor('incident #105 acknowledged');
    await c.press('s');
    await c.waitFor('note:');
    await c.type('restored to a scratch db by hand');
    await c.press(KEY.enter);
    await c.waitFor('incident #105 resolved');
    expect(c.api.calls.find((x) => x.method === 'resolveIncident')?.args).toEqual([105, 'restored to a scratch db by hand']);
    // it stays in the list, marked resolved (after the open ones), and the counts no longer include it
    await c.waitFor(/✓resolved\s+Restore drill failed/);
    await c.press(KEY.tab); // focus elsewhere: the title shows the counts
    const after = await c.waitFor('resolved 24h 1');
    expect(after).toMatch(/Incidents .*P1 0 · P2 0 · P3 2 · P4 1 · resolved 24h 1/);
    await c.press(KEY.shiftTab);
    await c.press(KEY.down, 20); // the last row: a resolved one
    await c.press('a');
    await c.waitFor(/incident #\d+ is resolved; nothing to acknowledge/);
    expect(c.api.calls.filter((x) => x.method === 'ackIncident')).toHaveLength(1);
  });

  it('an action key on the wrong panel says where to go', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press('x');
    await c.waitFor('focus the Pipeline panel');
  });
});

describe('console colours', () => {
  it('NO_COLOR (mode none) writes no escape codes at all, even when chalk could colour', async () => {
    const level = chalk.level;
    chalk.level = 1;
    try {
      const plain = open({ colorMode: 'none' });
      await plain.waitFor('Incidents');
      await plain.press(KEY.tab);
      expect(plain.frame()).not.toMatch(ESC);
      plain.unmount();
      const coloured = open({ colorMode: '16' });
      const f = await coloured.waitFor('Incidents');
      expect(f).toMatch(ESC);
      // 16 colours: no 256-colour (38;5) or truecolour (38;2) codes
      expect(f).not.toMatch(new RegExp(`${ESC.source}38;[25];`));
    } finally {
      chalk.level = level;
    }
  });
});
