/**
 * The `?` help at the smallest supported terminal (80x24): every key's whole description can be read by
 * scrolling (wrapped under its own indent, never cut), the key column has one width, and no row runs
 * past 80 columns. (#17 item 10)
 */
import { describe, expect, it } from 'vitest';
import { consoleOpener, KEY, type RenderedConsole } from '../helpers/render.js';
import { KEYS } from '../../src/ui/keys.js';
import { PANEL_TITLES } from '../../src/ui/layout.js';

const PAGE_DOWN = '\x1b[6~';

const open = consoleOpener();

const columns = (line: string) => [...line].length;
const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The help panel's position note ("1-18/40") and its content rows (border and padding taken off). */
function helpPage(frame: string) {
  const lines = frame.split('\n');
  const top = lines.findIndex((l) => l.includes('Help — keys'));
  const bottom = lines.findIndex((l, i) => i > top && l.startsWith('╚'));
  const note = /(\d+)-(\d+)\/(\d+)/.exec(lines[top]!);
  const rows = lines.slice(top + 1, bottom).map((l) => {
    expect(l.startsWith('║ ') && l.endsWith(' ║'), `a help row inside the border: ${l}`).toBe(true);
    return l.slice(2, -2);
  });
  return { note: note ? { from: Number(note[1]), to: Number(note[2]), total: Number(note[3]) } : null, rows };
}

/** Page through the help with pgdn, every frame checked for width; the whole help, row by row. */
async function readAllHelp(c: RenderedConsole, width: number): Promise<string[]> {
  await c.press('?');
  let frame = await c.waitFor('Help — keys');
  const all: string[] = [];
  for (let pages = 0; pages < 20; pages++) {
    for (const line of frame.split('\n')) expect(columns(line), `a row wider than ${width}: ${line}`).toBeLessThanOrEqual(width);
    const { note, rows } = helpPage(frame);
    if (!note) return rows; // it all fits
    expect(note.to - note.from + 1).toBe(rows.length);
    rows.forEach((row, i) => (all[note.from - 1 + i] = row));
    if (note.to === note.total) {
      expect(all.filter((r) => r !== undefined)).toHaveLength(note.total); // no row skipped between pages
      return all;
    }
    await c.press(PAGE_DOWN);
    frame = await c.waitFor((f) => helpPage(f).note?.from !== note.from, 'the next page');
  }
  throw new Error('the help never reached its last row');
}

/** Rows grouped per key: a row starting with a character starts a key, indented rows continue it. */
function entries(rows: string[]) {
  const out: string[][] = [];
  for (const row of rows) {
    if (!row.trim()) break; // the blank row before the closing note
    if (!row.startsWith(' ')) out.push([row]);
    else out[out.length - 1]!.push(row);
  }
  return out;
}

describe('help at 80x24', () => {
  it('shows every key with its whole description across the scrolled pages, none wider than 80 columns', async () => {
    const c = open({ columns: 80, rows: 24 });
    await c.waitFor('Incidents');
    const rows = await readAllHelp(c, 80);
    const found = entries(rows);
    expect(found).toHaveLength(KEYS.length);
    // One key column: every description starts at the same column, and its continuation rows under it.
    const starts = KEYS.map((k, i) => {
      const first = found[i]![0]!;
      expect(first.startsWith(`${k.keys} `), `row starts with the key: ${first}`).toBe(true);
      return first.indexOf(k.what.split(' ')[0]!, k.keys.length);
    });
    expect(new Set(starts).size).toBe(1);
    const indent = starts[0]!;
    expect(indent).toBeGreaterThan(Math.max(...KEYS.map((k) => columns(k.keys))));
    KEYS.forEach((k, i) => {
      const [first, ...rest] = found[i]!;
      for (const row of rest) expect(/^ */.exec(row)![0].length, `continues under its indent: ${row}`).toBe(indent);
      const text = squeeze([first!.slice(indent), ...rest].join(' '));
      expect(text).toBe(squeeze(`${k.what}${k.panel ? ` [${PANEL_TITLES[k.panel]}]` : ''}`));
    });
    expect(squeeze(rows.slice(rows.findIndex((r) => !r.trim())).join(' '))).toContain('Destructive ones ask first; all are audited with your name.');
    expect(rows.join('\n')).not.toContain('…');
  });

  it('scrolls by screen rows with ↓ ↑ and j k, shows the rows in the border, esc closes', async () => {
    const c = open({ columns: 80, rows: 24 });
    await c.waitFor('Incidents');
    await c.press('?');
    const first = helpPage(await c.waitFor('Help — keys')).note!;
    expect(first.from).toBe(1);
    const rows = first.to;
    await c.press(KEY.down);
    await c.waitFor(`2-${rows + 1}/${first.total}`);
    await c.press('j', 2);
    await c.waitFor(`4-${rows + 3}/${first.total}`);
    await c.press('k');
    await c.waitFor(`3-${rows + 2}/${first.total}`);
    await c.press(KEY.up, 5); // stops at the top
    await c.waitFor(`1-${rows}/${first.total}`);
    await c.press(KEY.escape);
    await c.waitFor((f) => !f.includes('Help — keys') && f.includes('Incidents'), 'help closed');
  });

  it('read-only: the refusal note of action keys wraps whole too', async () => {
    const c = open({ columns: 80, rows: 24, readOnly: true });
    await c.waitFor('Incidents');
    const found = entries(await readAllHelp(c, 80));
    KEYS.forEach((k, i) => {
      const text = squeeze(found[i]!.join(' '));
      if (k.action) expect(text.endsWith('(read-only: refused)'), text).toBe(true);
      else expect(text).not.toContain('read-only');
    });
  });
});

