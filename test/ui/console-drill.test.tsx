/**
 * Act where you look (#17): the drill-down from a stage's count in the Pipeline panel (item 8) — the
 * stage's ideas with status, time in stage and reason, reset / advance from there through the same
 * dialogs and api calls as from the parked and stuck list — and a footer that fits 80 columns whole.
 */
import { describe, expect, it } from 'vitest';
import { consoleOpener, KEY } from '../helpers/render.js';
import type { DemoApi } from '../helpers/demo-api.js';
import type { ConsoleApi } from '../../src/core/console-api.js';
import { fitFooter, footerKeys } from '../../src/ui/components/Footer.js';
import { createDemoApi } from '../helpers/demo-api.js';

const open = consoleOpener();

const calls = (api: ConsoleApi, method: string) => (api as DemoApi).calls.filter((c) => c.method === method);

/** Focus the Pipeline panel, go to its top (the first stage count) and along the counts onto `stage`. */
async function selectStage(c: ReturnType<typeof open>, stage: string) {
  await c.waitFor('Pipeline');
  await c.press('4');
  await c.waitFor('═ Pipeline ');
  await c.press('\x1b[H'); // home
  for (let i = 0; i < 8; i++) {
    if (c.frame().includes(`›${stage} `)) return;
    await c.press(KEY.down);
  }
  throw new Error(`${stage} was never selected:\n${c.frame()}`);
}

