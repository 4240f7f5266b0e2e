/**
 * #17 items 8, 9, 11: parked and budget-waiting ideas listed and acted on from the Pipeline panel; the
 * log tail's level filter, freeze/follow and structured fields; "processing" counts only held ideas.
 */
import { describe, expect, it } from 'vitest';
import { consoleOpener, KEY } from '../helpers/render.js';
import { createManualClock } from '../../src/core/clock.js';
import { TEST_NOW } from '../helpers/render.js';

const open = consoleOpener();

describe('parked and waiting ideas (#17 item 8)', () => {
  it('lists stuck, parked and budget-waiting ideas with their kind; processing and queued apart', async () => {
    const c = open();
    const f = await c.waitFor('Incidents');
    expect(f).toMatch(/PARKED\s+Invoice factoring for freelancers\s+DECK/);
    expect(f).toMatch(/STUCK\s+\S.*RESEARCH/);
    expect(f).toMatch(/WAIT\$\s+\S.*INVEST/);
    expect(f).toMatch(/processing \d+ · queued \d+ · stuck 1 · waiting on budget 1 · parked 1/);
  });

  it('n advances the selected parked idea after a confirmation where enter means No', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press('4');
    await c.press('n');
    const f = await c.waitFor('Move it to INVESTORS?');
    expect(f).toContain('DECK → INVESTORS');
    expect(f).toContain('quality gate failed 3 times');
    await c.press(KEY.enter); // the default, No
    await c.waitFor('cancelled');
    expect(c.api.calls.some((x) => x.method === 'advanceIdea')).toBe(false);
    await c.press('n');
    await c.waitFor('Move it to INVESTORS?');
    await c.press('y');
    await c.waitFor('moved to INVESTORS');
    expect(c.api.calls.find((x) => x.method === 'advanceIdea')?.args).toEqual(['idea-1b4e', 'INVESTORS']);
    await c.waitFor((fr) => !/PARKED\s+Invoice factoring/.test(fr), 'the idea no longer listed');
  });

  it('x resets a budget-waiting idea from the same list, and the idea detail says why it is listed', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press('4');
    await c.press(KEY.down, 2); // the waiting one (shortest held of the three)
    await c.press(KEY.enter);
    const f = await c.waitFor('n moves it on');
    expect(f).toMatch(/waiting\s+\d+h \d+m in INVESTORS: waiting on budget/);
    await c.press('x');
    await c.waitFor('estimated cost');
    await c.press('y');
    await c.waitFor(/reset to [A-Z]+/);
    expect(c.api.calls.find((x) => x.method === 'resetIdea')?.args?.[1]).toBe('INVESTORS'); // its own stage, the default
  });

  it('a read-only console refuses n', async () => {
    const c = open({ readOnly: true });
    await c.waitFor('Incidents');
    await c.press('4');
    await c.press('n');
    await c.waitFor(/read-only/i);
    expect(c.frame()).not.toContain('Move it to');
  });
});

describe('log tail (#17 item 9)', () => {
  it('l cycles the level filter: WARNING+ hides INFO lines, ERROR+ hides warnings', async () => {
    const c = open();
    await c.waitFor('Incidents');
    await c.press('7');
    await c.press('l');
    let f = await c.waitFor('WARNING+');
    const logRows = (frame: string) => frame.split('\n').filter((l) => /\d\d:\d\d:\d\d (INFO|DEBUG|WARNING|ERROR|CRITICAL)\b/.test(l));
    expect(logRows(f).length).toBeGreaterThan(0);
    for (const row of logRows(f)) expect(row).not.toMatch(/\d\d:\d\d:\d\d (INFO|DEBUG)\b/);
    await c.press('l');
    f = await c.waitFor('ERROR+');
    for (const row of logRows(f)) expect(row).toMatch(/\d\d:\d\d:\d\d (ERROR|CRITICAL)\b/);
    await c.press('l');
    await c.waitFor((fr) => !fr.includes('ERROR+') && /\d\d:\d\d:\d\d INFO/.test(fr), 'all levels again');
  });

  it('scrolling up freezes the tail: new lines do not move the selection; f follows again', async () => {
    const clock = createManualClock(TEST_NOW);
    const c = open({ clock });
    await c.waitFor('Incidents');
    await c.press('7');
    await c.press(KEY.up, 3);
    await c.press(KEY.enter);
    const detail = await c.waitFor('Log line —');
    const title = /Log line — [^\n│]*/.exec(detail)![0].trim();
    await c.press(KEY.escape);
    await c.waitFor(/FROZEN/);
    // the world moves on by ten minutes: new lines arrive
    clock.advance(600_000);
    await c.press('r');
    await c.waitFor(/FROZEN \+\d+ new/);
    await c.press(KEY.enter);
    expect((await c.waitFor('Log line —')).includes(title)).toBe(true);
    await c.press(KEY.escape);
    // the detail is closed before f is typed: an escape and an f read together are alt-f, not two keys
    await c.waitFor((fr) => !fr.includes('Log line —'), 'the detail closed');
    await c.press('f');
    await c.waitFor((fr) => !fr.includes('FROZEN'), 'following again');
  });

  it('a log line detail lists its structured fields', async () => {
    const clock = createManualClock(TEST_NOW);
    const c = open({ clock });
    await c.waitFor('Incidents');
    clock.advance(3_600_000); // ideas move on: pipeline lines with idea, stage, attempt
    await c.press('r');
    await c.press('7');
    await c.press('/');
    await c.type('→');
    await c.press(KEY.enter);
    await c.press(KEY.enter);
    const f = await c.waitFor('fields:');
    expect(f).toMatch(/idea\s+idea-/);
    expect(f).toMatch(/stage\s+[A-Z_]+/);
    expect(f).toMatch(/attempt\s+1/);
  });
});
