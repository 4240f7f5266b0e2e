/** `studio db status|migrate`: the manual's "check database connectivity". */
import type { Command } from 'commander';
import { loadConfig } from '../core/config.js';
import { action, withApp } from './run.js';
import { c, formatBytes, printJson, println, table } from './output.js';

export function registerDb(program: Command): void {
  const db = program.command('db').description('database status and migrations');

  db.command('status')
    .description('mode, connectivity, versions, migrations, size, largest tables, connections, latency')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Exit codes: 0 connected and migrated, 1 migrations pending, 2 cannot connect.

Examples:
  studio db status
  watch -n 30 studio db status
  DATABASE_URL=postgres://postgres@127.0.0.1/studio studio db status --json`,
    )
    .action(
      action(async (opts: { json?: boolean }) => {
        const config = loadConfig();
        return withApp({ config, migrate: false, logBase: { cmd: 'db status' } }, async (app) => {
          const { databaseStatus } = await import('../app/operations/database.js');
          const status = await databaseStatus(app);
          const ok = status.migrations.pending.length === 0;
          if (opts.json) {
            printJson(status);
            return ok ? 0 : 1;
          }
          println(`${c.green('✓')} ${c.bold(status.mode)} database at ${status.location} — connected, ${status.latencyMs} ms round trip`);
          println(`  PostgreSQL ${status.serverVersion}, pgvector ${status.pgvectorVersion ?? c.red('missing')}`);
          println(
            `  migrations: ${status.migrations.applied} applied${status.migrations.latest ? ` (latest ${status.migrations.latest})` : ''}, ` +
              (ok ? 'none pending' : c.yellow(`${status.migrations.pending.length} pending: ${status.migrations.pending.join(', ')} — run studio db migrate`)),
          );
          if (status.migrations.drifted.length > 0) println(`  ${c.yellow('changed since applied:')} ${status.migrations.drifted.join(', ')}`);
          println(`  size ${formatBytes(status.sizeBytes)}` + (status.connections ? `, connections ${status.connections.inUse}/${status.connections.max}` : ''));
          if (status.tables.length > 0) {
            println('');
            println(
              table(
                ['table', 'rows (est.)', 'size'],
                status.tables.map((t) => [t.name, String(t.rowsEstimate), formatBytes(t.bytes)]),
                { align: ['left', 'right', 'right'] },
              ).replace(/^/gm, '  '),
            );
          }
          return ok ? 0 : 1;
        });
      }),
    );

  db.command('migrate')
    .description('apply pending migrations (also done on every start)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  studio db migrate')
    .action(
      action(async (opts: { json?: boolean }) => {
        const config = loadConfig();
        return withApp({ config, migrate: false, logBase: { cmd: 'db migrate' } }, async (app) => {
          const { migrateDatabase } = await import('../app/operations/database.js');
          const applied = await migrateDatabase(app);
          app.logger.info({ applied }, 'db migrate');
          if (opts.json) printJson({ applied });
          else println(applied.length ? `applied ${applied.length}: ${applied.join(', ')}` : 'the database is up to date');
        });
      }),
    );
}