describe('drill-down from a stage', () => {
  it("enter on a stage's count lists its ideas with status, time in stage and reason; x resets the selected one", async () => {
    const c = open();
    await selectStage(c, 'DECK');
    expect(c.frame()).toContain('enter lists its ideas');
    await c.press(KEY.enter);
    const list = await c.waitFor('Stage DECK — its ideas');
    expect(calls(c.api, 'stageIdeas')[0]?.args[0]).toBe('DECK');
    // the parked one first, with its reason and time in the stage; the footer shows the list's keys
    expect(list).toMatch(/›PARKED\s+BUILDING\s+9h 40m \S.* quality gate failed 3 times: slide 6 empty/);
    expect(list.split('\n').at(-1)).toMatch(/^x reset {2}n advance {2}(enter|⏎) detail/);
    const parkedId = (await c.api.stageIdeas('DECK')).ideas[0]!.id;

    await c.press('x');
    await c.waitFor('estimated cost');
    await c.press('y');
    await c.waitFor(/✓ .*reset to DECK/);
    expect(calls(c.api, 'resetIdea').at(-1)?.args).toEqual([parkedId, 'DECK']);
  });

  it("a stage's idea titles use the width there is: whole at 160 columns, wider than 28 at 100, 28 at 80 beside a reason, the rest of the row without one", async () => {
    const long = 'Carbon accounting for small logistics fleets with a phone app';
    const demo = createDemoApi();
    const api = { ...demo, stageIdeas: async (...args: Parameters<DemoApi['stageIdeas']>) => {
      const view = await demo.stageIdeas(...args);
      return { ...view, ideas: view.ideas.map((idea, i) => (i === 0 ? { ...idea, title: long } : i === 1 ? { ...idea, title: `${long} (2)`, reason: '' } : idea)) };
    } };
    for (const [columns, rows, shown, cut] of [[160, 48, long, null], [100, 30, long.slice(0, 32), long], [80, 24, long.slice(0, 27), long.slice(0, 29)]] as const) {
      const c = open({ api, columns, rows });
      await selectStage(c, 'DECK');
      await c.press(KEY.enter);
      const list = await c.waitFor('Stage DECK — its ideas');
      const row = list.split('\n').find((l) => l.includes('›PARKED'))!;
      expect(row, `${columns} columns`).toContain(shown);
      expect(row).toMatch(/9h 40m .* quality gate/); // the reason still shows beside it
      if (cut) expect(row).not.toContain(cut);
      // a row without a reason gives its title the rest of the row: 46 columns at 80, not 28
      const bare = list.split('\n').find((l) => l.includes(long.slice(0, 20)) && !l.includes('›PARKED'))!;
      expect(bare, `${columns} columns`).toContain(columns === 80 ? long.slice(0, 45) : `${long} (2)`);
      c.unmount();
    }
  });

  it('n on the second idea of the list moves that one on (confirmed); enter shows its detail', async () => {
    const c = open();
    await selectStage(c, 'DECK');
    await c.press(KEY.enter);
    await c.waitFor('Stage DECK — its ideas');
    const second = (await c.api.stageIdeas('DECK')).ideas[1]!;
    await c.press(KEY.down);
    await c.press(KEY.enter);
    await c.waitFor(`Idea — ${second.title}`);
    expect(calls(c.api, 'ideaDetail').at(-1)?.args[0]).toBe(second.id);
    await c.press(KEY.escape);

    await selectStage(c, 'DECK');
    await c.press(KEY.enter);
    await c.waitFor('Stage DECK — its ideas');
    await c.press(KEY.down);
    await c.press('n');
    await c.waitFor(`Advance ${second.title}`);
    expect(c.frame()).toContain('DECK → INVESTORS');
    await c.press(KEY.enter); // enter means No
    await c.waitFor(`Advance ${second.title}: cancelled`);
    expect(calls(c.api, 'advanceIdea')).toHaveLength(0);
  });

  it('the Pipeline list starts on its first idea; x on a stage count says to pick an idea', async () => {
    const c = open();
    await c.waitFor('Pipeline');
    await c.press('4');
    await c.waitFor(/›PARKED|›STUCK|›WAIT/); // the first idea, not a stage count
    await selectStage(c, 'DONE');
    await c.press('x');
    await c.waitFor(/select an idea below the stage counts/);
    expect(calls(c.api, 'previewReset')).toHaveLength(0);
  });

  it('read-only: the list shows, x from it is refused with the read-only message', async () => {
    const c = open({ readOnly: true });
    await selectStage(c, 'DECK');
    await c.press(KEY.enter);
    await c.waitFor('Stage DECK — its ideas');
    await c.press('x');
    await c.waitFor(/read-only/);
    expect(calls(c.api, 'resetIdea')).toHaveLength(0);
  });

  it('read-only at 80x24: the refusal wraps onto a second row above the footer, whole (it was cut after "reset Invo…")', async () => {
    const c = open({ readOnly: true, columns: 80, rows: 24 });
    await c.waitFor('Pipeline');
    await c.press('4');
    await c.waitFor('═ Pipeline ');
    await c.press('x');
    const frame = await c.waitFor(/read-only console/);
    const rows = frame.split('\n');
    expect(rows).toHaveLength(23); // one row short of the terminal, as always
    expect(rows.at(-1)).toMatch(/^x reset {2}n advance/);
    const message = rows.slice(-3, -1).join(' ');
    expect(message).toMatch(/^✗ read-only console: .*reset .* not done$/);
    expect(message).not.toContain('…');
  });
});

describe('the Pipeline panel\'s counts fit their width', () => {
  it('every stage count and every flow figure shows whole at 80, 100, 120 and 160 columns (they wrap at their separators); a count selected on the second row shows', async () => {
    for (const [columns, rows] of [
      [80, 24],
      [100, 30],
      [120, 36],
      [160, 48],
    ] as const) {
      const c = open({ columns, rows });
      await c.waitFor('Pipeline');
      await c.press('4');
      const frame = await c.waitFor(/Pipeline/);
      const s = (await c.api.snapshot()).pipeline;
      // the panel's own text: at 120+ the right half of each row, at 80-100 the focused panel
      const text = frame.replace(/[│║]/g, ' ').replace(/\s+/g, ' ');
      for (const stage of s.stages) expect(text, `${columns}x${rows} ${stage.stage}`).toMatch(new RegExp(`${stage.stage === 'INVESTORS' ? 'INVEST' : stage.stage === 'SMOKE_TEST' ? 'SMOKE' : stage.stage === 'COMPLETE' ? 'DONE' : stage.stage} \\d+`));
      expect(text, `${columns}x${rows}`).toMatch(/waiting on budget \d+ /);
      expect(text, `${columns}x${rows}`).toMatch(/parked \d+ /);
      expect(text, `${columns}x${rows}`).toMatch(/done 24h \d+ /);
      c.unmount();
    }
    const c = open({ columns: 120, rows: 36 });
    await selectStage(c, 'DONE');
    expect(c.frame()).toMatch(/›DONE \d+/);
  });
});

