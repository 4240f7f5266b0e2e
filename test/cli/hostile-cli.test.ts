/**
 * Issue 14: input crafted as an attacker would, through the built CLI on both engines. Each test names the
 * item it keeps fixed.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseJson, runCli } from '../helpers/cli.js';
import { describeCliEachEngine } from '../helpers/db.js';

// what a terminal would obey: C0 (bar tab and newline), DEL, C1, bidi overrides and isolates
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

describeCliEachEngine('hostile input through the CLI', (t) => {
  const run = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) =>
    runCli(args, { env: { ...t.env, STUDIO_OPERATOR: 'mallory', ...options.env }, input: options.input, cwd: t.home, timeoutMs: 60_000 });

  it('item 1: an ESC written as an entity is refused after decoding, and nothing is stored', { timeout: 180_000 }, async () => {
    const r = await run(['create', '--title', 'x &#27;[2J&#27;[31mRED&#27;[0m ok title', '--description', 'a description that is long enough']);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/title contains a control character, ESC \(U\+001B\)/);
    expect(r.stdout + r.stderr).not.toMatch(RAW_CONTROL);
    const c1 = await run(['create', '--title', 'one byte \u009b2J CSI in a title', '--description', 'a description that is long enough']);
    expect(c1.code).toBe(1);
    expect(c1.stderr).toMatch(/CSI \(U\+009B\)/);
    const evidence = await run(['create', '--title', 'A title that is fine', '--description', 'a description that is long enough', '--evidence', 'https://e.com/\x1b]8;;http://evil\x07x']);
    expect(evidence.code).toBe(1);
    expect(evidence.stdout + evidence.stderr).toContain('\\x1b]8;;http://evil\\x07');
    expect(evidence.stdout + evidence.stderr).not.toMatch(RAW_CONTROL);
    const unknown = await run(['list', '--\x1b[2Jevil']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('\\x1b[2J');
    expect(unknown.stderr).not.toMatch(RAW_CONTROL);
    const stored = parseJson<Array<{ title: string }>>(await run(['list', '--json']));
    expect(stored.filter((i) => /RED|CSI in a title|A title that is fine/.test(i.title))).toEqual([]);
  });

  it('item 1: text already stored with controls is printed with them visible; --json keeps it exact', { timeout: 180_000 }, async () => {
    const id = randomUUID();
    const title = 'Legacy \x1b[2J\x1b[31mred\u009b31m \u202egnp.exe title';
    await t.db.query('insert into ideas (id, title, description, created_by) values ($1, $2, $3, $4)', [id, title, 'A description\nwith \x1b]0;pwned\x07 an OSC', 'old \x1b[8m']);
    const list = await run(['list']);
    expect(list.code).toBe(0);
    // list cuts a title to 48 columns as printed, the escapes' columns counted; show prints it whole
    expect(list.stdout).toContain('Legacy \\x1b[2J\\x1b[31mred\\x9b31m \\u202egnp.exe …');
    expect(list.stdout).not.toMatch(RAW_CONTROL);
    const show = await run(['show', '--id', id]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('Legacy \\x1b[2J\\x1b[31mred\\x9b31m \\u202egnp.exe title');
    expect(show.stdout).toContain('\\x1b]0;pwned\\x07');
    expect(show.stdout).not.toMatch(RAW_CONTROL);
    const json = await run(['show', '--id', id, '--json']);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect(parseJson<{ title: string }>(json).title).toBe(title);
  });

  it('items 5 and 9: limits count the operator, are checked before embedding; a refused reset writes no archive', { timeout: 240_000 }, async () => {
    const idea = (i: number, creator: string) => JSON.stringify({ title: `Quota check idea number ${i} about ${['kites', 'boats', 'lamps', 'chairs', 'clocks'][i]}`, description: `A different description ${i} of ${['kites', 'boats', 'lamps', 'chairs', 'clocks'][i]} for people`, created_by: creator });
    const limited = { INTAKE_PER_HOUR: '3', INTAKE_PER_SUBMISSION: '5' };
    // five ideas claiming five creators: the operator's quota (3 an hour) still applies
    const five = await run(['create', '--file', '-', '--force', '--json'], { input: [0, 1, 2, 3, 4].map((i) => idea(i, `creator-${i}`)).join('\n'), env: limited });
    expect(five.code).toBe(1);
    const outcomes = parseJson<{ ideas: Array<{ status: string; problems: string[] }> }>(five).ideas;
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'created', 'created', 'limited', 'limited']);
    expect(outcomes[3]!.problems[0]).toMatch(/intake limit: mallory submitted 3 ideas in the last hour \(limit 3\)/);
    // only the three stored ideas were embedded (paid)
    const embedded = await t.db.query<{ ideas: string }>("select metadata->>'ideas' as ideas from spend_ledger where operation = 'intake.embed'");
    expect(embedded.rows.map((r) => Number(r.ideas))).toEqual([3]);
    // a submission over INTAKE_PER_SUBMISSION is refused whole, before any work
    const six = await run(['create', '--file', '-'], { input: [0, 1, 2, 3, 4, 0].map((i) => idea(i, 'x')).join('\n'), env: { ...limited, STUDIO_OPERATOR: 'trent' } });
    expect(six.code).toBe(1);
    expect(six.stderr).toMatch(/6 ideas in one submission; at most 5 are taken \(INTAKE_PER_SUBMISSION\)/);
    expect(parseJson<Array<{ title: string }>>(await run(['list', '--json'])).filter((i) => i.title.startsWith('Quota check'))).toHaveLength(3);

    // item 9: a reset with --confirm but no valid --reason exits 1 and writes nothing
    const archives = join(t.home, 'archives');
    const reset = await run(['budget', 'reset', '--confirm', '--reason', ' ']);
    expect(reset.code).toBe(1);
    expect(reset.stderr).toMatch(/give a --reason/);
    expect(existsSync(archives) ? readdirSync(archives) : []).toEqual([]);
  });

  it('items 6, 7 and 8: a key replayed with other data, --out, and unbounded maintenance windows are refused', { timeout: 240_000 }, async () => {
    const record = (amount: string, category = 'infrastructure') => run(['budget', 'record', '--category', category, '--amount', amount, '--service', 'hosting', '--operation', 'invoice', '--idempotency-key', 'inv-42']);
    expect((await record('1.00')).code).toBe(0);
    expect((await record('1.00')).stdout).toMatch(/already recorded \(inv-42\); nothing charged again/);
    const other = await record('2.00', 'external_apis');
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/the idempotency key "inv-42" already recorded \$1\.00 to infrastructure \(hosting invoice\) at .*; this request differs \(amount \$2\.00 instead of \$1\.00; category external_apis instead of infrastructure\); nothing was charged/);
    const status = parseJson<{ categories: Record<string, { spent: number }> }>(await run(['budget', 'status', '--json']));
    expect(status.categories.infrastructure!.spent).toBe(1);
    expect(status.categories.external_apis!.spent).toBe(0);

    // item 7: a directory means the default name inside it; an existing file needs --force; no temp file stays
    const dir = mkdtempSync(join(tmpdir(), 'studio-out-'));
    const first = await run(['report', 'performance', '--days', '1', '--out', dir]);
    expect(first.code).toBe(0);
    expect(readdirSync(dir)).toEqual([expect.stringMatching(/^performance-\d{4}-\d{2}-\d{2}-1d\.md$/)]);
    const again = await run(['report', 'performance', '--days', '1', '--out', dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists; add --force to replace it/);
    writeFileSync(join(dir, 'mine.md'), 'keep');
    expect((await run(['report', 'performance', '--days', '1', '--out', join(dir, 'mine.md')])).code).toBe(1);
    expect(readFileSync(join(dir, 'mine.md'), 'utf8')).toBe('keep');
    expect((await run(['report', 'performance', '--days', '1', '--out', join(dir, 'mine.md'), '--force'])).code).toBe(0);
    expect(readFileSync(join(dir, 'mine.md'), 'utf8')).toMatch(/performance/i);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);

    // item 8: a window is capped (MAINTENANCE_WINDOW_MAX, 7 days by default) and needs a reason
    const forever = await run(['incidents', 'maintenance', 'open', '--sources', '*', '--for', '100000d', '--reason', 'upgrade']);
    expect(forever.code).toBe(1);
    expect(forever.stderr).toMatch(/a maintenance window may last at most 7d \(MAINTENANCE_WINDOW_MAX\); 100000d asked/);
    const noReason = await run(['incidents', 'maintenance', 'open', '--sources', '*', '--for', '1h', '--reason', '']);
    expect(noReason.code).toBe(1);
    expect(parseJson<unknown[]>(await run(['incidents', 'maintenance', 'list', '--json']))).toEqual([]);
  });
});

// its own database: the quota and spend the tests above count stay theirs
describeCliEachEngine('invisible format characters through the CLI', (t) => {
  const run = (args: string[]) => runCli(args, { env: { ...t.env, STUDIO_OPERATOR: 'rana' }, cwd: t.home, timeoutMs: 60_000 });

  it('bidi marks intake lets pass (LRM, RLM, ALM) are shown as \\u200f in create, list and show; --json keeps them exact', { timeout: 180_000 }, async () => {
    const title = 'Right\u200fto left \u200e and \u061c marks in a title';
    const shown = 'Right\\u200fto left \\u200e and \\u061c marks in a title';
    const created = await run(['create', '--title', title, '--description', 'a description of marks that is long enough']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(shown);
    const id = parseJson<Array<{ id: string; title: string }>>(await run(['list', '--json'])).find((i) => i.title === title)?.id;
    expect(id).toBeDefined();
    const list = await run(['list']);
    // cut to the title column's 48 terminal columns as printed (each escape's six counted, none split)
    const listed = 'Right\\u200fto left \\u200e and \\u061c marks in a…';
    expect(list.stdout).toContain(listed);
    // the table's columns count the escape as printed: the next column still lines up under its header
    const [header, row] = [list.stdout.split('\n')[0]!, list.stdout.split('\n').find((l) => l.includes(listed))!];
    expect(row.indexOf('IDEATE')).toBe(header.indexOf('stage'));
    const show = await run(['show', '--id', id!]);
    expect(show.stdout).toContain(shown);
    for (const out of [created.stdout, list.stdout, show.stdout]) expect(out).not.toMatch(/[\u200e\u200f\u061c]/);
  });
});
