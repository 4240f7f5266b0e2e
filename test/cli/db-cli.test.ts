import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT, parseJson, runCli } from '../helpers/cli.js';
import { describeServer } from '../helpers/db.js';
import { createPgliteDatabase } from '../../src/storage/pglite.js';

const home = () => mkdtempSync(join(tmpdir(), 'studio-cli-'));

describe('studio CLI basics', () => {
  it('prints help with examples and a version', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples:/);
    expect(help.stdout).toMatch(/db/);
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('an unknown command is one clear line and a non-zero exit', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const result = await runCli(['frobnicate']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it('a bad setting stops with one line naming the variable, exit 2', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const result = await runCli(['db', 'status'], { env: { STUDIO_HOME: home(), DB_CONNECT_TIMEOUT: 'soon' } });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('studio: config: DB_CONNECT_TIMEOUT must be a duration from 100ms to 5m with its unit (ms, s, m, h, d) (got "soon")');
  });

  it('config shows secrets only as set / not set', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const result = await runCli(['config', '--json'], {
      env: { STUDIO_HOME: home(), OPENAI_API_KEY: 'sk-test-supersecret-123456', DATABASE_URL: 'postgres://u:pw-secret@127.0.0.1:1/x' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/supersecret|pw-secret/);
    const config = parseJson<{ mode: string; providers: Record<string, string>; settings: Array<{ env: string; value: string }> }>(result);
    expect(config.mode).toBe('server');
    expect(config.providers.openai).toBe('configured');
    expect(config.providers.google_ads).toBe('offline');
    expect(config.settings.find((s) => s.env === 'OPENAI_API_KEY')!.value).toBe('set');
  });

  it('config says which services run on offline stand-ins, what stands in, and what turns each on', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const result = await runCli(['config'], { env: { STUDIO_HOME: home(), POSTHOG_PROJECT_KEY: 'phc_test_key_0123456789' } });
    expect(result.code).toBe(0);
    const services = result.stdout.slice(result.stdout.indexOf('\nservices'));
    expect(services).toMatch(/openai\s+offline\s+offline text, hashed embeddings \(labelled offline\) \(set OPENAI_API_KEY\)/);
    expect(services).toMatch(/google_ads\s+offline\s+simulated ads account/);
    expect(services).toMatch(/posthog\s+configured/);
    expect(result.stdout).not.toContain('phc_test_key');
  });

  // initdb of a fresh embedded database takes 3-4 s alone and 20-30 s on the shared 2-core machine under load.
  it('embedded: migrate then status --json, exit 0; a second opener of the same data dir is refused clearly', { timeout: 120_000 }, async () => {
    const dir = home();
    const migrated = await runCli(['db', 'migrate', '--json'], { env: { STUDIO_HOME: dir }, timeoutMs: 110_000 });
    expect(migrated.code).toBe(0);
    expect(parseJson<{ applied: string[] }>(migrated).applied).toContain('0001_foundation');
    const status = await runCli(['db', 'status', '--json'], { env: { STUDIO_HOME: dir } });
    expect(status.code).toBe(0);
    const body = parseJson<{ mode: string; connected: boolean; pgvectorVersion: string; migrations: { pending: string[] } }>(status);
    expect(body).toMatchObject({ mode: 'embedded', connected: true, migrations: { pending: [] } });
    expect(body.pgvectorVersion).toMatch(/^0\.8/);

    const holder = await createPgliteDatabase({ dataDir: join(dir, 'data/pglite') });
    try {
      const refused = await runCli(['db', 'status'], { env: { STUDIO_HOME: dir, DB_CONNECT_TIMEOUT: '300ms' } });
      expect(refused.code).toBe(2);
      expect(refused.stderr.trim()).toMatch(new RegExp(`^studio: storage: the embedded database .* is in use by pid ${process.pid}`));
    } finally {
      await holder.close();
    }
  });

  it('a stopped server fails fast with one line and exit 2', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const result = await runCli(['db', 'status'], { env: { STUDIO_HOME: home(), DATABASE_URL: 'postgres://studio:secretpw@127.0.0.1:1/studio' } });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/cannot reach PostgreSQL at 127\.0\.0\.1:1\/studio/);
    expect(result.stderr).not.toContain('secretpw');
    expect(result.ms).toBeLessThan(5_000 + 3_000);
  });
});

describeServer('studio db status on PostgreSQL', (t) => {
  it('reports server mode, pgvector, connections, exit 0 once migrated', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const result = await runCli(['db', 'status', '--json'], { env: t.env });
    expect(result.code).toBe(0);
    const body = parseJson<{ mode: string; pgvectorVersion: string; connections: { inUse: number; max: number }; location: string }>(result);
    expect(body.mode).toBe('server');
    expect(body.pgvectorVersion).toMatch(/^0\.\d/);
    expect(body.connections.inUse).toBeGreaterThan(0);
    expect(body.location).not.toMatch(/@/);
  });

  it('db migrate into a schema that does not exist yet creates it, and nothing lands in public', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const schema = `${t.config.database.schema}_fresh`;
    const result = await runCli(['db', 'migrate', '--json'], { env: { ...t.env, DATABASE_SCHEMA: schema } });
    expect(result.code).toBe(0);
    const where = await t.db.query<{ schema: string }>("select table_schema as schema from information_schema.tables where table_name = 'studio_migrations' and table_schema = $1", [schema]);
    expect(where.rows).toEqual([{ schema }]);
    await t.db.exec(`drop schema "${schema}" cascade`);
  });
});
