import { describe, expect, it } from 'vitest';
import { describeEachEngine, serverUrl, TEST_EMBEDDING_DIM } from '../helpers/db.js';
import { createPostgresDatabase } from '../../src/storage/postgres.js';
import { migrate, migrationStatus } from '../../src/storage/migrate.js';
import { readDbStatus } from '../../src/storage/db-status.js';
import { listAudit, recordAudit } from '../../src/storage/audit.js';

describeEachEngine('database', (t) => {
  it('has run every migration, records them, and a second run applies nothing', async () => {
    const status = await migrationStatus(t.db);
    expect(status.pending).toEqual([]);
    expect(status.applied.map((m) => m.name)).toContain('foundation');
    expect(await migrate(t.db, { vars: { EMBEDDING_DIM: TEST_EMBEDDING_DIM } })).toEqual([]);
    const dim = await t.db.query<{ value: string }>("select value from studio_settings where key = 'embedding_dim'");
    expect(dim.rows[0]!.value).toBe(String(TEST_EMBEDDING_DIM));
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await t.db.exec('create table tx_probe (id int primary key, n bigint)');
    await t.db.withTransaction(async (tx) => {
      await tx.query('insert into tx_probe values (1, 9007199254740991)');
    });
    await expect(
      t.db.withTransaction(async (tx) => {
        await tx.query('insert into tx_probe values (2, 2)');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const rows = await t.db.query<{ id: number; n: number }>('select id, n from tx_probe order by id');
    expect(rows.rows).toEqual([{ id: 1, n: 9007199254740991 }]);
    expect(typeof rows.rows[0]!.n).toBe('number');
  });

  it('turns a failing statement into a DatabaseError naming storage', async () => {
    await expect(t.db.query('select * from no_such_table')).rejects.toThrow(/^storage: .*no_such_table/);
  });

  it('does vector similarity with pgvector and an HNSW index', async () => {
    await t.db.exec('create table vec_probe (id int primary key, embedding vector(3)); create index on vec_probe using hnsw (embedding vector_cosine_ops)');
    await t.db.query("insert into vec_probe values (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0.9,0.1,0]')");
    const near = await t.db.query<{ id: number; similarity: number }>(
      "select id, 1 - (embedding <=> '[1,0,0]') as similarity from vec_probe order by embedding <=> '[1,0,0]' limit 2",
    );
    expect(near.rows.map((r) => r.id)).toEqual([1, 3]);
    expect(near.rows[1]!.similarity).toBeCloseTo(0.9939, 3);
  });

  it('reports status: versions, migrations, tables and a latency', async () => {
    const status = await readDbStatus(t.db);
    expect(status.connected).toBe(true);
    expect(status.pgvectorVersion).toMatch(/^0\.\d+\.\d+$/);
    expect(Number(status.serverVersion.split('.')[0])).toBeGreaterThanOrEqual(15);
    expect(status.migrations.pending).toEqual([]);
    // the ten largest tables, largest first (there are more than ten once the scheduler's tables exist)
    expect(status.tables.length).toBeGreaterThan(0);
    expect(status.tables.length).toBeLessThanOrEqual(10);
    expect(status.tables.map((x) => x.bytes)).toEqual([...status.tables.map((x) => x.bytes)].sort((a, b) => b - a));
    expect(status.latencyMs).toBeGreaterThanOrEqual(0);
    if (t.engine === 'postgres') expect(status.connections!.max).toBeGreaterThan(0);
    else expect(status.connections).toBeNull();
  });

  it('writes and reads the audit log', async () => {
    await recordAudit(t.db, { user: 'alice', sshClient: '203.0.113.9' }, { action: 'budget.reset', target: 'cycle-1', reason: 'new month', details: { a: 1 } });
    const [row] = await listAudit(t.db, { action: 'budget' });
    expect(row).toMatchObject({ operator: 'alice', sshClient: '203.0.113.9', action: 'budget.reset', reason: 'new month', details: { a: 1 } });
  });
});

describe.runIf(serverUrl)('the client-side read timeout (server mode)', () => {
  // statement_timeout 100 ms and a 300 ms margin: the client gives up on a query after 400 ms
  const open = (statementTimeoutMs: number) => createPostgresDatabase({ url: serverUrl!, statementTimeoutMs, readTimeoutMarginMs: 300, poolMax: 1 });

  it('gives up on a query that gets no answer a little after statement_timeout', async () => {
    const db = await open(100);
    try {
      // the server's own limit lifted on this connection, as a frozen server would never enforce it
      await db.exec('set statement_timeout = 0');
      await expect(db.query('select pg_sleep(0.8)')).rejects.toThrow(/read timeout/i);
    } finally {
      await db.close();
    }
  });

  it('holds a script (VACUUM, REINDEX, a migration) to no read timeout: maintenance lifts statement_timeout on purpose', async () => {
    const db = await open(100);
    try {
      await db.withConnection(async (conn) => {
        await conn.exec('set statement_timeout = 0');
        await conn.exec('select pg_sleep(0.8)');
      });
    } finally {
      await db.close();
    }
  });

  it('sets no read timeout at all when statement_timeout is 0 (no limit)', async () => {
    const db = await open(0);
    try {
      expect((await db.query<{ ok: number }>('select 1 as ok from pg_sleep(0.8)')).rows).toEqual([{ ok: 1 }]);
    } finally {
      await db.close();
    }
  });
});
