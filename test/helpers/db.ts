/**
 * Test databases: every storage test runs on PGlite, and on PostgreSQL too when TEST_DATABASE_URL is set.
 * Each describe block gets its own database (PGlite in the migrated template's state: from the worker's pool,
 * see pglite-pool.ts) or its own schema (PostgreSQL), and a schema is dropped only when the file's tests
 * passed, so a failure leaves its data to look at.
 */
import { chmodSync, closeSync, cpSync, ftruncateSync, mkdtempSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, inject, onTestFailed, beforeEach } from 'vitest';
import { loadConfig, type Config } from '../../src/core/config.js';
import type { Database } from '../../src/core/ports.js';
import { createPostgresDatabase } from '../../src/storage/postgres.js';
import { migrate } from '../../src/storage/migrate.js';
import { openDatabase } from '../../src/storage/open.js';
import { acquireOwnedHome, acquirePglite } from './pglite-pool.js';

export const TEST_EMBEDDING_DIM = 64;
export const serverUrl = process.env.TEST_DATABASE_URL;
export type EngineName = 'pglite' | 'postgres';
export const ENGINES: EngineName[] = serverUrl ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  engine: EngineName;
  /** The open database (after beforeAll). */
  readonly db: Database;
  /** A config pointing at this database (its schema, for server mode) and a private STUDIO_HOME. */
  readonly config: Config;
  /** Environment for child processes that must reach the same database. */
  readonly env: Record<string, string>;
  readonly home: string;
}

export interface TestDatabaseOptions {
  /**
   * Embedded: the test process opens the home's database as its owner (`openDatabase`, as a studio
   * command does), so `db` is the database a CLI run with `env` sees, and every such run connects to the
   * owner's socket instead of starting PGlite itself (~0.3 s a command instead of ~1.5 s). The worker
   * keeps such homes open between blocks, reset to the template's state (see pglite-pool.ts). Without it the
   * embedded `db` is a private in-memory PGlite and a CLI run on `home` opens the home itself.
   * PostgreSQL is shared anyway (same schema).
   */
  ownHome?: boolean;
}

/** Opens a fresh database for the enclosing describe block; closes (and cleans up) after it. */
export function useTestDatabase(engine: EngineName, extraEnv: Record<string, string> = {}, options: TestDatabaseOptions = {}): TestDatabase {
  let db: Database | undefined;
  let config: Config | undefined;
  let env: Record<string, string> = {};
  let home = '';
  let schema = '';
  let failed = false;
  let owned: Awaited<ReturnType<typeof acquireOwnedHome>> | undefined;
  // the in-memory embedded database's home gets its copy of the template (a 40 MB file copy, ~0.3 s of CPU)
  // only when a test reaches for the home (config, env, home): most such blocks use only `db`
  let homeData = engine === 'pglite' && !options.ownHome ? 'wanted' : 'none';
  const withHome = () => {
    if (homeData === 'wanted' && home) {
      copyTemplateInto(home);
      homeData = 'copied';
    }
  };

  const envFor = (dir: string): Record<string, string> => ({ STUDIO_HOME: dir, EMBEDDING_DIM: String(TEST_EMBEDDING_DIM), LOG_LEVEL: 'debug', ...extraEnv });

  beforeAll(async () => {
    if (engine === 'pglite' && options.ownHome) {
      // a home of this worker's pool, reset to the template's state, or a new copy of the template that
      // this process opens as its owner
      owned = await acquireOwnedHome(async () => {
        const dir = await embeddedHomeFromTemplate('studio-home-', inject('testRunDir'));
        return { home: dir, db: await openDatabase(loadConfig({ env: envFor(dir), cwd: dir, dotenv: false }), { applicationName: 'studio-test-owner' }) };
      });
      home = owned.home;
    } else {
      home = mkdtempSync(join(tmpdir(), 'studio-home-'));
    }
    env = envFor(home);
    if (engine === 'postgres') {
      schema = `t_${randomBytes(5).toString('hex')}`;
      env.DATABASE_URL = serverUrl!;
      env.DATABASE_SCHEMA = schema;
      const admin = await createPostgresDatabase({ url: serverUrl! });
      await admin.exec(`create extension if not exists vector schema public; create schema "${schema}"`);
      await admin.close();
      db = await createPostgresDatabase({ url: serverUrl!, schema, poolMax: 20 });
      await migrate(db, { vars: { EMBEDDING_DIM: TEST_EMBEDDING_DIM } });
      config = loadConfig({ env, cwd: home, dotenv: false });
    } else if (owned) {
      config = loadConfig({ env, cwd: home, dotenv: false });
      db = owned.db;
    } else {
      // a database of this worker's pool, in the template's state (a reset, not a new PGlite, when one is idle)
      db = await acquirePglite(inject('pgliteTemplate'));
      config = loadConfig({ env, cwd: home, dotenv: false });
    }
  });
  beforeEach(() => {
    onTestFailed(() => {
      failed = true;
    });
  });
  afterAll(async () => {
    await db?.close();
    if (engine === 'postgres' && !failed && schema) {
      const admin = await createPostgresDatabase({ url: serverUrl! });
      await admin.exec(`drop schema if exists "${schema}" cascade`);
      await admin.close();
    }
    if (owned) {
      // passed: back to the pool (removed with the run's directory); failed: closed and kept to look at
      await owned.release(!failed);
      if (failed) renameSync(home, mkdtempSync(join(tmpdir(), 'studio-home-failed-')) + '/home');
    } else if (!failed && home) rmSync(home, { recursive: true, force: true });
  });

  return {
    engine,
    get db() {
      if (!db) throw new Error('test database not open yet (use it inside a test or hook)');
      return db;
    },
    get config() {
      if (!config) throw new Error('test config not ready yet');
      withHome();
      return config;
    },
    get env() {
      withHome();
      return env;
    },
    get home() {
      withHome();
      return home;
    },
  };
}

