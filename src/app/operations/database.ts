/** The database itself: its status (connectivity, versions, migrations, size) and applying migrations. */
import type { App } from '../app.js';
import { readDbStatus } from '../../storage/db-status.js';
import { migrate } from '../../storage/migrate.js';
import { migrationVars } from '../../storage/open.js';

export function databaseStatus(deps: Pick<App, 'db' | 'config'>) {
  return readDbStatus(deps.db, { vars: migrationVars(deps.config) });
}

/** Apply pending migrations; returns the versions applied. */
export function migrateDatabase(deps: Pick<App, 'db' | 'config'>) {
  return migrate(deps.db, { vars: migrationVars(deps.config) });
}
