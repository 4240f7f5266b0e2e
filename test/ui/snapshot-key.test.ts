/**
 * The snapshot's content key decides whether a refresh draws a frame: two reads that differ only in what
 * the screen does not show must have equal keys, and a change the screen shows must not.
 */
import { describe, expect, it } from 'vitest';
import { createDemoApi } from '../helpers/demo-api.js';
import { createManualClock } from '../../src/core/clock.js';
import { snapshotContentKey } from '../../src/ui/hooks/use-snapshot.js';
import type { ConsoleSnapshot } from '../../src/core/console-api.js';
import { TEST_NOW } from '../helpers/render.js';

const DAY = 86_400_000;

async function withCapIn(msFromRead: number[]): Promise<string[]> {
  const demo = createDemoApi({ clock: createManualClock(TEST_NOW), seed: 7, stepDelayMs: 0 });
  const base: ConsoleSnapshot = await demo.snapshot();
  return msFromRead.map((ms) => {
    const s = structuredClone(base);
    s.budget.projectedCapAt = new Date(s.takenAt.getTime() + ms);
    return snapshotContentKey(s);
  });
}

describe('snapshotContentKey', () => {
  it('a projected cap time that drifts by milliseconds between reads (spend over a moving window) is the same screen', async () => {
    const [a, b, c] = await withCapIn([258 * DAY + 7 * 3_600_000 + 1_039, 258 * DAY + 7 * 3_600_000 + 248, 258 * DAY + 7 * 3_600_000 + 150]);
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('a projected cap time whose shown figure changes is a new screen', async () => {
    const [a, b] = await withCapIn([2 * DAY + 3_600_000, 2 * DAY + 2 * 3_600_000]);
    expect(b).not.toBe(a);
  });
});