/** `describe` once per engine, each with its own fresh database. */
export function describeEachEngine(name: string, body: (t: TestDatabase) => void, extraEnv: Record<string, string> = {}, options: TestDatabaseOptions = {}): void {
  for (const engine of ENGINES) {
    describe(`${name} [${engine}]`, () => {
      body(useTestDatabase(engine, extraEnv, options));
    });
  }
}

/**
 * `describe` once per engine for tests that run the built CLI against the test's database: `t.db` is the
 * database every `runCli(…, { env: t.env })` sees on both engines (embedded: the test process owns the
 * home, see `ownHome`).
 */
export function describeCliEachEngine(name: string, body: (t: TestDatabase) => void, extraEnv: Record<string, string> = {}): void {
  describeEachEngine(name, body, extraEnv, { ownHome: true });
}

/** `describe` only on PostgreSQL (multi-process tests); skipped, and says so, without TEST_DATABASE_URL. */
export const describeServer = (name: string, body: (t: TestDatabase) => void, extraEnv: Record<string, string> = {}): void => {
  describe.skipIf(!serverUrl)(`${name} [postgres]`, () => {
    body(useTestDatabase('postgres', extraEnv));
  });
};

/**
 * A STUDIO_HOME whose embedded data directory is a copy of the migrated template directory (a file copy:
 * no initdb, no PGlite start), for tests that run the built studio on the embedded database.
 */
export async function embeddedHomeFromTemplate(prefix = 'studio-home-', parent = tmpdir()): Promise<string> {
  const home = mkdtempSync(join(parent, prefix));
  copyTemplateInto(home);
  return home;
}

/**
 * The template directory copied into `home/data/pglite`: a file copy, except the files with holes (the WAL
 * segment's dead 16 MB, see global-setup.ts), of which only the data is written.
 */
function copyTemplateInto(home: string): void {
  const from = inject('pgliteTemplateDir');
  const to = join(home, 'data/pglite');
  const sparse = inject('pgliteTemplateSparse');
  cpSync(from, to, { recursive: true, filter: (path) => !(relative(from, path) in sparse) });
  const buffer = Buffer.alloc(Math.max(0, ...Object.values(sparse).flatMap(({ data }) => data.map(([, length]) => length))));
  for (const [path, { size, data }] of Object.entries(sparse)) {
    const source = openSync(join(from, path), 'r');
    const target = openSync(join(to, path), 'w', 0o600);
    try {
      ftruncateSync(target, size);
      for (const [at, length] of data) {
        readSync(source, buffer, 0, length, at);
        writeSync(target, buffer, 0, length, at);
      }
    } finally {
      closeSync(source);
      closeSync(target);
    }
  }
  // the mode PGlite gives the directory it creates (the template's tar says 0700): what another user sees
  chmodSync(to, 0o755);
}