describe('help at larger sizes', () => {
  it.each([
    [100, 30],
    [160, 48],
  ])('at %ix%i every description is whole and no row is wider than the terminal', async (width, height) => {
    const c = open({ columns: width, rows: height });
    await c.waitFor('Incidents');
    const found = entries(await readAllHelp(c, width));
    expect(found).toHaveLength(KEYS.length);
    KEYS.forEach((k, i) => expect(squeeze(found[i]!.join(' '))).toContain(squeeze(`${k.keys} ${k.what}`)));
  });
});

describe('details at 80 columns', () => {
  it('wrap keeps the spacing of aligned columns and drops only the spaces where a row breaks', async () => {
    const { wrap } = await import('../../src/ui/drill-down.js');
    expect(wrap('12-07 03:15:50  succeeded    1.8s  schedule', 80)).toEqual(['12-07 03:15:50  succeeded    1.8s  schedule']);
    expect(wrap('  key     value one two', 16)).toEqual(['  key     value', 'one two']);
    expect(wrap('a    b', 3)).toEqual(['a', 'b']);
  });

  it('job history and the incident header fit 80 columns, columns aligned under their heads, no row cut', async () => {
    const c = open({ columns: 80, rows: 24 });
    await c.waitFor('Incidents');
    await c.press('5');
    await c.press(KEY.enter);
    let f = await c.waitFor('Job history');
    const lines = f.split('\n');
    const head = lines.find((l) => l.includes('scheduled for'))!;
    expect(head).toContain('error / summary'); // the heads on one row
    const runs = lines.filter((l) => /║ \d\d-\d\d \d\d:\d\d:\d\d /.test(l));
    expect(runs.length).toBeGreaterThan(3);
    for (const col of ['status', 'took', 'trigger', 'by']) {
      const at = head.indexOf(col === 'took' ? ' took' : col) + (col === 'took' ? 1 : 0);
      for (const run of runs) expect(run[at - 1], `${col} aligned in ${run}`).toBe(' ');
    }
    for (const line of lines) expect(columns(line)).toBeLessThanOrEqual(80);
    expect(lines.filter((l) => l.startsWith('║')).join('\n')).not.toContain('…');
    await c.press(KEY.escape);
    // closed before the next key: an escape and a 6 read together are alt-6, not two keys
    await c.waitFor((fr) => !fr.includes('Job history'), 'the history closed');
    await c.press('6');
    await c.press(KEY.enter);
    f = await c.waitFor('Incident #');
    const status = f.split('\n').find((l) => l.includes('status '))!;
    expect(status).toMatch(/seen \d+×/); // the whole header on one row
  });

  it('the footer shows the help keys while the help is open', async () => {
    const c = open({ columns: 80, rows: 24 });
    await c.waitFor('Incidents');
    await c.press('?');
    const f = await c.waitFor('Help — keys');
    const footer = f.split('\n').filter(Boolean).at(-1)!;
    expect(footer).toContain('↑↓ scroll');
    expect(footer).toContain('esc close');
    expect(footer).not.toContain('tab focus');
  });
});
