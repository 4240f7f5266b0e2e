/**
 * Once per test run: build a migrated PGlite data directory and dump it, so each test file starts its
 * own embedded database from the dump in ~0.3 s instead of running initdb (3-4 s). Also says whether the
 * PostgreSQL suite runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createPgliteDatabase } from '../../src/storage/pglite.js';
import { migrate } from '../../src/storage/migrate.js';

const TEST_EMBEDDING_DIM = 64;

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'studio-test-'));
  const db = await createPgliteDatabase();
  await migrate(db, { vars: { EMBEDDING_DIM: TEST_EMBEDDING_DIM } });
  const dump = await db.raw.dumpDataDir('none');
  const file = join(dir, 'template.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await db.close();
  project.provide('pgliteTemplate', file);
  if (!process.env.TEST_DATABASE_URL) {
    process.stdout.write('\n[studio] TEST_DATABASE_URL is not set: the PostgreSQL suite is skipped, PGlite only.\n\n');
  } else {
    process.stdout.write(`\n[studio] PostgreSQL suite runs against ${process.env.TEST_DATABASE_URL.replace(/\/\/[^@]*@/, '//')}\n\n`);
  }
  return () => rmSync(dir, { recursive: true, force: true });
}
