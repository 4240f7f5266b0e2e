/**
 * The built `studio` on the embedded database as a user runs it from a second shell: read-only commands
 * on an empty STUDIO_HOME create nothing, `db psql` with stdin, `db status` naming the owner, and a
 * socket path taken by something that is not ours.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedHomeFromTemplate, TEST_EMBEDDING_DIM } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { loadConfig } from '../../src/core/config.js';
import type { Database } from '../../src/core/ports.js';
import { openDatabase } from '../../src/storage/open.js';

describe('studio on an empty STUDIO_HOME [pglite]', () => {
  it('read-only commands exit 2 with one line naming the path and create nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'studio-empty-'));
    for (const args of [['health', '--json'], ['budget', 'status'], ['budget', 'check'], ['db', 'status'], ['list'], ['jobs', 'list'], ['incidents', 'list'], ['backup', 'list'], ['db', 'psql']]) {
      const r = await runCli(args, { env: { STUDIO_HOME: home }, input: 'select 1;' });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toEqual([
        `studio: storage: no studio database at ${join(home, 'data/pglite')}; start one with studio console or studio db migrate, or point STUDIO_HOME / DATABASE_URL at the existing one`,
      ]);
    }
    expect(readdirSync(home)).toEqual([]);
  }, 120_000);
});

describe('studio beside a running owner [pglite]', () => {
  let home = '';
  let env: Record<string, string> = {};
  let db: Database;
  beforeAll(async () => {
    home = await embeddedHomeFromTemplate('studio-owner-cli-');
    env = { STUDIO_HOME: home, EMBEDDING_DIM: String(TEST_EMBEDDING_DIM) };
    db = await openDatabase(loadConfig({ env, cwd: home, dotenv: false }));
  });
  afterAll(async () => {
    await db?.close();
  });

  it('db status names the owner (pid, command, since) and its client connections', async () => {
    const r = await runCli(['db', 'status', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const owner = (JSON.parse(r.stdout) as { owner: { pid: number; self: boolean; socket: string; since: string; clients: number } }).owner;
    expect(owner).toMatchObject({ pid: process.pid, self: false, socket: join(home, 'data/pglite.run/.s.PGSQL.5432') });
    expect(Number.isNaN(Date.parse(owner.since))).toBe(false);
    const text = await runCli(['db', 'status'], { env });
    expect(text.stdout).toMatch(new RegExp(`owner: pid ${process.pid} .*since .* UTC, \\d+ client connections?, socket `));
  }, 60_000);

  it('db psql runs stdin against the owner and exits with psql\'s code', async () => {
    await db.query("insert into studio_settings (key, value) values ('psql-probe', 'seen-through-the-socket') on conflict (key) do nothing");
    const ok = await runCli(['db', 'psql', '--', '-At'], { env, input: "select value from studio_settings where key = 'psql-probe';\n" });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toBe('seen-through-the-socket');
    const bad = await runCli(['db', 'psql'], { env, input: 'select no_such_column from ideas;\nselect 1;\n' });
    expect(bad.code).toBe(3); // ON_ERROR_STOP: psql stops at the first error
    expect(bad.stderr).toMatch(/no_such_column/);
  }, 60_000);
});

describe('studio db psql with no owner running [pglite]', () => {
  it('opens the database for the session, runs stdin and lets go (the next command becomes the owner)', async () => {
    const home = await embeddedHomeFromTemplate('studio-psql-');
    const env = { STUDIO_HOME: home, EMBEDDING_DIM: String(TEST_EMBEDDING_DIM) };
    const r = await runCli(['db', 'psql', '--', '-At'], { env, input: "insert into studio_settings (key, value) values ('from-psql', 'yes');\nselect count(*) from studio_migrations;\n" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^\d+$/);
    const after = await runCli(['db', 'psql', '--', '-At', '-c', "select value from studio_settings where key = 'from-psql'"], { env });
    expect(after.stdout.trim()).toBe('yes');
    expect(readdirSync(join(home, 'data'))).not.toContain('pglite.lock');
  }, 120_000);
});

describe('faults around the socket [pglite]', () => {
  it('a file at the socket path that is not a socket: one line, exit 2, and the data is untouched', async () => {
    const home = await embeddedHomeFromTemplate('studio-notours-');
    const env = { STUDIO_HOME: home, EMBEDDING_DIM: String(TEST_EMBEDDING_DIM) };
    mkdirSync(join(home, 'data/pglite.run'), { recursive: true, mode: 0o700 });
    writeFileSync(join(home, 'data/pglite.run/.s.PGSQL.5432'), 'not a socket');
    // and a lock left by a process that is gone
    writeFileSync(join(home, 'data/pglite.lock'), JSON.stringify({ pid: 999_999, host: (await import('node:os')).hostname(), since: new Date().toISOString(), socket: join(home, 'data/pglite.run/.s.PGSQL.5432') }));
    const r = await runCli(['budget', 'status'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`studio: storage: ${join(home, 'data/pglite.run/.s.PGSQL.5432')} exists and is not a studio socket of this user; remove it and run the command again`]);
    const { rmSync } = await import('node:fs');
    rmSync(join(home, 'data/pglite.run/.s.PGSQL.5432'));
    const again = await runCli(['budget', 'status', '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
  }, 120_000);
});
