import { loadMigrations } from '../../src/storage/migrate.js';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { createManualClock, systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { JobContext } from '../../src/core/jobs.js';
import { describeEachEngine, describeServer, type TestDatabase } from '../helpers/db.js';
import { listBackups, type BackupDeps } from '../../src/ops/backup/catalog.js';
import { restoreBackup } from '../../src/ops/backup/restore.js';
import { checkBackupFreshness, createBackup, pruneBackups } from '../../src/ops/backup/service.js';
import { verifyBackup } from '../../src/ops/backup/verify.js';
import { createBackupJobs } from '../../src/ops/backup/jobs.js';
import { hashFile, manifestPathFor, readManifest, writeManifest } from '../../src/ops/backup/manifest.js';
import { listEvents } from '../../src/storage/events.js';
import { listAudit, recordAudit } from '../../src/storage/audit.js';
import { liveNodes } from '../../src/storage/scheduler-nodes.js';

// Dumps and restore drills of whole databases: slow on a loaded 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

const deps = (t: TestDatabase, overrides: Partial<BackupDeps> = {}): BackupDeps => ({
  config: t.config,
  db: t.db,
  logger: silentLogger(),
  clock: systemClock,
  ...overrides,
});

async function addIdeas(t: TestDatabase, n: number, prefix = 'Idea'): Promise<void> {
  for (let i = 0; i < n; i++) {
    await t.db.query('insert into ideas (id, title, description) values ($1, $2, $3)', [randomUUID(), `${prefix} number ${i} title`, `A description of ${prefix} ${i}`]);
  }
}

const ideaTitles = async (t: TestDatabase) => (await t.db.query<{ title: string }>('select title from ideas order by title')).rows.map((r) => r.title);

function jobContext(): JobContext {
  return { signal: new AbortController().signal, logger: silentLogger(), scheduledFor: new Date(), attempt: 1, manual: false, progress: () => undefined };
}

describeEachEngine('backups', (t) => {
  it('a backup writes a 0600 file and a manifest with size, checksum, versions, migration level and row counts', async () => {
    await addIdeas(t, 3);
    const created = await createBackup(deps(t));
    expect(statSync(created.file).mode & 0o777).toBe(0o600);
    expect(created.file).toMatch(new RegExp(`/backups/studio-\\d{8}-\\d{6}(-\\d+)?-${t.engine === 'postgres' ? 'server\\.dump' : 'embedded\\.tar\\.gz'}$`));
    const manifest = readManifest(manifestPathFor(created.file));
    expect(statSync(manifestPathFor(created.file)).mode & 0o777).toBe(0o600);
    expect(manifest.sizeBytes).toBe(statSync(created.file).size);
    expect(manifest.sha256).toBe((await hashFile(created.file)).sha256);
    const latest = loadMigrations({ vars: { EMBEDDING_DIM: 64 } }).at(-1)!;
    expect(manifest.migrationLevel).toBe(`${String(latest.version).padStart(4, '0')}_${latest.name}`);
    expect(manifest.rowCounts.ideas).toBe(3);
    expect(manifest.rowCounts.studio_migrations).toBeGreaterThanOrEqual(3);
    expect(manifest.serverVersion).toMatch(t.engine === 'postgres' ? /^1[5-9]/ : /^18/);
    const listed = await listBackups(deps(t));
    expect(listed.find((b) => b.id === created.id)).toMatchObject({ present: true, verifyStatus: null, kind: 'manual' });
  });

  it('verify restores into a throw-away database, matches the counts, probes the vector index and records ok', async () => {
    await t.db.exec('create table probe_vectors (id int primary key, embedding vector(3)); create index probe_vectors_hnsw on probe_vectors using hnsw (embedding vector_cosine_ops)');
    await t.db.query("insert into probe_vectors values (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0.9,0.1,0]')");
    const created = await createBackup(deps(t));
    const report = await verifyBackup(deps(t), created.id);
    expect(report).toMatchObject({ status: 'ok', error: null, checksum: 'ok' });
    expect(report.tables.find((x) => x.table === 'probe_vectors')).toEqual({ table: 'probe_vectors', expected: 3, restored: 3 });
    expect(report.vectorIndexes).toEqual(expect.arrayContaining([expect.objectContaining({ index: 'probe_vectors_hnsw', method: 'hnsw', usedIndex: true, rows: 3 })]));
    expect(report.vectorIndexes.every((v) => v.usedIndex)).toBe(true);
    const row = (await listBackups(deps(t))).find((b) => b.id === created.id)!;
    expect(row.verifyStatus).toBe('ok');
    expect(readManifest(manifestPathFor(created.file)).verification?.status).toBe('ok');
    await t.db.exec('drop table probe_vectors');
  });

  it('a corrupted file fails verification with a clear message, is recorded, and raises backup.verify_failed', async () => {
    const created = await createBackup(deps(t));
    const bytes = readFileSync(created.file);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
    writeFileSync(created.file, bytes);
    const report = await verifyBackup(deps(t), created.id);
    expect(report.status).toBe('failed');
    expect(report.checksum).toBe('mismatch');
    expect(report.error).toMatch(/^checksum mismatch: .* is corrupt or changed since the backup/);
    const row = (await listBackups(deps(t))).find((b) => b.id === created.id)!;
    expect(row).toMatchObject({ verifyStatus: 'failed' });
    expect(row.verifyError).toMatch(/checksum mismatch/);
    const events = await listEvents(t.db, { kind: 'backup.verify_failed' });
    expect(events[0]).toMatchObject({ source: 'backup', level: 'CRITICAL', dedupKey: 'backup.verify_failed' });
    expect(events[0]!.message).toContain(created.id);
  });

  it('a damaged file whose checksum was rewritten still fails: the restore drill says why', async () => {
    const created = await createBackup(deps(t));
    const bytes = readFileSync(created.file);
    const truncated = bytes.subarray(0, Math.floor(bytes.length / 3));
    writeFileSync(created.file, truncated);
    const manifestFile = manifestPathFor(created.file);
    const { sha256, sizeBytes } = await hashFile(created.file);
    await writeManifest(manifestFile, { ...readManifest(manifestFile), sha256, sizeBytes });
    const report = await verifyBackup(deps(t), created.id);
    expect(report.status).toBe('failed');
    expect(report.checksum).toBe('ok');
    expect(report.error).toMatch(
      t.engine === 'postgres' ? /^restore drill failed: pg_restore failed: could not read from input file/ : /^restore drill failed: the archive .* is damaged \(unexpected end of file\)/,
    );
  });

  it('restore refuses without confirmation, and while a live scheduler holds the database', async () => {
    const created = await createBackup(deps(t));
    await expect(restoreBackup(deps(t), created.id)).rejects.toThrow(/backup restore: this replaces all of studio's data .* Run again with --confirm/);
    await t.db.exec(
      'create table if not exists scheduler_nodes (id text primary key, host text, pid int, started_at timestamptz, heartbeat_at timestamptz, stopping boolean default false)',
    );
    await t.db.query("insert into scheduler_nodes values ('n1', 'host-a', 4242, now(), now(), false)");
    await expect(restoreBackup(deps(t), created.id, { confirm: true })).rejects.toThrow(/refused while a scheduler holds the database \(host-a pid 4242/);
    await t.db.exec('drop table scheduler_nodes');
  });

  it('the freshness check raises backup.stale when the newest verified backup is older than BACKUP_MAX_AGE', async () => {
    const now = createManualClock(Date.now());
    const ok = await checkBackupFreshness(deps(t, { clock: now }));
    expect(ok.status).toBe('ok'); // verified backups from the tests above are fresh
    const later = createManualClock(Date.now() + 3 * 86_400_000);
    const stale = await checkBackupFreshness(deps(t, { clock: later }));
    expect(stale.status).toBe('stale');
    const events = await listEvents(t.db, { kind: 'backup.stale' });
    expect(events[0]).toMatchObject({ level: 'WARNING', dedupKey: 'backup.stale' });
    expect(events[0]!.message).toMatch(/past BACKUP_MAX_AGE \(26 h\)/);
  });

  it('the daily job backs up, verifies and prunes; the freshness job reports', async () => {
    const jobs = createBackupJobs({ config: t.config, db: t.db, logger: silentLogger() });
    expect(jobs.map((j) => [j.name, j.schedule])).toEqual([
      ['backup.daily', '0 3 * * *'],
      ['backup.freshness', '17 * * * *'],
    ]);
    const summary = (await jobs[0]!.run(jobContext())) as { backup: string; verified: string };
    expect(summary.verified).toBe('ok');
    const row = (await listBackups(deps(t))).find((b) => b.id === summary.backup)!;
    expect(row).toMatchObject({ kind: 'scheduled', verifyStatus: 'ok' });
    expect(await jobs[1]!.run(jobContext())).toMatchObject({ status: 'ok', newestVerified: summary.backup });
  });
  it('prune keeps RETENTION days and never the newest verified backup, and --dry-run deletes nothing', async () => {
    // Later than every backup the tests above made, so these are the newest (and they make the others old).
    const base = Date.now() + 100 * 86_400_000;
    const d = deps(t, { clock: createManualClock(base) });
    const oldVerified = await createBackup(d);
    const manifest = readManifest(manifestPathFor(oldVerified.file));
    await writeManifest(manifestPathFor(oldVerified.file), { ...manifest, verification: { at: new Date(base).toISOString(), status: 'ok', error: null } });
    // Two more backups copied on disk with their manifests (the catalog picks them up from there).
    const copy = (id: string, at: number) => {
      const file = join(dirname(oldVerified.file), `studio-${id}-${manifest.mode}.${oldVerified.file.endsWith('.dump') ? 'dump' : 'tar.gz'}`);
      copyFileSync(oldVerified.file, file);
      return writeManifest(manifestPathFor(file), { ...manifest, id, file: basename(file), createdAt: new Date(at).toISOString(), verification: null }).then(() => ({ id, file }));
    };
    const oldUnverified = await copy('29990101-000000', base + 86_400_000);
    const fresh = await copy('29990301-000000', base + 100 * 86_400_000);
    d.clock = createManualClock(base + 100 * 86_400_000);
    const dry = await pruneBackups(d, { dryRun: true });
    const deletedIds = dry.deleted.map((b) => b.id);
    expect(deletedIds).toContain(oldUnverified.id);
    expect(deletedIds).not.toContain(oldVerified.id);
    expect(deletedIds).not.toContain(fresh.id);
    expect(dry.keptOld[oldVerified.id]).toBe('the newest verified backup');
    expect(existsSync(oldUnverified.file)).toBe(true);
    const done = await pruneBackups(d);
    expect(done.deleted.map((b) => b.id)).toEqual(deletedIds);
    expect(existsSync(oldUnverified.file)).toBe(false);
    expect(existsSync(manifestPathFor(oldUnverified.file))).toBe(false);
    expect(existsSync(oldVerified.file)).toBe(true);
    const ids = (await listBackups(d)).map((b) => b.id);
    expect(ids).toContain(oldVerified.id);
    expect(ids).toContain(fresh.id);
    expect(ids).not.toContain(oldUnverified.id);
  });
});

describeServer('backups with pg_dump', (t) => {
  it('backup -> change data -> restore: the data is as it was at the backup; audited, with a safety backup', async () => {
    await addIdeas(t, 4, 'Before');
    const before = await ideaTitles(t);
    const created = await createBackup(deps(t));
    await t.db.exec('delete from ideas');
    await addIdeas(t, 2, 'After');
    const { report } = await restoreBackup(deps(t), created.id, { confirm: true, reason: 'test restore' });
    expect(await ideaTitles(t)).toEqual(before);
    expect(report.mismatches).toEqual([]);
    const safety = (await listBackups(deps(t))).find((b) => b.id === report.safetyBackup)!;
    expect(safety.kind).toBe('safety');
    expect(readManifest(manifestPathFor(safety.file)).rowCounts.ideas).toBe(2);
    const audit = await listAudit(t.db, { action: 'backup.restore' });
    expect(audit[0]).toMatchObject({ action: 'backup.restore', target: created.id, reason: 'test restore', operator: t.config.operator.user });
  });

  it('a restore keeps the audit trail written after the backup, records itself, and brings back no live scheduler', async () => {
    await recordAudit(t.db, { user: 'olga' }, { action: 'budget.reset', target: 'cycle-1', reason: 'before the backup' });
    // a scheduler live when the backup was made: restored as it was, it would look live and block restores
    await t.db.query(`insert into scheduler_nodes (id, host, pid, heartbeat_at) values ('old-node', 'host-old', 11, now())`);
    const created = await createBackup(deps(t));
    await t.db.query(`update scheduler_nodes set stopping = true, stopped_at = now(), heartbeat_at = now() where id = 'old-node'`);
    const after = [
      await recordAudit(t.db, { user: 'olga' }, { action: 'idea.reset', target: 'idea-1', reason: 'after the backup 1' }),
      await recordAudit(t.db, { user: 'piet' }, { action: 'job.run', target: 'backup.daily', reason: 'after the backup 2' }),
    ];
    const nodesBefore = await t.db.query('select id, host, pid, stopping, stopped_at, heartbeat_at from scheduler_nodes order by id');

    const { report } = await restoreBackup(deps(t), created.id, { confirm: true, reason: 'restore keeps audit' });
    expect(report.auditRowsCarriedForward).toBe(2);
    const audit = await listAudit(t.db, { limit: 100 });
    // the rows after the backup are back with their own ids, and the restore is recorded after them
    expect(audit.filter((a) => after.includes(a.id)).map((a) => [a.id, a.reason])).toEqual([
      [after[1], 'after the backup 2'],
      [after[0], 'after the backup 1'],
    ]);
    expect(audit[0]).toMatchObject({ action: 'backup.restore', reason: 'restore keeps audit', details: expect.objectContaining({ auditRowsCarriedForward: 2 }) });
    expect(audit[0]!.id).toBeGreaterThan(after[1]!);
    expect(audit.some((a) => a.reason === 'before the backup')).toBe(true);
    // the node rows are as they were just before the restore: the old scheduler is stopped, none is live
    expect((await t.db.query('select id, host, pid, stopping, stopped_at, heartbeat_at from scheduler_nodes order by id')).rows).toEqual(nodesBefore.rows);
    expect(await liveNodes(t.db, new Date(Date.now() - 120_000))).toEqual([]);
    // the id sequence moved past the carried rows: the next action gets a new id
    const next = await recordAudit(t.db, { user: 'olga' }, { action: 'job.run', target: 'x' });
    expect(next).toBeGreaterThan(audit[0]!.id);
  });

  it('a failing restore leaves the database unchanged', async () => {
    const before = await ideaTitles(t);
    const created = await createBackup(deps(t));
    await addIdeas(t, 1, 'Kept');
    const after = await ideaTitles(t);
    // psql that fails after the whole restore ran (schema emptied and refilled): the transaction rolls back.
    const failing = `${t.home}/failing-psql`;
    writeFileSync(failing, '#!/bin/sh\nif [ "$1" = "--version" ]; then exec psql --version; fi\nexec psql "$@" --command="select 1/0"\n', { mode: 0o755 });
    const config = { ...t.config, backup: { ...t.config.backup, psqlPath: failing } };
    await expect(restoreBackup(deps(t, { config }), created.id, { confirm: true })).rejects.toThrow(
      /^backup: psql failed: division by zero; the database is unchanged$/,
    );
    expect(await ideaTitles(t)).toEqual(after);
    expect(after.length).toBe(before.length + 1);
  });

  it('refuses a missing pg_dump and a wrong version with one clear line, leaving no file behind', async () => {
    const missing = { ...t.config, backup: { ...t.config.backup, pgDumpPath: '/nonexistent/pg_dump' } };
    await expect(createBackup(deps(t, { config: missing }))).rejects.toThrow(
      /^backup: pg_dump not found at "\/nonexistent\/pg_dump"; install the PostgreSQL 15 client tools \(postgresql-client-15\) or set PG_DUMP_PATH$/,
    );
    const fake = `${t.home}/old-pg_dump`;
    writeFileSync(fake, '#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.24"\n', { mode: 0o755 });
    const old = { ...t.config, backup: { ...t.config.backup, pgDumpPath: fake } };
    const count = (await listBackups(deps(t))).length;
    await expect(createBackup(deps(t, { config: old }))).rejects.toThrow(
      /^backup: pg_dump 9\.6 is older than the server \(PostgreSQL 15\.\d+\); install postgresql-client-15 or point PG_DUMP_PATH at a pg_dump 15$/,
    );
    expect((await listBackups(deps(t))).length).toBe(count);
  });

  it('the daily job raises backup.failed when the backup cannot be made', async () => {
    const config = { ...t.config, backup: { ...t.config.backup, pgDumpPath: '/nonexistent/pg_dump' } };
    const [daily] = createBackupJobs({ config, db: t.db, logger: silentLogger() });
    await expect(daily!.run(jobContext())).rejects.toThrow(/pg_dump not found/);
    const events = await listEvents(t.db, { kind: 'backup.failed' });
    expect(events[0]).toMatchObject({ source: 'backup', level: 'CRITICAL', dedupKey: 'backup.failed' });
    expect(events[0]!.message).toMatch(/^the backup failed: pg_dump not found/);
  });
});
