/**
 * The CLI's tables line up in terminal columns, and its cuts keep whole characters, with titles a user
 * may well type: CJK (two columns a character), emoji (two columns, two UTF-16 units), an invisible mark
 * (printed as the six columns of `\u200f`). Counted in UTF-16 units, as they were, every column after such
 * a title started early or late, and a cut could end in half an emoji. Each printed row is measured with
 * string-width, as a terminal lays it out.
 */
import { randomUUID } from 'node:crypto';
import stringWidth from 'string-width';
import { expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT, runCli } from '../helpers/cli.js';
import { describeCliEachEngine } from '../helpers/db.js';

/** Half a surrogate pair (what a cut in the middle of an emoji leaves), or the U+FFFD a decoder makes of one. */
const BROKEN = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\uFFFD/;

/** The terminal column where each cell of a row starts (cells are separated by two spaces or more). */
function cellStarts(row: string): number[] {
  return [...row.matchAll(/\S+(?: \S+)*/g)].map((m) => stringWidth(row.slice(0, m.index)));
}

/**
 * The rows of a table (header first), checked: each of its left-aligned columns (all but the indexes in
 * `right`) starts at the same terminal column on every row as in the header.
 */
function expectAligned(output: string, right: number[] = []): string[] {
  const [header, ...rows] = output.trimEnd().split('\n');
  const left = (starts: number[]) => starts.filter((_, i) => !right.includes(i));
  const starts = left(cellStarts(header!));
  for (const row of rows) {
    const got = left(cellStarts(row));
    expect(got.length, row).toBeGreaterThan(1);
    expect(got, `${header}\n${row}`).toEqual(starts.slice(0, got.length));
  }
  return rows;
}

describeCliEachEngine('CLI tables in terminal columns', (t) => {
  const run = (args: string[]) => runCli(args, { env: { ...t.env, STUDIO_OPERATOR: 'widths' }, cwd: t.home });

  it('studio list: every column after a CJK, emoji or invisible-mark title starts at the same terminal column; long titles are cut to 48 columns, whole characters', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const titles = [
      '李小龍の店 tea house',
      '🚀 rockets for the backyard',
      'Plain ASCII title for comparison',
      'Right\u200fto left mark in a title',
      // 60 columns of CJK, and an emoji run that a cut by UTF-16 units splits (odd start)
      '漢字'.repeat(15),
      `x${'🚀'.repeat(30)}`,
    ];
    for (const title of titles) {
      await t.db.query('insert into ideas (id, title, description, created_by) values ($1, $2, $3, $4)', [randomUUID(), title, 'A description that is long enough', 'widths']);
    }
    const list = await run(['list']);
    expect(list.code, list.stderr).toBe(0);
    const rows = expectAligned(list.stdout);
    expect(rows).toHaveLength(titles.length);
    expect(list.stdout).not.toMatch(BROKEN);
    expect(list.stdout).toContain('Right\\u200fto left mark in a title');
    const title = (row: string) => row.slice(10, row.search(/ {2,}IDEATE/));
    const cuts = rows.map(title).filter((x) => x.endsWith('…'));
    expect(cuts).toHaveLength(2);
    for (const cut of cuts) expect(stringWidth(cut)).toBeLessThanOrEqual(48);
    expect(cuts).toContain(`${'漢字'.repeat(11)}漢…`);
    expect(cuts).toContain(`x${'🚀'.repeat(23)}…`);
  });

  it('studio incidents list and jobs history: a wide title or operator does not push the next column; cuts keep whole emoji', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const long = `x${'🚀'.repeat(60)}`;
    await t.db.query("insert into incidents (dedup_key, source, kind, severity, level, title) values ('w1', 'test', 'test.kind', 'P3', 'WARNING', $1), ('w2', 'test', 'test.kind', 'P3', 'WARNING', 'ASCII incident')", [long]);
    const incidents = await run(['incidents', 'list']);
    expect(incidents.code, incidents.stderr).toBe(0);
    expectAligned(incidents.stdout, [0, 4]);
    expect(incidents.stdout).not.toMatch(BROKEN);
    const cut = incidents.stdout.split('\n').find((row) => row.includes('🚀'))!;
    expect(cut.slice(cut.indexOf('x🚀'))).toBe(`x${'🚀'.repeat(44)}…`);

    await t.db.query(
      `insert into job_runs (job, scheduled_for, status, manual, operator, claimed_at, attempt, max_attempts, duration_ms, host, pid, error)
       values ('maintenance.vacuum', now() - interval '2 minutes', 'failed', true, '李小龍', now() - interval '2 minutes', 1, 1, 1200, 'node1', 41, $1),
              ('maintenance.vacuum', now() - interval '1 minute', 'failed', true, 'ops', now() - interval '1 minute', 1, 1, 1200, 'node1', 42, 'plain error')`,
      [`${'錯誤'.repeat(50)}`],
    );
    const history = await run(['jobs', 'history']);
    expect(history.code, history.stderr).toBe(0);
    const rows = expectAligned(history.stdout);
    const error = rows.find((row) => row.includes('錯誤'))!;
    expect(stringWidth(error.slice(error.indexOf('錯誤')))).toBeLessThanOrEqual(80);
  });
});
