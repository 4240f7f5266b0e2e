/** `studio db status|migrate`: the manual's "check database connectivity". */
import type { Command } from 'commander';
import { action, loadConfig, withApp } from './run.js';
import { c, formatBytes, printJson, println, table } from './output.js';
import type { EmbeddedOwner } from '../core/ports.js';

/** One line: who owns the embedded database, since when, how many connect to it, and where. */
export function describeOwner(owner: EmbeddedOwner): string {
  const who = owner.self ? `this command (pid ${owner.pid}; no other studio process had it open)` : `pid ${owner.pid}${owner.command ? ` (studio ${owner.command})` : ''}`;
  return `owner: ${who} since ${owner.since.toISOString().slice(0, 19).replace('T', ' ')} UTC, ${owner.clients} client connection${owner.clients === 1 ? '' : 's'}, socket ${owner.socket ?? '-'}`;
}

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
        const config = await loadConfig();
        return withApp({ config, migrate: false, logBase: { cmd: 'db status' } }, async (app) => {
          const { databaseStatus } = await import('../app/operations/database.js');
          const status = await databaseStatus(app);
          const ok = status.migrations.pending.length === 0;
          const owner = app.db.embeddedOwner?.();
          if (opts.json) {
            printJson({ ...status, owner: owner ?? null });
            return ok ? 0 : 1;
          }
          println(`${c.green('✓')} ${c.bold(status.mode)} database at ${status.location} — connected, ${status.latencyMs} ms round trip`);
          if (owner) println(`  ${describeOwner(owner)}`);
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
        const config = await loadConfig();
        return withApp({ config, migrate: false, logBase: { cmd: 'db migrate' } }, async (app) => {
          const { migrateDatabase } = await import('../app/operations/database.js');
          const applied = await migrateDatabase(app);
          app.logger.info({ applied }, 'db migrate');
          if (opts.json) printJson({ applied });
          else println(applied.length ? `applied ${applied.length}: ${applied.join(', ')}` : 'the database is up to date');
        });
      }),
    );

  db.command('psql')
    .description('open psql on the active database: the embedded owner\'s socket, or DATABASE_URL')
    .argument('[psqlArgs...]', 'more arguments for psql, after --')
    .addHelpText(
      'after',
      `
With stdin not a terminal, psql runs what it reads (stopping at the first error) and studio exits with
psql's code. In embedded mode with no studio process running, this command opens the database itself
for the session. The embedded database is ONE session shared by every studio process: use SET LOCAL
inside BEGIN ... COMMIT, never plain SET, and do not leave a transaction open (everyone waits for it).

Examples:
  studio db psql
  echo "select status, count(*) from ideas group by 1" | studio db psql
  studio db psql -- -c "select * from budget_cycles" --csv`,
    )
    .action(
      action(async (psqlArgs: string[]) => {
        const config = await loadConfig();
        return withApp({ config, migrate: false, logBase: { cmd: 'db psql' } }, async (app) => {
          const { runPsql } = await import('./psql.js');
          return runPsql(config, app.db.embeddedOwner?.()?.socket ?? null, psqlArgs);
        });
      }),
    );
}
