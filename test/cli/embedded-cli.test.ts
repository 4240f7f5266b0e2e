/**
 * The built `studio` on the embedded database as a user runs it from a second shell: read-only commands
 * on an empty STUDIO_HOME create nothing, `db psql` with stdin, `db status` naming the owner, and a
 * socket path taken by something that is not ours.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedHomeFromTemplate, TEST_EMBEDDING_DIM } from '../helpers/db.js';
import { BIN, CHILD_ENV, NODE_ARGS, runCli } from '../helpers/cli.js';
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

  it('a data directory another PGlite version wrote: one line saying which and what to do, exit 2, nothing left behind or changed', async () => {
    const home = await embeddedHomeFromTemplate('studio-otherversion-');
    const env = { STUDIO_HOME: home, EMBEDDING_DIM: String(TEST_EMBEDDING_DIM) };
    const dir = join(home, 'data/pglite');
    // PGlite 0.5 runs PostgreSQL 18; a directory written by PGlite 0.2/0.3 (PostgreSQL 17) says 17 here
    writeFileSync(join(dir, 'PG_VERSION'), '17\n');
    const before = treeDigest(dir);
    for (const args of [['budget', 'status', '--json'], ['db', 'migrate']]) {
      const r = await runCli(args, { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^studio: storage: the embedded database at ${dir} could not be opened: .*\\(its PG_VERSION says PostgreSQL 17\\); if another PGlite or studio version wrote it, open it with that version or restore a backup \\(studio backup restore\\)$`));
    }
    expect(readdirSync(join(home, 'data')).sort()).toEqual(['pglite']);
    expect(treeDigest(dir)).toBe(before);
  }, 120_000);

  // root passes every permission check: the other user is `nobody`, run through runuser (root only)
  // ... and nobody must be able to run studio itself: a checkout under a private (0700) directory, as a
  // clone into `mktemp -d` is, cannot be run by another user at all (node exits 1 before studio starts)
  const asRoot = process.getuid?.() === 0 && spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, BIN, '--version']).status === 0;
  if (process.getuid?.() === 0 && !asRoot) console.warn(`[studio] user nobody cannot run ${BIN} (a private parent directory): the other-user test is skipped`);
  it.skipIf(!asRoot)("another user who may read STUDIO_HOME but not the owner's lock or socket: one line, exit 2, and the owner keeps its lock", async () => {
    const home = await embeddedHomeFromTemplate('studio-otheruser-');
    const env = { STUDIO_HOME: home, EMBEDDING_DIM: String(TEST_EMBEDDING_DIM) };
    const db = await openDatabase(loadConfig({ env, cwd: home, dotenv: false }));
    const data = join(home, 'data');
    const lock = join(data, 'pglite.lock');
    const asNobody = async (args: string[], extra: Record<string, string> = {}) => {
      const r = await execa('runuser', ['-u', 'nobody', '--', process.execPath, ...NODE_ARGS, BIN, ...args], { env: { ...CHILD_ENV, NO_COLOR: '1', HOME: '/tmp', ...env, ...extra }, reject: false, timeout: 60_000 });
      return { code: r.exitCode, stdout: String(r.stdout), lines: String(r.stderr).trim().split('\n') };
    };
    try {
      const lockBefore = readFileSync(lock, 'utf8');
      chmodSync(home, 0o755); // readable by all, as a home under /srv may be; the lock (0600) and socket directory (0700) stay private
      const noLog = await asNobody(['budget', 'status', '--json']);
      expect(noLog.code).toBe(2);
      expect(noLog.lines).toEqual([
        `studio: log: no permission to write the log file ${join(home, 'logs/pipeline.log')} (EACCES); run studio as the user who owns STUDIO_HOME, or set STUDIO_LOG_FILE to a file this user may write`,
      ]);
      const logDir = mkdtempSync(join(tmpdir(), 'studio-nobody-log-'));
      chmodSync(logDir, 0o777);
      const logEnv = { STUDIO_LOG_FILE: join(logDir, 'studio.log') };
      const refused = [
        `studio: storage: no permission to use the embedded database at ${join(data, 'pglite')} (it belongs to uid 0); run studio as the user who owns STUDIO_HOME, or point STUDIO_HOME at one of this user's`,
      ];
      for (const args of [['budget', 'status', '--json'], ['list'], ['db', 'migrate']]) {
        const r = await asNobody(args, logEnv);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.lines).toEqual(refused);
      }
      // a shared (world-writable) data directory: the unreadable lock is another user's, not a stale one
      // to take over (before: it was removed, and the next command of the owner's user opened the database twice)
      chmodSync(data, 0o777);
      const shared = await asNobody(['budget', 'status', '--json'], logEnv);
      expect(shared.code).toBe(2);
      expect(shared.lines).toEqual(refused);
      expect(readFileSync(lock, 'utf8')).toBe(lockBefore);
      expect(readdirSync(data).sort()).toEqual(['pglite', 'pglite.lock', 'pglite.run']);
      // and with the lock readable, the socket itself refuses the connection
      chmodSync(lock, 0o644);
      const socket = await asNobody(['budget', 'status', '--json'], logEnv);
      expect(socket.code).toBe(2);
      expect(socket.lines).toEqual([
        `studio: storage: no permission on the embedded database's socket ${join(data, 'pglite.run/.s.PGSQL.5432')} (owner pid ${process.pid}); run studio as the user who started it`,
      ]);
      expect(socket.stdout).toBe('');
      // the owner served on throughout
      expect((await db.query<{ v: number }>('select 1 as v')).rows).toEqual([{ v: 1 }]);
      expect(db.embeddedOwner?.()).toMatchObject({ pid: process.pid, self: true });
    } finally {
      await db.close();
    }
  }, 120_000);
  it.skipIf(!asRoot)("another user's owner killed, its lock (readable) and socket left behind: a third user gets one line and exit 2, and the owner's user opens the database as before", async () => {
    const home = await embeddedHomeFromTemplate('studio-otheruser-stale-');
    const env = { STUDIO_HOME: home, EMBEDDING_DIM: String(TEST_EMBEDDING_DIM), LOG_LEVEL: 'warn' };
    const data = join(home, 'data');
    const lock = join(data, 'pglite.lock');
    const owner = execa(process.execPath, [...NODE_ARGS, BIN, 'scheduler', '--no-metrics'], { env: { ...CHILD_ENV, ...env }, reject: false, stdio: 'ignore' });
    const deadline = Date.now() + 60_000;
    while (!(readFileSyncOrEmpty(lock).includes('"socket"'))) {
      if (Date.now() > deadline) throw new Error('the owner did not serve its socket within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    owner.kill('SIGKILL');
    await owner;
    // readable by all, the data directory even writable by all: the stale lock may be taken over, the database may not
    chmodSync(home, 0o755);
    chmodSync(lock, 0o644);
    chmodSync(data, 0o777);
    const logDir = mkdtempSync(join(tmpdir(), 'studio-nobody-log-'));
    chmodSync(logDir, 0o777);
    for (const args of [['budget', 'status', '--json'], ['db', 'migrate'], ['list']]) {
      const r = await execa('runuser', ['-u', 'nobody', '--', process.execPath, ...NODE_ARGS, BIN, ...args], {
        env: { ...CHILD_ENV, NO_COLOR: '1', HOME: '/tmp', ...env, STUDIO_LOG_FILE: join(logDir, 'studio.log') },
        reject: false,
        timeout: 60_000,
      });
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(String(r.stdout)).toBe('');
      const lines = String(r.stderr).trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      // before: "pglite.run is not a directory of this user; remove it", an invitation to break the owner's set-up
      expect(lines[0]).toMatch(
        new RegExp(`^studio: storage: no permission (to use the embedded database at ${join(data, 'pglite')} \\(it belongs to uid 0\\); run studio as the user who owns STUDIO_HOME|on the embedded database's socket .*; run studio as the user who started it$)`),
      );
    }
    const again = await runCli(['budget', 'status', '--json'], { env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toHaveProperty('cycle_id');
  }, 120_000);
});

function readFileSyncOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Names, sizes and contents of every file under dir: equal digests, an untouched directory. */
function treeDigest(dir: string): string {
  const hash = createHash('sha256');
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }).sort((a, b) => join(a.parentPath, a.name).localeCompare(join(b.parentPath, b.name)))) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    hash.update(path).update(readFileSync(path));
  }
  return hash.digest('hex');
}