describe('footer at 80 columns', () => {
  /** The footer: the frame's last line. */
  const footer = (frame: string) => frame.split('\n').at(-1)!;

  it("a dialog's footer shows the dialog's keys, not the panel's behind it (x reset while typing a reason)", async () => {
    const c = open({ columns: 80, rows: 24 });
    await c.waitFor('Pipeline');
    await c.press('4');
    await c.waitFor('═ Pipeline ');
    await c.press('x');
    await c.waitFor('Reset stuck idea');
    expect(footer(c.frame())).toMatch(/^←→ stage {2}y confirm {2}n\/enter\/esc cancel( {2}· read \d+ ms)?$/);
    await c.press(KEY.escape);
    await c.waitFor((f) => !f.includes('Reset stuck idea'));
    await c.press('P');
    await c.waitFor('Pause all campaigns');
    expect(footer(c.frame())).toMatch(/^enter submit {2}esc cancel( {2}· read \d+ ms)?$/);
    await c.press(KEY.escape);
    await c.waitFor((f) => !f.includes('reason:'));
    await c.press('5');
    await c.waitFor('═ Jobs ');
    await c.press('/');
    await c.type('restore');
    await c.press(KEY.enter);
    await c.press(KEY.escape);
    expect(footer(c.frame())).toMatch(/^j run {2}p pause/);
  });

  it("shows every panel's action keys, ? help and q quit whole, never cut", async () => {
    const c = open({ columns: 80, rows: 24 });
    await c.waitFor('Budget');
    const want: Record<string, string[]> = { '1': [], '2': [], '3': [], '4': ['x reset', 'n advance'], '5': ['j run', 'p pause'], '6': ['a ack', 's resolve'], '7': ['f follow', 'l level'] };
    for (const [key, own] of Object.entries(want)) {
      await c.press(key);
      const line = footer(c.frame());
      for (const label of [...own, 'tab focus', '? help', 'q quit']) expect(line, `panel ${key}: ${line}`).toContain(label);
      expect(line.length, line).toBeLessThanOrEqual(80);
      expect(line).not.toContain('…');
    }
    // a detail's and a stage list's own keys fit too
    await c.press('4');
    await c.press(KEY.enter);
    await c.waitFor('Idea —');
    expect(footer(c.frame())).toMatch(/^x reset {2}n advance {2}↑↓ scroll {2}c copy {2}esc close/);
  });

  it('with an emergency shutdown (R resume first) every panel still fits 80 columns, dropping whole keys, never ? help or q quit', () => {
    for (const panel of ['budget', 'pipeline', 'jobs', 'incidents', 'logs'] as const) {
      const { labels } = fitFooter(footerKeys(panel, true), 80, '  · read 3 ms');
      const line = labels.join('  ');
      expect(line.length, line).toBeLessThanOrEqual(80);
      expect(labels.slice(0, 1)).toEqual(['R resume']);
      expect(labels).toEqual(expect.arrayContaining(['tab focus', '? help', 'q quit']));
    }
    // wide enough: nothing changes, the read time shows
    expect(fitFooter(footerKeys('jobs'), 160, '  · read 3 ms')).toEqual({ labels: footerKeys('jobs'), read: true });
  });
});
