/**
 * A panel the layout gives a single row draws one row. In the wide layout at its smallest (120x30) the
 * Jobs panel gets its minimum, one row, when the incidents and the stuck ideas beside it want many: with
 * three jobs, ListRows drew the first job and its "… 2 more below" line into that one row, the line over
 * the job's name (`… 2 more below       succeeded 4s ago 1.8s`), so the panel showed no job at all.
 */
import { describe, expect, it } from 'vitest';
import { consoleOpener, KEY, panelRows, TEST_NOW } from '../helpers/render.js';
import { createDemoApi } from '../helpers/demo-api.js';
import { createManualClock } from '../../src/core/clock.js';

const open = consoleOpener();

/** The demo with three jobs, none failed, beside thirty incidents and thirty stuck ideas. */
function crowded() {
  const demo = createDemoApi({ clock: createManualClock(TEST_NOW) });
  return {
    ...demo,
    snapshot: async () => {
      const s = await demo.snapshot();
      const job = { ...s.jobs.find((j) => j.lastStatus === 'succeeded')!, lastError: null, running: false, paused: false };
      return {
        ...s,
        jobs: ['job-alpha', 'job-beta', 'job-gamma'].map((name) => ({ ...job, name })),
        incidents: Array.from({ length: 30 }, (_, i) => ({ ...s.incidents[0]!, id: 100 + i, title: `incident ${i}` })),
        pipeline: { ...s.pipeline, stuck: Array.from({ length: 30 }, (_, i) => ({ ...s.pipeline.stuck[0]!, id: `stuck-${i}`, title: `stuck idea ${i}` })) },
      };
    },
  };
}

/** The Jobs panel's lines (borders included) in the right half of a 120-column frame. */
const jobsPanel = (frame: string) => panelRows(frame, 'Jobs', 60);

describe('a panel of one row', () => {
  it('shows one job whole in its one row, no "more" line over it; focused, the selection moves through all three', async () => {
    const c = open({ api: crowded(), columns: 120, rows: 30 });
    const f = await c.waitFor('incident 0');
    expect(f.split('\n')).toHaveLength(29);
    const panel = jobsPanel(f);
    expect(panel, f).toHaveLength(3); // the layout's minimum: borders and one row
    expect(panel[1]).toMatch(/^│\s+job-alpha\s+succeeded\s+\S+ ago/);
    expect(panel[1]).not.toContain('more');

    await c.press('5');
    for (const [presses, name, note] of [[0, 'job-alpha', '1/3'], [1, 'job-beta', '2/3'], [1, 'job-gamma', '3/3']] as const) {
      await c.press(KEY.down, presses);
      const focused = jobsPanel(await c.waitFor(new RegExp(`›${name}`)));
      expect(focused).toHaveLength(3);
      expect(focused[0]).toContain(` ${note} `);
      expect(focused[1]).toMatch(new RegExp(`^║\\s*›${name}\\s+succeeded`));
    }
  });

  it('with two rows, one job and the "more" line, still within the panel', async () => {
    // 120x31: the right column has a row more, and the Jobs panel gets it
    const c = open({ api: crowded(), columns: 120, rows: 31 });
    const panel = jobsPanel(await c.waitFor('incident 0'));
    expect(panel).toHaveLength(4);
    expect(panel[1]).toMatch(/^│\s+job-alpha\s+succeeded/);
    expect(panel[2]).toMatch(/^│\s+… 2 more below\s+│$/);
  });
});
