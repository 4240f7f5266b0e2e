/**
 * The backup catalog (`backups`): every backup taken and the result of its last restore drill. The files
 * and manifests on disk are the source of truth; rows missing here (after a restore) are re-added from them.
 */
import type { Queryable } from '../core/ports.js';

export type BackupKind = 'manual' | 'scheduled' | 'safety';
export type VerifyStatus = 'ok' | 'failed';

export interface BackupRow {
  id: string;
  file: string;
  createdAt: Date;
  sizeBytes: number;
  checksum: string;
  mode: 'server' | 'embedded';
  kind: BackupKind;
  manifest: Record<string, unknown>;
  verifiedAt: Date | null;
  verifyStatus: VerifyStatus | null;
  verifyError: string | null;
}

type Row = {
  id: string;
  file: string;
  created_at: Date;
  size_bytes: number;
  checksum: string;
  mode: 'server' | 'embedded';
  kind: BackupKind;
  manifest: Record<string, unknown>;
  verified_at: Date | null;
  verify_status: VerifyStatus | null;
  verify_error: string | null;
};

const COLUMNS = 'id, file, created_at, size_bytes, checksum, mode, kind, manifest, verified_at, verify_status, verify_error';

const toRow = (r: Row): BackupRow => ({
  id: r.id,
  file: r.file,
  createdAt: new Date(r.created_at),
  sizeBytes: Number(r.size_bytes),
  checksum: r.checksum,
  mode: r.mode,
  kind: r.kind,
  manifest: r.manifest,
  verifiedAt: r.verified_at ? new Date(r.verified_at) : null,
  verifyStatus: r.verify_status,
  verifyError: r.verify_error,
});

/**
 * Insert a backup; for an existing id, only take a newer verification result. Returns whether a row was
 * written.
 */
export async function insertBackup(db: Queryable, row: Omit<BackupRow, 'verifiedAt' | 'verifyStatus' | 'verifyError'> & Partial<BackupRow>): Promise<boolean> {
  const result = await db.query(
    `insert into backups (${COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     on conflict (id) do update set verified_at = excluded.verified_at, verify_status = excluded.verify_status, verify_error = excluded.verify_error
      where excluded.verified_at is not null and (backups.verified_at is null or backups.verified_at < excluded.verified_at)`,
    [
      row.id,
      row.file,
      row.createdAt,
      row.sizeBytes,
      row.checksum,
      row.mode,
      row.kind,
      JSON.stringify(row.manifest),
      row.verifiedAt ?? null,
      row.verifyStatus ?? null,
      row.verifyError ?? null,
    ],
  );
  return result.rowCount > 0;
}

export async function recordVerification(db: Queryable, id: string, at: Date, status: VerifyStatus, error: string | null): Promise<void> {
  await db.query('update backups set verified_at = $2, verify_status = $3, verify_error = $4 where id = $1', [id, at, status, error]);
}

/** Newest first. */
export async function listBackupRows(db: Queryable): Promise<BackupRow[]> {
  const result = await db.query<Row>(`select ${COLUMNS} from backups order by created_at desc, id desc`);
  return result.rows.map(toRow);
}

export async function getBackupRow(db: Queryable, id: string): Promise<BackupRow | undefined> {
  const result = await db.query<Row>(`select ${COLUMNS} from backups where id = $1`, [id]);
  return result.rows[0] ? toRow(result.rows[0]) : undefined;
}

export async function deleteBackupRow(db: Queryable, id: string): Promise<void> {
  await db.query('delete from backups where id = $1', [id]);
}

/** The newest backup whose last restore drill passed. */
export async function newestVerifiedBackup(db: Queryable): Promise<BackupRow | undefined> {
  const result = await db.query<Row>(`select ${COLUMNS} from backups where verify_status = 'ok' order by created_at desc, id desc limit 1`);
  return result.rows[0] ? toRow(result.rows[0]) : undefined;
}

export interface LiveScheduler {
  id: string;
  host: string;
  pid: number;
  heartbeatAt: Date;
}

/**
 * Scheduler processes that beat within `withinMs` and are not stopping (table `scheduler_nodes`, made by
 * the scheduler module; none when it does not exist yet).
 */
export async function liveSchedulers(db: Queryable, withinMs: number): Promise<LiveScheduler[]> {
  const exists = await db.query<{ ok: boolean }>(`select to_regclass('scheduler_nodes') is not null as ok`);
  if (!exists.rows[0]?.ok) return [];
  const result = await db.query<{ id: string; host: string; pid: number; heartbeat_at: Date }>(
    `select id::text as id, host, pid, heartbeat_at from scheduler_nodes
      where not coalesce(stopping, false) and heartbeat_at > now() - make_interval(secs => $1)
      order by heartbeat_at desc`,
    [withinMs / 1000],
  );
  return result.rows.map((r) => ({ id: r.id, host: r.host, pid: Number(r.pid), heartbeatAt: new Date(r.heartbeat_at) }));
}

/** When this database was created (its first migration), or null before migrations. */
export async function databaseBornAt(db: Queryable): Promise<Date | null> {
  const exists = await db.query<{ ok: boolean }>(`select to_regclass('studio_migrations') is not null as ok`);
  if (!exists.rows[0]?.ok) return null;
  const row = await db.query<{ at: Date | null }>('select min(applied_at) as at from studio_migrations');
  return row.rows[0]?.at ? new Date(row.rows[0].at) : null;
}
