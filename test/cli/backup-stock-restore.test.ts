/**
 * A backup is only as good as the recovery an operator can do without studio: these tests restore
 * `studio backup create` files with the stock tools (createdb + pg_restore, tar), as the backup docs say.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parseJson, runCli, type CliResult } from '../helpers/cli.js';
import { describeServer, embeddedHomeFromTemplate, serverUrl } from '../helpers/db.js';

interface Created {
  id: string;
  file: string;
  manifest: { rowCounts: Record<string, number> };
}

const ok = (result: CliResult) => {
  if (result.code !== 0) throw new Error(`exit ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
};

const IDEAS = [
  ['Solar powered drone delivery for farms', 'Autonomous drones deliver seeds and parts to remote farms on solar power'],
  ['Invoice factoring for freelancers', 'Freelancers sell unpaid invoices at a small discount and get paid today'],
  ['Tutoring marketplace for adult learners', 'Adults book short lessons with vetted tutors in any subject they need'],
];

/** The database URL with another database name. */
function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Connection arguments for the stock client tools (the URL's host, port and user). */
function pgArgs(url: string): string[] {
  const parsed = new URL(url);
  return ['-h', parsed.hostname, '-p', parsed.port || '5432', '-U', decodeURIComponent(parsed.username || 'postgres')];
}

async function psql(url: string, database: string, sql: string): Promise<string> {
  const result = await execa('psql', [...pgArgs(url), '-d', database, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
  return String(result.stdout).trim();
}

/** Tables of a schema in a database with their exact row counts (what the manifest records). */
async function countTables(url: string, database: string, schema: string): Promise<Record<string, number>> {
  const names = (await psql(url, database, `select tablename from pg_tables where schemaname = '${schema}' order by 1`)).split('\n').filter(Boolean);
  if (names.length === 0) return {};
  // one psql for all the counts (a psql and a server backend per table cost ~60 process starts a run)
  const counts = await psql(url, database, names.map((name) => `select '${name}', count(*) from "${schema}"."${name}"`).join(' union all '));
  return Object.fromEntries(counts.split('\n').map((line) => line.split('|')).map(([name, n]) => [name!, Number(n)]));
}

async function createIdeas(env: Record<string, string>): Promise<void> {
  const input = IDEAS.map(([title, description]) => JSON.stringify({ title, description })).join('\n');
  ok(await runCli(['create', '--file', '-', '--force', '--json'], { env, input }));
}

describeServer('stock pg_restore of a server backup', (t) => {
  const fresh = () => `studio_stock_${randomUUID().slice(0, 8)}`;

  /**
   * The stock recovery: `createdb NEW && pg_restore -d NEW FILE`, exit 0 and no error on stderr; then the
   * tables and counts match the manifest, a vector query runs, and studio itself works on the restored copy.
   */
  async function stockRestore(backup: Created, schema: string): Promise<string> {
    const target = fresh();
    await execa('createdb', [...pgArgs(serverUrl!), target]);
    const restored = await execa('pg_restore', [...pgArgs(serverUrl!), '-d', target, backup.file], { reject: false });
    expect({ exit: restored.exitCode, stderr: String(restored.stderr) }).toEqual({ exit: 0, stderr: '' });
    expect(await countTables(serverUrl!, target, schema)).toEqual(backup.manifest.rowCounts);
    // vector columns work: each idea's nearest neighbour through the cosine operator is itself
    const nearest = await psql(
      serverUrl!,
      target,
      `set search_path = "${schema}", public;
       select count(*) from ideas a where a.id = (select b.id from ideas b order by b.embedding <=> a.embedding limit 1)`,
    );
    expect(Number(nearest)).toBe(IDEAS.length);
    return target;
  }

  it('studio in public (the default): createdb + pg_restore exit 0 into a bare database, extension and schema handled', { timeout: 180_000 }, async () => {
    const source = fresh();
    await execa('createdb', [...pgArgs(serverUrl!), source]);
    const sourceUrl = withDatabase(serverUrl!, source);
    const env = { ...t.env, DATABASE_URL: sourceUrl, DATABASE_SCHEMA: 'public' };
    let target = '';
    try {
      ok(await runCli(['db', 'migrate'], { env }));
      await createIdeas(env);
      // another application's schema in the same database stays out of studio's backup
      await psql(serverUrl!, source, 'create schema other_app; create table other_app.notes (x int); insert into other_app.notes values (1)');
      const backup = parseJson<Created>(ok(await runCli(['backup', 'create', '--json'], { env })));
      expect(backup.manifest.rowCounts.ideas).toBe(IDEAS.length);

      target = await stockRestore(backup, 'public');
      expect(await psql(serverUrl!, target, "select count(*) from pg_namespace where nspname = 'other_app'")).toBe('0');
      expect(await psql(serverUrl!, target, "select extname from pg_extension where extname = 'vector'")).toBe('vector');
      // studio runs on the restored database as it did on the original
      const restoredEnv = { ...env, DATABASE_URL: withDatabase(serverUrl!, target) };
      ok(await runCli(['db', 'status'], { env: restoredEnv }));
      const listed = parseJson<Array<{ title: string }>>(ok(await runCli(['list', '--json'], { env: restoredEnv })));
      expect(listed.map((i) => i.title).sort()).toEqual(IDEAS.map(([title]) => title).sort());
    } finally {
      for (const name of [source, target].filter(Boolean)) await execa('dropdb', [...pgArgs(serverUrl!), '--if-exists', '--force', name]);
    }
  });

  it("studio in its own schema (DATABASE_SCHEMA): the schema and the extension are created by pg_restore; studio's own restore drill passes on it", { timeout: 180_000 }, async () => {
    await createIdeas(t.env);
    const backup = parseJson<Created>(ok(await runCli(['backup', 'create', '--json'], { env: t.env })));
    const schema = t.env.DATABASE_SCHEMA!;
    const target = await stockRestore(backup, schema);
    try {
      const restoredEnv = { ...t.env, DATABASE_URL: withDatabase(serverUrl!, target) };
      expect(parseJson<unknown[]>(ok(await runCli(['list', '--json'], { env: restoredEnv })))).toHaveLength(IDEAS.length);
    } finally {
      await execa('dropdb', [...pgArgs(serverUrl!), '--if-exists', '--force', target]);
    }
    // studio's own restore drill passes on the same backup (it makes the schema and extension itself)
    const verified = parseJson<{ id: string; status: string }>(ok(await runCli(['backup', 'verify', backup.id, '--json'], { env: t.env })));
    expect(verified).toMatchObject({ id: backup.id, status: 'ok' });
  });
});

describe('embedded backup as a plain tarball', () => {
  it('stores relative, private entries; tar -xzf into a data directory gives a database studio opens', { timeout: 180_000 }, async () => {
    const home = await embeddedHomeFromTemplate('studio-stock-tar-');
    const env = { STUDIO_HOME: home, EMBEDDING_DIM: '64' };
    await createIdeas(env);
    const backup = parseJson<Created>(ok(await runCli(['backup', 'create', '--json'], { env })));

    const listed = await execa('tar', ['-tzvf', backup.file]);
    const lines = String(listed.stdout).split('\n').filter(Boolean);
    expect(String(listed.stderr)).toBe(''); // GNU tar warns "Removing leading `/'" for absolute names
    const names = lines.map((l) => l.split(/\s+/).slice(5).join(' '));
    expect(names).toContain('PG_VERSION');
    expect(names.filter((n) => n.startsWith('/') || n.split('/').includes('..'))).toEqual([]);
    expect(lines.filter((l) => !/^(-rw-------|drwx------) /.test(l))).toEqual([]);

    const restored = mkdtempSync(join(tmpdir(), 'studio-stock-untar-'));
    mkdirSync(join(restored, 'data/pglite'), { recursive: true });
    await execa('tar', ['-xzf', backup.file, '-C', join(restored, 'data/pglite')]);
    const restoredEnv = { STUDIO_HOME: restored, EMBEDDING_DIM: '64' };
    const ideas = parseJson<Array<{ id: string; title: string }>>(ok(await runCli(['list', '--json'], { env: restoredEnv })));
    expect(ideas.map((i) => i.title).sort()).toEqual(IDEAS.map(([title]) => title).sort());
    // the vector column and its index answer on the extracted copy
    ok(await runCli(['similar', ideas[0]!.id, '--json'], { env: restoredEnv }));
  });
});
