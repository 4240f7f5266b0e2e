/** `studio backup create|verify|list|prune|restore`: the manual's backup and "restore from backup" procedures. */
import type { Command } from 'commander';
import { formatDuration, systemClock } from '../core/clock.js';
import type { Database } from '../core/ports.js';
import type { DumpProgress } from '../app/operations/backups.js';
import { action, loadConfig, withApp } from './run.js';
import { c, eprintln, formatBytes, levelColour, printJson, println, table } from './output.js';
import { visibleControls } from '../core/terminal-text.js';

/** One self-rewriting progress line on a terminal's stderr; nothing when stderr is not a terminal. */
function progressLine(label: string): { update(p: DumpProgress): void; done(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, done: () => undefined };
  let last = 0;
  let shown = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      const table = p.currentTable ? ` (dumping ${p.currentTable})` : '';
      process.stderr.write(`\r\x1b[2K${label}: ${formatBytes(p.bytesWritten)} written, ${Math.min(p.tablesDone, p.tablesTotal)}/${p.tablesTotal} tables done${visibleControls(table, { singleLine: true })}`);
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[2K');
    },
  };
}

const ago = (date: Date | string | null | undefined) => (date ? `${formatDuration(Date.now() - new Date(date).getTime())} ago` : '');

export function registerBackup(program: Command): void {
  const backup = program
    .command('backup')
    .description('backups: create, verify (restore drill), list, prune, restore')
    .addHelpText(
      'after',
      `
Server mode uses pg_dump / pg_restore / psql (PG_DUMP_PATH, PG_RESTORE_PATH, PSQL_PATH); embedded mode
dumps PGlite's data directory. Files go to STUDIO_HOME/backups with a manifest beside each.

Examples:
  studio backup create && studio backup verify
  studio backup list
  studio backup restore 20261128-030000 --confirm --reason "bad migration"`,
    );

  backup
    .command('create')
    .description('back up the database (file mode 0600, manifest with checksum and row counts)')
    .option('--out <dir>', 'write the backup here instead of STUDIO_HOME/backups')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Examples:
  studio backup create
  studio backup create --out /mnt/offsite --json`,
    )
    .action(
      action(async (opts: { out?: string; json?: boolean }) => {
        const config = await loadConfig();
        return withApp({ config, logBase: { cmd: 'backup create' } }, async (app) => {
          const { backupNow } = await import('../app/operations/backups.js');
          const progress = progressLine('backup');
          let created;
          try {
            ({ created } = await backupNow(app, config.operator, { outDir: opts.out, onProgress: (p) => progress.update(p) }));
          } finally {
            progress.done();
          }
          for (const warning of created.warnings) eprintln(`${c.yellow('warning:')} ${warning}`);
          const m = created.manifest;
          if (opts.json) {
            printJson({ id: created.id, file: created.file, manifestFile: created.manifestFile, warnings: created.warnings, manifest: m });
            return;
          }
          const rows = Object.values(m.rowCounts).reduce((a, b) => a + b, 0);
          println(`${c.green('✓')} backup ${c.bold(created.id)} written in ${formatDuration(m.durationMs)}: ${created.file}`);
          println(`  ${formatBytes(m.sizeBytes)}, ${Object.keys(m.rowCounts).length} tables, ${rows} rows, PostgreSQL ${m.serverVersion}, migrations ${m.migrationLevel ?? 'none'}`);
          println(`  sha256 ${m.sha256}`);
          println(c.dim(`  prove it restores: studio backup verify ${created.id}`));
        });
      }),
    );

  backup
    .command('verify [id]')
    .description('restore drill: checksum, restore into a throw-away database, row counts, vector index; records the result')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Without an id, the newest backup. Exit 0 when it passed, 1 when it failed.

Examples:
  studio backup verify
  studio backup verify 20261128-030000 --json`,
    )
    .action(
      action(async (id: string | undefined, opts: { json?: boolean }) => {
        const config = await loadConfig();
        return withApp({ config, logBase: { cmd: 'backup verify' } }, async (app) => {
          const { verifyBackup } = await import('../ops/backup/verify.js');
          const report = await verifyBackup({ config, db: app.db, logger: app.logger, clock: systemClock }, id);
          if (opts.json) {
            printJson(report);
            return report.status === 'ok' ? 0 : 1;
          }
          if (report.status === 'failed') {
            eprintln(`${c.red('studio:')} backup ${report.id} failed verification: ${report.error}`);
            return 1;
          }
          const rows = report.tables.reduce((a, t) => a + (t.restored ?? 0), 0);
          println(`${c.green('✓')} backup ${c.bold(report.id)} verified in ${formatDuration(report.durationMs)}: checksum ok, restored ${report.tables.length} tables / ${rows} rows matching the manifest`);
          for (const v of report.vectorIndexes) println(`  vector index ${v.index} on ${v.table}.${v.column} (${v.method}): used, ${v.rows} neighbours returned`);
          for (const note of report.notes) println(c.dim(`  ${note}`));
          return 0;
        });
      }),
    );

  backup
    .command('list')
    .description('backups with size, age and their last verification')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  studio backup list\n  studio backup list --json | jq \'.[0]\'')
    .action(
      action(async (opts: { json?: boolean }) => {
        const config = await loadConfig();
        return withApp({ config, logBase: { cmd: 'backup list' } }, async (app) => {
          const { listBackups } = await import('../ops/backup/catalog.js');
          const rows = await listBackups({ config, db: app.db, logger: app.logger, clock: systemClock });
          if (opts.json) {
            printJson(
              rows.map((r) => ({
                id: r.id,
                file: r.file,
                present: r.present,
                refused: r.refused ?? null,
                createdAt: r.createdAt.toISOString(),
                ageMs: Date.now() - r.createdAt.getTime(),
                sizeBytes: r.sizeBytes,
                mode: r.mode,
                kind: r.kind,
                checksum: r.checksum,
                verifiedAt: r.verifiedAt?.toISOString() ?? null,
                verifyStatus: r.verifyStatus,
                verifyError: r.verifyError,
              })),
            );
            return;
          }
          if (rows.length === 0) {
            println(`no backups in ${config.paths.backups} yet; make one with studio backup create`);
            return;
          }
          println(
            table(
              ['id', 'age', 'size', 'kind', 'verified', ''],
              rows.map((r) => [
                r.id,
                ago(r.createdAt),
                formatBytes(r.sizeBytes),
                r.kind,
                r.verifyStatus ? `${levelColour(r.verifyStatus === 'ok' ? 'ok' : 'failed')} ${c.dim(ago(r.verifiedAt))}` : c.dim('never'),
                r.refused ? c.red('refused: file outside its folder') : r.present ? '' : c.red('file missing'),
              ]),
              { align: ['left', 'right', 'right', 'left', 'left', 'left'] },
            ),
          );
          const failed = rows.find((r) => r.verifyStatus === 'failed');
          if (failed) println(`\n${c.red('✗')} ${failed.id}: ${failed.verifyError}`);
        });
      }),
    );

  backup
    .command('prune')
    .description(`delete backups older than BACKUP_RETENTION_DAYS (never the newest verified one)`)
    .option('--dry-run', 'only list what would be deleted')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  studio backup prune --dry-run\n  BACKUP_RETENTION_DAYS=7 studio backup prune')
    .action(
      action(async (opts: { dryRun?: boolean; json?: boolean }) => {
        const config = await loadConfig();
        return withApp({ config, logBase: { cmd: 'backup prune' } }, async (app) => {
          const { pruneBackupsNow } = await import('../app/operations/backups.js');
          const result = await pruneBackupsNow(app, config.operator, { dryRun: opts.dryRun });
          if (opts.json) {
            printJson(result);
            return result.refused.length > 0 ? 1 : 0;
          }
          const verb = result.dryRun ? 'would delete' : 'deleted';
          if (result.deleted.length === 0) println(`nothing older than ${result.retentionDays} days to delete; ${result.kept} kept`);
          else {
            println(`${verb} ${result.deleted.length} backup(s) older than ${result.retentionDays} days; ${result.kept} kept`);
            for (const b of result.deleted) println(`  ${b.id}  ${formatBytes(b.sizeBytes)}  ${b.file}`);
          }
          for (const [id, why] of Object.entries(result.keptOld)) println(c.dim(`  kept ${id} although old: ${why}`));
          for (const r of result.refused) eprintln(`${c.red('refused')} ${r.reason}`);
          return result.refused.length > 0 ? 1 : 0;
        });
      }),
    );

  backup
    .command('restore <id>')
    .description('replace the database with a backup (safety backup first; refused while a scheduler runs; audited)')
    .option('--confirm', 'yes, replace the data')
    .option('--reason <text>', 'why, for the audit log')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
