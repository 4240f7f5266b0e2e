/**
 * The manual's maintenance tasks as functions that say what they did: VACUUM (ANALYZE), REINDEX one
 * index at a time within a time budget, log rotation and clean-up, archiving terminal ideas, purging old
 * audit rows and job history. Used by the maintenance jobs and by `studio maintenance ...`.
 */
import { createReadStream, createWriteStream, existsSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Clock } from '../core/clock.js';
import { toError } from '../core/errors.js';
import type { Database } from '../core/ports.js';
import { redactText } from '../core/redact.js';
import { countOldRuns, purgeRuns } from '../storage/job-runs.js';
import { archiveCandidates, archiveIdeas, listIndexes, listTables, purgeAudit, reindexIndex, vacuumTable } from '../storage/maintenance.js';

const DAY = 86_400_000;

export interface VacuumReport {
  dryRun: boolean;
  tables: Array<{ name: string; bytes: number; deadRows: number; ms?: number; error?: string }>;
  ms: number;
}

export async function vacuum(db: Database, options: { clock: Clock; dryRun?: boolean; signal?: AbortSignal }): Promise<VacuumReport> {
  const started = options.clock.now();
  const tables = await listTables(db);
  const report: VacuumReport = { dryRun: Boolean(options.dryRun), tables: [], ms: 0 };
  for (const table of tables) {
    if (options.signal?.aborted) break;
    const entry: VacuumReport['tables'][number] = { name: table.name, bytes: table.bytes, deadRows: table.deadRows };
    if (!options.dryRun) {
      const t0 = options.clock.now();
      try {
        await vacuumTable(db, table.name);
      } catch (error) {
        entry.error = redactText(toError(error).message);
      }
      entry.ms = options.clock.now() - t0;
    }
    report.tables.push(entry);
  }
  report.ms = options.clock.now() - started;
  return report;
}

export interface ReindexReport {
  dryRun: boolean;
  /** false on PGlite: a plain REINDEX (there are no concurrent sessions to keep writing). */
  concurrently: boolean;
  budgetMs: number;
  lockTimeoutMs: number;
  indexes: Array<{ name: string; table: string; bytes: number; status: 'reindexed' | 'failed' | 'skipped' | 'planned'; ms?: number; error?: string }>;
  ms: number;
}

/** REINDEX every index of studio's schema, one at a time, smallest first, until the time budget is spent. */
export async function reindex(
  db: Database,
  options: { clock: Clock; lockTimeoutMs: number; budgetMs: number; dryRun?: boolean; signal?: AbortSignal },
): Promise<ReindexReport> {
  const started = options.clock.now();
  const indexes = await listIndexes(db);
  const report: ReindexReport = {
    dryRun: Boolean(options.dryRun),
    concurrently: db.mode === 'server',
    budgetMs: options.budgetMs,
    lockTimeoutMs: options.lockTimeoutMs,
    indexes: [],
    ms: 0,
  };
  for (const index of indexes) {
    const entry: ReindexReport['indexes'][number] = { name: index.name, table: index.table, bytes: index.bytes, status: 'planned' };
    report.indexes.push(entry);
    if (options.dryRun) continue;
    if (options.signal?.aborted || options.clock.now() - started >= options.budgetMs) {
      entry.status = 'skipped';
      entry.error = options.signal?.aborted ? 'aborted' : 'time budget spent; next run';
      continue;
    }
    const t0 = options.clock.now();
    try {
      await reindexIndex(db, index.name, { lockTimeoutMs: options.lockTimeoutMs });
      entry.status = 'reindexed';
    } catch (error) {
      entry.status = 'failed';
      const message = toError(error).message;
      entry.error = /lock timeout/i.test(message) ? `lock_timeout (${options.lockTimeoutMs} ms) reached; the table was busy` : redactText(message);
    }
    entry.ms = options.clock.now() - t0;
  }
  report.ms = options.clock.now() - started;
  return report;
}

export interface RotateReport {
  dryRun: boolean;
  rotated: Array<{ from: string; to: string; bytes: number; compressedBytes?: number }>;
  note?: string;
}

/** How long rotation waits before compressing: other processes reopen within a second. */
export const ROTATION_SETTLE_MS = 2_500;

const stampOf = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/**
 * Rotate the log: rename `pipeline.log` to `pipeline.log.<UTC stamp>`, have this process reopen its log
 * (a new `pipeline.log`), wait `settleMs` for other studio processes on this host to notice and reopen
 * theirs (they look every second, see core/log-watch.ts), then gzip the rotated file and remove the
 * uncompressed copy.
 */
