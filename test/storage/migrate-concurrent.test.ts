import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeServer, serverUrl } from '../helpers/db.js';
import { createPostgresDatabase } from '../../src/storage/postgres.js';
import { migrate, migrationStatus } from '../../src/storage/migrate.js';

describeServer('migrations under concurrency', (t) => {
  it('five processes starting at once apply each migration exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-mig-'));
    writeFileSync(join(dir, '0001_a.sql'), 'create table once_a (id int primary key); insert into once_a values (1);');
    writeFileSync(join(dir, '0002_b.sql'), 'insert into once_a values (2);');
    const schema = `${t.config.database.schema}_c`;
    await t.db.exec(`create schema ${schema}`);
    const dbs = await Promise.all(Array.from({ length: 5 }, () => createPostgresDatabase({ url: serverUrl!, schema })));
    const results = await Promise.all(dbs.map((db) => migrate(db, { dir })));
    expect(results.flat().sort()).toEqual(['0001_a', '0002_b']);
    const rows = await dbs[0]!.query<{ id: number }>('select id from once_a order by id');
    expect(rows.rows.map((r) => r.id)).toEqual([1, 2]);
    expect((await migrationStatus(dbs[0]!, { dir })).pending).toEqual([]);
    await Promise.all(dbs.map((db) => db.close()));
    await t.db.exec(`drop schema ${schema} cascade`);
  });
});
