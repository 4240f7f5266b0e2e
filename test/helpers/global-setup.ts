/**
 * Once per test run: build a migrated PGlite data directory, dump it and unpack the dump into a directory,
 * so each test file starts its own embedded database from the dump (in memory) or from a copy of the
 * directory (an embedded STUDIO_HOME: a file copy, no PGlite start) instead of running initdb (3-4 s).
 * Needs `tar`. Also says whether the PostgreSQL suite runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createPgliteDatabase } from '../../src/storage/pglite.js';
import { migrate } from '../../src/storage/migrate.js';

const TEST_EMBEDDING_DIM = 64;

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated data directory dumped (a tar for PGlite's `loadDataDir`). */
    pgliteTemplate: string;
    /** The dump unpacked: copy it, never open it. */
    pgliteTemplateDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'studio-test-'));
  // initdb in memory is quicker than on disk; the dump is a tar of the data directory, unpacked for copies
  const db = await createPgliteDatabase();
  await migrate(db, { vars: { EMBEDDING_DIM: TEST_EMBEDDING_DIM } });
  const dump = await db.raw.dumpDataDir('none');
  const file = join(dir, 'template.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await db.close();
  const dataDir = join(dir, 'pglite');
  mkdirSync(dataDir, { mode: 0o700 });
  execFileSync('tar', ['-xf', file, '-C', dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  project.provide('pgliteTemplate', file);
  project.provide('pgliteTemplateDir', dataDir);
  if (!process.env.TEST_DATABASE_URL) {
    process.stdout.write('\n[studio] TEST_DATABASE_URL is not set: the PostgreSQL suite is skipped, PGlite only.\n\n');
  } else {
    process.stdout.write(`\n[studio] PostgreSQL suite runs against ${process.env.TEST_DATABASE_URL.replace(/\/\/[^@]*@/, '//')}\n\n`);
  }
  return () => rmSync(dir, { recursive: true, force: true });
}
