/**
 * Verify a backup: its checksum, then a restore drill into a throw-away database (row counts against the
 * manifest, a nearest-neighbour query through each vector index); the result goes into the catalog row
 * and the manifest, and a failure raises `backup.verify_failed`.
 */
import { existsSync } from 'node:fs';
import { BackupError, toError } from '../../core/errors.js';
import type { VectorIndexCheck } from '../../storage/backup-checks.js';
import { createBackupEngine } from '../../storage/backup-engine.js';
import { recordVerification } from '../../storage/backups.js';
import { emitEvent } from '../../storage/events.js';
import { manifestFor, resolveBackup, type BackupDeps } from './catalog.js';
import { hashFile, manifestPathFor, writeManifest } from './manifest.js';

export interface VerifyReport {
  id: string;
  file: string;
  status: 'ok' | 'failed';
  /** The first problem found, in one line. */
  error: string | null;
  checksum: 'ok' | 'mismatch' | 'missing';
  tables: Array<{ table: string; expected: number; restored: number | null }>;
  vectorIndexes: VectorIndexCheck[];
  notes: string[];
  durationMs: number;
  verifiedAt: string;
}

/** Prove a backup (the newest when id is omitted) and record the result; a failure also raises backup.verify_failed. */
export async function verifyBackup(deps: BackupDeps, id?: string, options: { signal?: AbortSignal } = {}): Promise<VerifyReport> {
  const { config, db, clock } = deps;
  const row = await resolveBackup(deps, id);
  const started = clock.now();
  const report: VerifyReport = {
    id: row.id,
    file: row.file,
    status: 'ok',
    error: null,
    checksum: 'ok',
    tables: [],
    vectorIndexes: [],
    notes: [],
    durationMs: 0,
    verifiedAt: '',
  };
  const manifest = manifestFor(row);
  const fail = (message: string) => {
    if (report.status === 'ok') report.error = message;
    report.status = 'failed';
  };

  if (!existsSync(row.file)) {
    report.checksum = 'missing';
    fail(`the backup file ${row.file} is missing`);
  } else {
    const { sha256, sizeBytes } = await hashFile(row.file);
    if (sha256 !== manifest.sha256 || sizeBytes !== manifest.sizeBytes) {
      report.checksum = 'mismatch';
      fail(
        `checksum mismatch: ${row.file} is corrupt or changed since the backup (sha256 ${sha256.slice(0, 12)}…, ${sizeBytes} bytes; the manifest says ${manifest.sha256.slice(0, 12)}…, ${manifest.sizeBytes} bytes)`,
      );
    }
  }

  if (report.status === 'ok') {
    try {
      const engine = await createBackupEngine({ config, db });
      if (engine.mode !== manifest.mode) throw new BackupError(`backup verify: ${row.id} is a ${manifest.mode} backup; this studio runs in ${engine.mode} mode`);
      const scratch = await engine.verify(row.file, { signal: options.signal, schema: manifest.schema });
      for (const [table, expected] of Object.entries(manifest.rowCounts)) {
        const restored = scratch.rowCounts[table] ?? null;
        report.tables.push({ table, expected, restored });
      }
      const wrong = report.tables.filter((t) => t.restored !== t.expected);
      if (wrong.length > 0) {
        fail(
          `row counts differ from the manifest: ${wrong
            .slice(0, 5)
            .map((t) => `${t.table} ${t.restored ?? 'missing'} (expected ${t.expected})`)
            .join(', ')}`,
        );
      }
      report.vectorIndexes = scratch.vectorIndexes;
      const broken = scratch.vectorIndexes.find((v) => v.problem);
      if (broken) fail(`vector index ${broken.index} is not usable: ${broken.problem}`);
      if (scratch.vectorIndexes.length === 0) report.notes.push('no vector index exists yet; nothing to probe');
      else report.notes.push(`${scratch.vectorIndexes.length} vector index(es) answered a nearest-neighbour query through the index`);
    } catch (error) {
      fail(`restore drill failed: ${toError(error).message.replace(/^(backup( verify)?|storage): /, '')}`);
    }
  }

  const at = clock.date();
  report.durationMs = Math.max(0, clock.now() - started);
  report.verifiedAt = at.toISOString();
  await db.withTransaction(async (tx) => {
    await recordVerification(tx, row.id, at, report.status, report.error);
    if (report.status === 'failed') {
      await emitEvent(tx, {
        kind: 'backup.verify_failed',
        source: 'backup',
        level: 'CRITICAL',
        dedupKey: 'backup.verify_failed',
        message: `backup ${row.id} failed its restore drill: ${report.error}`,
        details: { id: row.id, file: row.file, checksum: report.checksum },
      });
    }
  });
  const manifestFile = manifestPathFor(row.file);
  if (existsSync(manifestFile)) {
    await writeManifest(manifestFile, { ...manifest, verification: { at: report.verifiedAt, status: report.status, error: report.error } });
  }
  deps.logger[report.status === 'ok' ? 'info' : 'error']({ backup: row.id, status: report.status, error: report.error }, 'backup: verified');
  return report;
}