The id may be a unique prefix, or "latest". Stop every scheduler (and, embedded, the console) first.

Examples:
  studio backup restore 20261128-030000 --confirm --reason "bad import at 09:12"
  studio backup restore latest --confirm`,
    )
    .action(
      action(async (id: string, opts: { confirm?: boolean; reason?: string; json?: boolean }) => {
        const config = await loadConfig();
        return withApp({ config, logBase: { cmd: 'backup restore' } }, async (app) => {
          const { restoreBackupNow } = await import('../app/operations/backups.js');
          const progress = progressLine('safety backup');
          let reopened: Database | undefined;
          try {
            const { report, db } = await restoreBackupNow(app, config.operator, { id, confirm: opts.confirm, reason: opts.reason, onProgress: (p) => progress.update(p) });
            if (db !== app.db) reopened = db;
            progress.done();
            if (opts.json) {
              printJson({ ...report, location: db.location });
              return report.mismatches.length ? 1 : 0;
            }
            println(`${c.green('✓')} restored backup ${c.bold(report.id)} (made ${report.createdAt}) into ${db.location} in ${formatDuration(report.durationMs)}`);
            println(`  safety backup of the data it replaced: ${report.safetyBackup} (studio backup restore ${report.safetyBackup} --confirm to undo)`);
            if (report.auditRowsCarriedForward > 0) println(`  audit log: ${report.auditRowsCarriedForward} action(s) recorded after the backup were kept`);
            if (report.migrationsApplied.length) println(`  migrations applied since: ${report.migrationsApplied.join(', ')}`);
            if (report.mismatches.length) {
              println(c.red(`  row counts differ from the manifest: ${report.mismatches.map((m) => `${m.table} ${m.restored} (expected ${m.expected})`).join(', ')}`));
              return 1;
            }
            return 0;
          } finally {
            progress.done();
            await reopened?.close();
          }
        });
      }),
    );
}
