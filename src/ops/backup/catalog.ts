/**
 * The backup catalog: the `backups` rows kept in step with the manifests on disk, finding a backup by
 * id or prefix, and the rule for which dump file a row may be trusted with (rows are data). `service.ts`
 * (create, prune, freshness), `verify.ts` and `restore.ts` find their backups here.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isInside, resolveInside, UnsafePathError } from '../../core/contained-path.js';
import type { Clock } from '../../core/clock.js';
import type { Config } from '../../core/config.js';
import { NotFoundError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Database } from '../../core/ports.js';
import { deleteBackupRow, getBackupRow, insertBackup, listBackupRows, type BackupRow } from '../../storage/backups.js';
import { manifestPathFor, readManifest, scanManifests, type Manifest } from './manifest.js';

export interface BackupDeps {
  config: Config;
  db: Database;
  logger: Logger;
  clock: Clock;
}

export interface ListedBackup extends BackupRow {
  /** The dump file is on disk. */
  present: boolean;
  /** Why its file is refused (it resolves outside its folder), when it is. */
  refused?: string;
}

export async function listBackups(deps: BackupDeps): Promise<ListedBackup[]> {
  await syncCatalog(deps);
  const rows = await listBackupRows(deps.db);
  return rows.map((r) => {
    const refused = unsafeReason(deps, r);
    return refused ? { ...r, present: false, refused } : { ...r, present: existsSync(r.file) };
  });
}

/**
 * The backup's dump file, when the row may be trusted with it: the file is inside the backups folder, or
 * (a backup made with --out) it is a dump named as we name them, beside its own manifest that names it,
 * and in both cases not a link to somewhere else. Otherwise an UnsafePathError: rows are data.
 */
export function backupFile(deps: Pick<BackupDeps, 'config'>, row: Pick<BackupRow, 'id' | 'file'>): string {
  const what = `backup ${row.id}`;
  if (isInside(deps.config.paths.backups, row.file)) return resolveInside(deps.config.paths.backups, row.file, what);
  const dir = dirname(row.file);
  const name = basename(row.file);
  let besideOwnManifest = false;
  if (DUMP_NAME.test(name) && existsSync(manifestPathFor(row.file))) {
    try {
      const manifest = readManifest(manifestPathFor(row.file));
      besideOwnManifest = manifest.file === name && manifest.id === row.id;
    } catch {
      besideOwnManifest = false;
    }
  }
  if (!besideOwnManifest) {
    throw new UnsafePathError(`${what}: its file ${row.file} is outside ${deps.config.paths.backups} and is not a dump beside its own manifest; refused, nothing read or deleted through it`, row.file, deps.config.paths.backups);
  }
  return resolveInside(dir, name, what);
}

const DUMP_NAME = /^studio-\d{8}-\d{6}(?:-\d+)?-(?:server|embedded)\.(?:dump|tar\.gz)$/;

export function unsafeReason(deps: Pick<BackupDeps, 'config'>, row: Pick<BackupRow, 'id' | 'file'>): string | undefined {
  try {
    backupFile(deps, row);
    return undefined;
  } catch (error) {
    if (error instanceof UnsafePathError) return error.message;
    throw error;
  }
}

/**
 * Add catalog rows for backups whose manifests are on disk but not in the table (after a restore
 * rewound the table, or when files were copied in). Returns how many were added.
 */
export async function syncCatalog(deps: BackupDeps, dir = deps.config.paths.backups): Promise<number> {
  const { manifests } = scanManifests(dir);
  let added = 0;
  // Rows whose dump and manifest are both gone (pruned after the restored backup was made) go too.
  for (const row of await listBackupRows(deps.db)) {
    if (!existsSync(row.file) && !existsSync(manifestPathFor(row.file))) await deleteBackupRow(deps.db, row.id);
  }
  for (const { path, manifest } of manifests) {
    // a manifest names its dump by a bare file name beside it; anything else is refused, never followed
    if (basename(manifest.file) !== manifest.file || !isInside(dirname(path), manifest.file)) {
      deps.logger.warn({ manifest: path, file: manifest.file }, `backup: manifest ${path} names ${manifest.file}, which resolves outside ${dirname(path)}; ignored`);
      continue;
    }
    const file = join(dirname(path), manifest.file);
    if (!existsSync(file)) continue;
    if (await insertBackup(deps.db, rowFromManifest(manifest, file))) added++;
  }
  return added;
}

/**
 * The backup named by id (exact, a unique prefix, or `latest`), or the newest when id is omitted; refused
 * (UnsafePathError) when its file resolves outside its folder, so nothing reads or restores through it.
 */
export async function resolveBackup(deps: BackupDeps, id?: string): Promise<BackupRow> {
  const row = await findBackup(deps, id);
  return { ...row, file: backupFile(deps, row) };
}

async function findBackup(deps: BackupDeps, id?: string): Promise<BackupRow> {
  await syncCatalog(deps);
  if (id && id !== 'latest') {
    const exact = await getBackupRow(deps.db, id);
    if (exact) return exact;
  }
  const rows = await listBackupRows(deps.db);
  if (!id || id === 'latest') {
    if (rows[0]) return rows[0];
    throw new NotFoundError('backup: there are no backups yet; make one with studio backup create');
  }
  const matches = rows.filter((r) => r.id.startsWith(id));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new NotFoundError(`backup: "${id}" matches ${matches.length} backups (${matches.slice(0, 3).map((r) => r.id).join(', ')} ...); give more of the id`);
  throw new NotFoundError(`backup: no backup "${id}"; see studio backup list`);
}

export function manifestFor(row: BackupRow): Manifest {
  const path = manifestPathFor(row.file);
  if (existsSync(path)) return readManifest(path);
  return row.manifest as Manifest;
}

export function rowFromManifest(manifest: Manifest, file: string): Omit<BackupRow, 'verifiedAt' | 'verifyStatus' | 'verifyError'> & Partial<BackupRow> {
  return {
    id: manifest.id,
    file,
    createdAt: new Date(manifest.createdAt),
    sizeBytes: manifest.sizeBytes,
    checksum: manifest.sha256,
    mode: manifest.mode,
    kind: manifest.kind,
    manifest: { ...manifest, verification: undefined },
    verifiedAt: manifest.verification ? new Date(manifest.verification.at) : null,
    verifyStatus: manifest.verification?.status ?? null,
    verifyError: manifest.verification?.error ?? null,
  };
}
