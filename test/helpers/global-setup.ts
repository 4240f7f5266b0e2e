/**
 * Once per test run: a migrated PGlite data directory, dumped (a tar) and unpacked into a directory, so each
 * test file starts its own embedded database from the dump (in memory) or from a copy of the directory (an
 * embedded STUDIO_HOME: a file copy, no PGlite start) instead of running initdb (3-4 s).
 * Building it (initdb and every migration) costs ~8 s of CPU, so it is kept in the temp directory under a
 * hash of what it is made from (the migrations, the code that applies them, the PGlite packages) and reused
 * by the next run while none of that changes. Needs `tar`. Also says whether the PostgreSQL suite runs.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { createPgliteDatabase } from '../../src/storage/pglite.js';
import { loadMigrations, migrate } from '../../src/storage/migrate.js';

const TEST_EMBEDDING_DIM = 64;
const PREFIX = 'studio-test-template-';
/** Templates no run has used for this long are removed (other branches' migrations, old PGlite versions). */
const UNUSED_FOR_MS = 24 * 3600_000;

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated data directory dumped (a tar for PGlite's `loadDataDir`). */
    pgliteTemplate: string;
    /** The dump unpacked: copy it, never open it. */
    pgliteTemplateDir: string;
  }
}

/** What the template is made from: when any of it changes, the hash does and a new template is built. */
function templateHash(): string {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const hash = createHash('sha256');
  for (const m of loadMigrations({ vars: { EMBEDDING_DIM: TEST_EMBEDDING_DIM } })) hash.update(`${m.version}\0${m.sql}\0`);
  for (const file of ['src/storage/migrate.ts', 'src/storage/pglite.ts', 'test/helpers/global-setup.ts']) hash.update(readFileSync(join(root, file)));
  for (const pkg of ['@electric-sql/pglite', '@electric-sql/pglite-pgvector']) hash.update(readFileSync(join(root, 'node_modules', pkg, 'package.json')));
  return hash.digest('hex').slice(0, 16);
}

async function buildTemplate(dir: string): Promise<void> {
  // initdb in memory is quicker than on disk; the dump is a tar of the data directory, unpacked for copies
  const db = await createPgliteDatabase();
  await migrate(db, { vars: { EMBEDDING_DIM: TEST_EMBEDDING_DIM } });
  const dump = await db.raw.dumpDataDir('none');
  writeFileSync(join(dir, 'template.tar'), Buffer.from(await dump.arrayBuffer()));
  await db.close();
  const dataDir = join(dir, 'pglite');
  mkdirSync(dataDir, { mode: 0o700 });
  execFileSync('tar', ['-xf', join(dir, 'template.tar'), '-C', dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export default async function setup(project: TestProject): Promise<void> {
  const dir = join(tmpdir(), `${PREFIX}${templateHash()}`);
  if (!existsSync(join(dir, 'pglite'))) {
    // built aside and renamed into place: a run starting meanwhile never sees half a template
    const building = mkdtempSync(join(tmpdir(), 'studio-test-building-'));
    await buildTemplate(building);
    try {
      renameSync(building, dir);
    } catch {
      rmSync(building, { recursive: true, force: true }); // another run put the same template there first
    }
  }
  const now = new Date();
  utimesSync(dir, now, now);
  for (const name of readdirSync(tmpdir())) {
    const other = join(tmpdir(), name);
    if (name.startsWith(PREFIX) && other !== dir && now.getTime() - statSync(other).mtimeMs > UNUSED_FOR_MS) rmSync(other, { recursive: true, force: true });
  }
  project.provide('pgliteTemplate', join(dir, 'template.tar'));
  project.provide('pgliteTemplateDir', join(dir, 'pglite'));
  if (!process.env.TEST_DATABASE_URL) {
    process.stdout.write('\n[studio] TEST_DATABASE_URL is not set: the PostgreSQL suite is skipped, PGlite only.\n\n');
  } else {
    process.stdout.write(`\n[studio] PostgreSQL suite runs against ${process.env.TEST_DATABASE_URL.replace(/\/\/[^@]*@/, '//')}\n\n`);
  }
}
