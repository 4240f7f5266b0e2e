/**
 * `studio db psql`: the real psql on the active database. Embedded: the owner's Unix socket (the
 * directory as PGHOST). Server: DATABASE_URL's parts as PG* variables, so the password never shows on
 * a command line (`ps`). The schema (DATABASE_SCHEMA) is put first on the search path.
 */
import { spawn } from 'node:child_process';
import type { Config } from '../core/config.js';
import { AppError, ConfigError } from '../core/errors.js';

export async function runPsql(config: Config, socket: string | null, extra: string[]): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE', 'PGSSLMODE', 'PGOPTIONS', 'PGSERVICE']) delete env[key];
  if (config.database.url) {
    let url: URL;
    try {
      url = new URL(config.database.url);
    } catch {
      throw new ConfigError('db psql: DATABASE_URL is not a URL like postgres://user@host:5432/db');
    }
    const host = url.searchParams.get('host') ?? decodeURIComponent(url.hostname);
    if (host) env.PGHOST = host;
    if (url.port) env.PGPORT = url.port;
    if (url.username) env.PGUSER = decodeURIComponent(url.username);
    if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (database) env.PGDATABASE = database;
    const sslmode = url.searchParams.get('sslmode');
    if (sslmode) env.PGSSLMODE = sslmode;
    if (config.database.schema !== 'public') env.PGOPTIONS = `-c search_path=${config.database.schema},public`;
  } else {
    if (!socket) throw new AppError('DATABASE', 'db psql: the embedded database is not served on a socket; run the command again', { exitCode: 2 });
    env.PGHOST = socket.replace(/\/\.s\.PGSQL\.\d+$/, '');
    env.PGUSER = 'postgres';
    env.PGDATABASE = 'postgres';
  }
  env.PGAPPNAME = 'studio db psql';
  const args = [...(process.stdin.isTTY ? [] : ['-v', 'ON_ERROR_STOP=1']), ...extra];
  // Ctrl-C belongs to psql (it cancels its query); this process must outlive it to close the database
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGQUIT', ignore);
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(config.backup.psqlPath, args, { stdio: 'inherit', env });
      child.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'ENOENT'
            ? new AppError('NOT_FOUND', `db psql: psql not found at "${config.backup.psqlPath}"; install the PostgreSQL client (postgresql-client) or set PSQL_PATH`, { exitCode: 2 })
            : error,
        ),
      );
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 1 : 1)));
    });
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGQUIT', ignore);
  }
}
