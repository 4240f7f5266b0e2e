/**
 * Issue 14: input crafted as an attacker would, through the built CLI on both engines. Each test names the
 * item it keeps fixed.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseJson, runCli } from '../helpers/cli.js';
import { describeEachEngine, type TestDatabase } from '../helpers/db.js';
import { createPgliteDatabase } from '../../src/storage/pglite.js';
import type { Database } from '../../src/core/ports.js';

/** The database the CLI of this test sees: the test's schema on PostgreSQL, the home's data directory embedded. */
async function withHomeDb<T>(t: TestDatabase, fn: (db: Database) => Promise<T>): Promise<T> {
  if (t.engine === 'postgres') return fn(t.db);
  const db = await createPgliteDatabase({ dataDir: join(t.home, 'data/pglite') });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

// what a terminal would obey: C0 (bar tab and newline), DEL, C1, bidi overrides and isolates
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

describeEachEngine('hostile input through the CLI', (t) => {
  const run = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) =>
    runCli(args, { env: { ...t.env, STUDIO_OPERATOR: 'mallory', ...options.env }, input: options.input, cwd: t.home });

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
    expect(parseJson<unknown[]>(await run(['list', '--json']))).toEqual([]);
  });

  it('item 1: text already stored with controls is printed with them visible; --json keeps it exact', { timeout: 180_000 }, async () => {
    const id = randomUUID();
    const title = 'Legacy \x1b[2J\x1b[31mred\u009b31m \u202egnp.exe title';
    await withHomeDb(t, (db) => db.query('insert into ideas (id, title, description, created_by) values ($1, $2, $3, $4)', [id, title, 'A description\nwith \x1b]0;pwned\x07 an OSC', 'old \x1b[8m']));
    const list = await run(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('Legacy \\x1b[2J\\x1b[31mred\\x9b31m \\u202egnp.exe title');
    expect(list.stdout).not.toMatch(RAW_CONTROL);
    const show = await run(['show', '--id', id]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('\\x1b]0;pwned\\x07');
    expect(show.stdout).not.toMatch(RAW_CONTROL);
    const json = await run(['show', '--id', id, '--json']);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect(parseJson<{ title: string }>(json).title).toBe(title);
  });
});