export async function rotateLogs(options: { logFile: string; clock: Clock; reopen(): void; dryRun?: boolean; settleMs?: number; signal?: AbortSignal }): Promise<RotateReport> {
  const { logFile } = options;
  if (!existsSync(logFile)) return { dryRun: Boolean(options.dryRun), rotated: [], note: `${logFile} does not exist; nothing to rotate` };
  const bytes = statSync(logFile).size;
  if (bytes === 0) return { dryRun: Boolean(options.dryRun), rotated: [], note: `${logFile} is empty; nothing to rotate` };
  let target = `${logFile}.${stampOf(options.clock.date())}`;
  for (let i = 1; existsSync(target) || existsSync(`${target}.gz`); i++) target = `${logFile}.${stampOf(options.clock.date())}-${i}`;
  if (options.dryRun) return { dryRun: true, rotated: [{ from: logFile, to: `${target}.gz`, bytes }] };
  renameSync(logFile, target);
  options.reopen();
  const settle = options.settleMs ?? ROTATION_SETTLE_MS;
  if (settle > 0) await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, settle);
    options.signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
  await pipeline(createReadStream(target), createGzip(), createWriteStream(`${target}.gz`, { mode: 0o640 }));
  const compressedBytes = statSync(`${target}.gz`).size;
  unlinkSync(target);
  return { dryRun: false, rotated: [{ from: logFile, to: `${target}.gz`, bytes, compressedBytes }] };
}

export interface CleanupReport {
  dryRun: boolean;
  retentionDays: number;
  deleted: Array<{ file: string; bytes: number; ageDays: number }>;
  kept: number;
}

/** Delete rotated logs (`pipeline.log.*`) older than the retention. The live log is never touched. */
export function cleanupLogs(options: { logFile: string; retentionDays: number; clock: Clock; dryRun?: boolean }): CleanupReport {
  const dir = dirname(options.logFile);
  const prefix = `${basename(options.logFile)}.`;
  const report: CleanupReport = { dryRun: Boolean(options.dryRun), retentionDays: options.retentionDays, deleted: [], kept: 0 };
  if (!existsSync(dir)) return report;
  const cutoff = options.clock.now() - options.retentionDays * DAY;
  for (const name of readdirSync(dir).sort()) {
    if (!name.startsWith(prefix)) continue;
    const file = join(dir, name);
    const stat = statSync(file);
    if (!stat.isFile()) continue;
    if (stat.mtimeMs >= cutoff) {
      report.kept++;
      continue;
    }
    if (!options.dryRun) unlinkSync(file);
    report.deleted.push({ file, bytes: stat.size, ageDays: Math.floor((options.clock.now() - stat.mtimeMs) / DAY) });
  }
  return report;
}

export interface ArchiveReport {
  dryRun: boolean;
  retentionDays: number;
  before: string;
  ideas: Array<{ id: string; title: string; status: string; updatedAt: string }>;
}

/** Move ideas REJECTED, DEPLOYED or SMOKE_TEST_FAILED before the retention into ideas_archive, batch by batch, each batch one transaction. */
export async function archiveOldIdeas(db: Database, options: { retentionDays: number; clock: Clock; dryRun?: boolean; signal?: AbortSignal }): Promise<ArchiveReport> {
  const before = new Date(options.clock.now() - options.retentionDays * DAY);
  const report: ArchiveReport = { dryRun: Boolean(options.dryRun), retentionDays: options.retentionDays, before: before.toISOString(), ideas: [] };
  const shape = (c: { id: string; title: string; status: string; updatedAt: Date }) => ({ id: c.id, title: c.title, status: c.status, updatedAt: new Date(c.updatedAt).toISOString() });
  if (options.dryRun) {
    report.ideas = (await archiveCandidates(db, before, 100_000)).map(shape);
    return report;
  }
  for (;;) {
    if (options.signal?.aborted) break;
    const moved = await db.withTransaction((tx) => archiveIdeas(tx, { before, now: options.clock.date(), limit: 500 }));
    report.ideas.push(...moved.map(shape));
    if (moved.length < 500) break;
  }
  return report;
}

export interface PurgeReport {
  dryRun: boolean;
  retentionDays: number;
  auditRows: number;
  jobRuns: number;
}

/** Delete audit rows and finished job history older than the audit retention (365 days by default). */
export async function purgeHistory(db: Database, options: { retentionDays: number; clock: Clock; dryRun?: boolean }): Promise<PurgeReport> {
  const before = new Date(options.clock.now() - options.retentionDays * DAY);
  const auditRows = await purgeAudit(db, before, { dryRun: options.dryRun });
  const jobRuns = options.dryRun ? await countOldRuns(db, before) : await purgeRuns(db, before);
  return { dryRun: Boolean(options.dryRun), retentionDays: options.retentionDays, auditRows, jobRuns };
}
