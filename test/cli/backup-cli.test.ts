import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT, parseJson, runCli, type CliResult } from '../helpers/cli.js';
import { describeServer, embeddedHomeFromTemplate, TEST_EMBEDDING_DIM } from '../helpers/db.js';
import { createPgliteDatabase } from '../../src/storage/pglite.js';
import { createPostgresDatabase } from '../../src/storage/postgres.js';
import type { Database, Queryable } from '../../src/core/ports.js';

interface Created {
  id: string;
  file: string;
  manifest: { sha256: string; rowCounts: Record<string, number> };
}
interface Listed {
  id: string;
  kind: string;
  verifyStatus: string | null;
  sizeBytes: number;
  present: boolean;
}

const ok = (result: CliResult) => {
  if (result.code !== 0) throw new Error(`exit ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
};

async function insertIdeas(db: Queryable, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await db.query('insert into ideas (id, title, description) values ($1, $2, $3)', [randomUUID(), `${prefix} idea number ${i}`, `Described as ${prefix} ${i}`]);
  }
}
const titles = async (db: Queryable) => (await db.query<{ title: string }>('select title from ideas order by title')).rows.map((r) => r.title);

describe('studio backup, embedded', () => {
  let home = '';
  let env: Record<string, string> = {};
  let dataDir = '';
  beforeAll(async () => {
    // the data directory is a copy of the migrated template (no initdb, no PGlite start to load a dump):
    // the studio commands below start PGlite on it themselves, as an operator's would
    home = await embeddedHomeFromTemplate('studio-backup-cli-');
    env = { STUDIO_HOME: home, EMBEDDING_DIM: String(TEST_EMBEDDING_DIM) };
    dataDir = join(home, 'data/pglite');
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const withData = async <T>(fn: (db: Database) => Promise<T>): Promise<T> => {
    const db = await createPgliteDatabase({ dataDir });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };

  it('create -> change data -> restore --confirm: the data is as at the backup; list, verify', { timeout: 180_000 }, async () => {
    const before = await withData(async (db) => {
      await insertIdeas(db, 'Original', 3);
      return titles(db);
    });

    const created = ok(await runCli(['backup', 'create', '--json'], { env }));
    expect(created.stderr).toBe('');
    const backup = parseJson<Created>(created);
    expect(backup.file).toMatch(/\/backups\/studio-\d{8}-\d{6}-embedded\.tar\.gz$/);
    expect(statSync(backup.file).mode & 0o777).toBe(0o600);
    expect(backup.manifest.rowCounts.ideas).toBe(3);

    await withData(async (db) => {
      await db.exec('delete from ideas');
      await insertIdeas(db, 'Later', 1);
      // an operator action after the backup: a restore must not erase it
      await db.query(`insert into audit_log (operator, action, target, reason) values ('olga', 'idea.reset', 'idea-9', 'after the backup')`);
    });

    const refused = await runCli(['backup', 'restore', backup.id], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(/^studio: backup restore: this replaces all of studio's data in .* with backup .*Run again with --confirm/);

    const restored = ok(await runCli(['backup', 'restore', backup.id.slice(0, 13), '--confirm', '--reason', 'cli test', '--json'], { env }));
    const report = parseJson<{ id: string; safetyBackup: string; mismatches: unknown[] }>(restored);
    expect(report).toMatchObject({ id: backup.id, mismatches: [] });
    await withData(async (db) => {
      expect(await titles(db)).toEqual(before);
      const audit = await db.query<{ action: string; target: string; reason: string }>("select action, target, reason from audit_log where action = 'backup.restore'");
      expect(audit.rows).toEqual([{ action: 'backup.restore', target: backup.id, reason: 'cli test' }]);
      const trail = await db.query<{ action: string; reason: string }>("select action, reason from audit_log where action in ('idea.reset', 'backup.restore') order by id");
      expect(trail.rows).toEqual([{ action: 'idea.reset', reason: 'after the backup' }, { action: 'backup.restore', reason: 'cli test' }]);
    });
    expect(readdirSync(join(home, 'data')).sort()).toEqual(['pglite']);

    const listed = parseJson<Listed[]>(ok(await runCli(['backup', 'list', '--json'], { env })));
    expect(listed.map((b) => [b.id, b.kind])).toEqual([
      [report.safetyBackup, 'safety'],
      [backup.id, 'manual'],
    ]);

    const verified = ok(await runCli(['backup', 'verify', backup.id], { env }));
    expect(verified.stdout).toMatch(/✓ backup .* verified .* checksum ok, restored \d+ tables/);
    // the pipeline's tables carry HNSW indexes: each answers a nearest-neighbour query through the index
    expect(verified.stdout).toMatch(/vector index ideas_embedding_hnsw_idx on ideas\.embedding \(hnsw\): used/);

  });
});

describeServer('studio backup, server', (t) => {
  // The password is accepted and ignored by the local server (trust): it must appear nowhere.
  const secretEnv = () => ({ ...t.env, DATABASE_URL: t.env.DATABASE_URL!.replace('postgres://postgres@', 'postgres://postgres:s3cretpw@') });

  it('create -> change data -> restore --confirm: the data is as at the backup; nothing shows the password', { timeout: 120_000 }, async () => {
    await insertIdeas(t.db, 'Original', 3);
    const before = await titles(t.db);
    const created = ok(await runCli(['backup', 'create', '--json'], { env: secretEnv() }));
    const backup = parseJson<Created>(created);
    expect(backup.file).toMatch(/\/backups\/studio-\d{8}-\d{6}-server\.dump$/);
    expect(statSync(backup.file).mode & 0o777).toBe(0o600);

    await t.db.exec('delete from ideas');
    const restored = ok(await runCli(['backup', 'restore', backup.id, '--confirm', '--reason', 'cli test'], { env: secretEnv() }));
    expect(restored.stdout).toMatch(/✓ restored backup .* safety backup of the data it replaced: /s);
    expect(await titles(t.db)).toEqual(before);

    const verified = ok(await runCli(['backup', 'verify', '--json'], { env: secretEnv() }));
    expect(parseJson<{ status: string }>(verified).status).toBe('ok');
    const listed = ok(await runCli(['backup', 'list'], { env: secretEnv() }));
    const everything = [created, restored, verified, listed].map((r) => r.stdout + r.stderr).join('\n');
    const onDisk = readdirSync(join(t.home, 'backups'));
    const manifests = onDisk.filter((f) => f.endsWith('.json')).map((f) => readFileSync(join(t.home, 'backups', f), 'utf8'));
    const log = readFileSync(join(t.home, 'logs/pipeline.log'), 'utf8');
    for (const text of [everything, onDisk.join(' '), ...manifests, log]) expect(text).not.toContain('s3cretpw');
  });

  it('refuses a missing pg_dump and an old one with one clear line and exit 1', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const missing = await runCli(['backup', 'create'], { env: { ...t.env, PG_DUMP_PATH: '/nonexistent/pg_dump' } });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(
      'studio: backup: pg_dump not found at "/nonexistent/pg_dump"; install the PostgreSQL 15 client tools (postgresql-client-15) or set PG_DUMP_PATH',
    );
    const fake = join(t.home, 'pg_dump-9.6');
    writeFileSync(fake, '#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6"\n', { mode: 0o755 });
    const old = await runCli(['backup', 'create'], { env: { ...t.env, PG_DUMP_PATH: fake } });
    expect(old.code).toBe(1);
    expect(old.stderr.trim()).toMatch(/^studio: backup: pg_dump 9\.6 is older than the server \(PostgreSQL 15\.\d+\); install postgresql-client-15 or point PG_DUMP_PATH at a pg_dump 15$/);
    expect(readdirSync(join(t.home, 'backups')).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('in the public schema (the default), restore empties and refills it and keeps the vector extension', { timeout: 120_000 }, async () => {
    const name = `studio_bkpub_${randomUUID().slice(0, 8)}`;
    await t.db.exec(`create database ${name}`);
    const url = new URL(t.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    const env = { ...t.env, DATABASE_URL: url.toString(), DATABASE_SCHEMA: 'public' };
    const db = await createPostgresDatabase({ url: url.toString() });
    try {
      await db.exec('create extension if not exists vector');
      ok(await runCli(['db', 'migrate'], { env }));
      await insertIdeas(db, 'Public', 2);
      await db.exec(`create table vecs (id int primary key, e vector(3)); create index vecs_hnsw on vecs using hnsw (e vector_cosine_ops);
        insert into vecs values (1, '[1,0,0]'), (2, '[0,1,0]'); create view idea_titles as select title from ideas`);
      const backup = parseJson<Created>(ok(await runCli(['backup', 'create', '--json'], { env })));
      const verified = parseJson<{ status: string; vectorIndexes: Array<{ index: string; usedIndex: boolean }> }>(ok(await runCli(['backup', 'verify', '--json'], { env })));
      expect(verified.vectorIndexes).toEqual(expect.arrayContaining([expect.objectContaining({ index: 'vecs_hnsw', usedIndex: true })]));
      await db.exec("delete from ideas; drop view idea_titles; create table made_later (x int)");
      ok(await runCli(['backup', 'restore', backup.id, '--confirm'], { env }));
      expect(await titles(db)).toEqual(['Public idea number 0', 'Public idea number 1']);
      const tables = await db.query<{ name: string }>("select tablename as name from pg_tables where schemaname = 'public' and tablename = 'made_later'");
      expect(tables.rows).toEqual([]);
      expect((await db.query('select title from idea_titles')).rows).toHaveLength(2);
      const near = await db.query<{ id: number }>("select id from vecs order by e <=> '[1,0,0]' limit 1");
      expect(near.rows).toEqual([{ id: 1 }]);
    } finally {
      await db.close();
      await t.db.exec(`drop database if exists ${name} with (force)`);
    }
  });
});
