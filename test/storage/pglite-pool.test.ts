import { expect, inject, it } from 'vitest';
import { acquirePglite } from '../helpers/pglite-pool.js';
import { recordAudit } from '../../src/storage/audit.js';
import { migrationStatus } from '../../src/storage/migrate.js';

// The test helper every embedded describe block gets its database from: a database given back and taken
// again must be indistinguishable from a new one started from the template.

const OPERATOR = { user: 'test' };
const count = async (db: Awaited<ReturnType<typeof acquirePglite>>, sql: string) => (await db.query<{ n: number }>(`select count(*)::int as n from ${sql}`)).rows[0]!.n;

it('hands a used database back in the template state: rows, sequences, settings and session reset', async () => {
  const fresh = await acquirePglite(inject('pgliteTemplate'));
  const template = {
    migrations: (await migrationStatus(fresh)).applied.map((m) => m.name),
    settings: (await fresh.query('select key, value from studio_settings order by key')).rows,
    firstAudit: await recordAudit(fresh, OPERATOR, { action: 'probe', target: 'a' }),
  };
  await fresh.close();

  const used = await acquirePglite(inject('pgliteTemplate'));
  await used.query("update studio_settings set value = '3' where key = 'embedding_dim'");
  await used.query("insert into studio_settings (key, value) values ('extra', 'x')");
  await used.query("delete from studio_migrations where name = 'foundation'");
  for (let i = 0; i < 3; i++) await recordAudit(used, OPERATOR, { action: 'probe', target: String(i) });
  await used.exec("set statement_timeout = '1s'; create temporary table scratch (id int)");
  await used.close();

  const again = await acquirePglite(inject('pgliteTemplate'));
  try {
    expect((await migrationStatus(again)).applied.map((m) => m.name)).toEqual(template.migrations);
    expect((await again.query('select key, value from studio_settings order by key')).rows).toEqual(template.settings);
    expect(await count(again, 'audit_log')).toBe(0);
    // the identity sequence starts where the template's does: the first row gets the id a new database gives
    expect(await recordAudit(again, OPERATOR, { action: 'probe', target: 'b' })).toBe(template.firstAudit);
    expect((await again.query<{ t: string }>('show statement_timeout')).rows[0]).toEqual({ statement_timeout: '0' });
    expect(await count(again, "pg_class where relname = 'scratch'")).toBe(0);
  } finally {
    await again.close();
  }
});

it('never hands out a database whose schema a test changed', async () => {
  const changed = await acquirePglite(inject('pgliteTemplate'));
  await changed.exec('create table probe (id int); alter table audit_log add column extra int');
  await changed.close();

  const next = await acquirePglite(inject('pgliteTemplate'));
  try {
    expect(await count(next, "pg_tables where tablename = 'probe'")).toBe(0);
    expect(await count(next, "information_schema.columns where table_name = 'audit_log' and column_name = 'extra'")).toBe(0);
  } finally {
    await next.close();
  }
});
