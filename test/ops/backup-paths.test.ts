/**
 * Issue 14, item 2: a manifest or a catalog row naming a path outside its folder (by "..", an absolute
 * path, or a symbolic link) is refused and reported; prune never deletes through it, verify and restore
 * never read it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { isInside, resolveInside, UnsafePathError } from '../../src/core/contained-path.js';
import { silentLogger } from '../../src/core/logger.js';
import { writeManifest, type Manifest } from '../../src/ops/backup/manifest.js';
import { listBackups, type BackupDeps } from '../../src/ops/backup/catalog.js';
import { restoreBackup } from '../../src/ops/backup/restore.js';
import { pruneBackups } from '../../src/ops/backup/service.js';
import { verifyBackup } from '../../src/ops/backup/verify.js';
import { insertBackup } from '../../src/storage/backups.js';
import { describeEachEngine } from '../helpers/db.js';

const manifest = (id: string, file: string, createdAt: string): Manifest => ({
  format: 'studio-backup/1',
  id,
  file,
  createdAt,
  mode: 'embedded',
  kind: 'scheduled',
  source: 'test',
  schema: 'public',
  sizeBytes: 9,
  sha256: 'a'.repeat(64),
  serverVersion: 'test',
  tool: 'test',
  migrationLevel: null,
  rowCounts: {},
  durationMs: 1,
  verification: null,
});

it('isInside follows links and refuses "..", absolute paths and links out', () => {
  const root = mkdtempSync(join(tmpdir(), 'contained-'));
  const folder = join(root, 'folder');
  mkdirSync(folder);
  writeFileSync(join(root, 'outside.txt'), 'x');
  symlinkSync(join(root, 'outside.txt'), join(folder, 'link.txt'));
  symlinkSync(root, join(folder, 'dirlink'));
  expect(isInside(folder, 'a.txt')).toBe(true);
  expect(isInside(folder, 'sub/not/yet/there.txt')).toBe(true);
  expect(isInside(folder, '../outside.txt')).toBe(false);
  expect(isInside(folder, join(root, 'outside.txt'))).toBe(false);
  expect(isInside(folder, 'link.txt')).toBe(false);
  expect(isInside(folder, 'dirlink/outside.txt')).toBe(false);
  expect(isInside(folder, '.')).toBe(false);
  expect(() => resolveInside(folder, '../outside.txt', 'test')).toThrow(UnsafePathError);
});

describeEachEngine('backup paths from data', (t) => {
  it('prune, verify, restore and list refuse files outside the backups folder; the victims survive', async () => {
    const deps: BackupDeps = { config: t.config, db: t.db, logger: silentLogger(), clock: systemClock };
    const dir = t.config.paths.backups;
    mkdirSync(dir, { recursive: true });
    const victims = mkdtempSync(join(tmpdir(), 'victim-'));
    const important = join(victims, 'important.txt');
    const linked = join(victims, 'linked.txt');
    const rowVictim = join(victims, 'row.txt');
    for (const f of [important, linked, rowVictim]) writeFileSync(f, 'important');

    // 1. a manifest whose file climbs out with ".."
    await writeManifest(join(dir, 'studio-20200101-000000-embedded.manifest.json'), manifest('20200101-000000', relative(dir, important), '2020-01-01T00:00:00Z'));
    // 2. a dump that is a link to a file elsewhere
    symlinkSync(linked, join(dir, 'studio-20200102-000000-embedded.tar.gz'));
    await writeManifest(join(dir, 'studio-20200102-000000-embedded.manifest.json'), manifest('20200102-000000', 'studio-20200102-000000-embedded.tar.gz', '2020-01-02T00:00:00Z'));
    // 3. a catalog row pointing anywhere
    await insertBackup(t.db, { id: '20200103-000000', file: rowVictim, createdAt: new Date('2020-01-03T00:00:00Z'), sizeBytes: 9, checksum: 'a'.repeat(64), mode: 'embedded', kind: 'scheduled', manifest: {} });
    // 4. an honest old backup, and a newer one (the newest is always kept)
    writeFileSync(join(dir, 'studio-20200104-000000-embedded.tar.gz'), 'old dump');
    await writeManifest(join(dir, 'studio-20200104-000000-embedded.manifest.json'), manifest('20200104-000000', 'studio-20200104-000000-embedded.tar.gz', '2020-01-04T00:00:00Z'));
    writeFileSync(join(dir, 'studio-20300101-000000-embedded.tar.gz'), 'new dump');
    await writeManifest(join(dir, 'studio-20300101-000000-embedded.manifest.json'), manifest('20300101-000000', 'studio-20300101-000000-embedded.tar.gz', '2030-01-01T00:00:00Z'));

    const result = await pruneBackups(deps);
    for (const f of [important, linked, rowVictim]) expect(readFileSync(f, 'utf8'), f).toBe('important');
    expect(result.deleted.map((d) => d.id)).toEqual(['20200104-000000']);
    expect(existsSync(join(dir, 'studio-20200104-000000-embedded.tar.gz'))).toBe(false);
    // manifests naming a file outside their folder never enter the catalog (logged); the row is refused here
    expect(result.refused.map((r) => r.id)).toEqual(['20200103-000000']);
    expect(result.refused.every((r) => /outside/.test(r.reason))).toBe(true);

    await expect(verifyBackup(deps, '20200103-000000')).rejects.toThrow(UnsafePathError);
    await expect(verifyBackup(deps, '20200102-000000')).rejects.toThrow(/no backup/);
    await expect(restoreBackup(deps, '20200103-000000', { confirm: true, reason: 'test' })).rejects.toThrow(UnsafePathError);
    const listed = await listBackups(deps);
    expect(listed.find((b) => b.id === '20200101-000000')).toBeUndefined();
    expect(listed.find((b) => b.id === '20200102-000000')).toBeUndefined();
    expect(listed.find((b) => b.id === '20200103-000000')?.refused).toMatch(/outside/);
    expect(listed.find((b) => b.id === '20300101-000000')?.refused).toBeUndefined();
  });
});
