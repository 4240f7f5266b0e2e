/**
 * Once per test run: a migrated PGlite data directory, dumped (a tar) and unpacked into a directory, so each
 * test file starts its own embedded database from the dump (in memory) or from a copy of the directory (an
 * embedded STUDIO_HOME: a file copy, no PGlite start) instead of running initdb (3-4 s).
 * Building it (initdb and every migration) costs ~8 s of CPU, so it is kept in the temp directory under a
 * hash of what it is made from (the migrations, the code that applies them, the PGlite packages) and reused
 * by the next run while none of that changes. Needs `tar`. Also says whether the PostgreSQL suite runs.
 *
 * And the child-process fixtures (test/fixtures/*.ts) bundled with esbuild, as the CLI is: a child started
 * with `node --import tsx` compiles studio's TypeScript module by module (~2.4 s of CPU), a bundle
 * loads in ~1.6 s. Kept in `.cache/test-fixtures/<hash of src/, test/fixtures/, package.json>` (inside the
 * package: the code finds migrations/ and package.json by walking up from itself).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { build } from 'esbuild';
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
    /** The dump unpacked (and cleanly shut down): copy it with `copyTemplateInto`, never open it. */
    pgliteTemplateDir: string;
    /** The template directory's files with holes, to copy without writing the holes. */
    pgliteTemplateSparse: SparseMap;
    /** A directory for this run only, removed when it ends (the workers' owned homes live there). */
    testRunDir: string;
    /** test/fixtures/*.ts bundled (`<name>.mjs`): run them with plain node, see fixtures.ts. */
    fixtureBundleDir: string;
  }
}

/** What the template is made from: when any of it changes, the hash does and a new template is built. */
function templateHash(): string {
  const hash = createHash('sha256');
  for (const m of loadMigrations({ vars: { EMBEDDING_DIM: TEST_EMBEDDING_DIM } })) hash.update(`${m.version}\0${m.sql}\0`);
  for (const file of ['src/storage/migrate.ts', 'src/storage/pglite.ts', 'test/helpers/global-setup.ts']) hash.update(readFileSync(join(ROOT, file)));
  for (const pkg of ['@electric-sql/pglite', '@electric-sql/pglite-pgvector']) hash.update(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json')));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Settings of the test template, not of a user's home (initdb's defaults): 16 MB of shared buffers instead
 * of 128 MB cut every PGlite start from the template (a CLI on a copied home, an owner, a fixture child, an
 * in-memory database of the pool) by ~0.3 s of CPU, most of it the kernel's (2026-12-07, measured in a child
 * that opens a home: 1.30 + 0.62 s → 1.12 + 0.45 s user + sys). A test's data fits many times over.
 */
const TEMPLATE_SETTINGS = ["alter system set shared_buffers = '16MB'"];

async function buildTemplate(dir: string): Promise<void> {
  // initdb in memory is quicker than on disk; the dump is a tar of the data directory, unpacked for copies
  const db = await createPgliteDatabase();
  await migrate(db, { vars: { EMBEDDING_DIM: TEST_EMBEDDING_DIM } });
  for (const sql of TEMPLATE_SETTINGS) await db.exec(sql); // postgresql.auto.conf: read at the next start
  const dump = await db.raw.dumpDataDir('none');
  writeFileSync(join(dir, 'template.tar'), Buffer.from(await dump.arrayBuffer()));
  await db.close();
  const dataDir = join(dir, 'pglite');
  mkdirSync(dataDir, { mode: 0o700 });
  execFileSync('tar', ['-xf', join(dir, 'template.tar'), '-C', dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  // the dump is a running server's directory (each copy would replay the WAL since the last checkpoint):
  // opened on disk and closed, it is a cleanly shut down one, whose WAL before that checkpoint is dead
  await (await createPgliteDatabase({ dataDir })).close();
  writeFileSync(join(dir, SPARSE_MAP), JSON.stringify(dropDeadWal(dataDir)));
  // and the in-memory databases start from the same clean state: no WAL to replay, and a backup of one
  // (a tar of its files, gzipped) compresses zeros where the dead WAL was (a template's gzip 5.1 -> 3.2 MB)
  execFileSync('tar', ['-cf', join(dir, 'template.tar'), '-C', dataDir, '.'], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Which parts of the template's files hold data (the rest reads as zeros): see `dropDeadWal`. */
export type SparseMap = Record<string, { size: number; data: Array<[offset: number, length: number]> }>;
const SPARSE_MAP = 'pglite-sparse.json';
const WAL_PAGE = 8192;

/**
 * The WAL segment of a cleanly shut down data directory holds 16 MB, of which recovery reads the first page
 * (the segment's long header, checked whenever a segment is opened) and the pages from the last
 * checkpoint's redo point on; the rest is WAL already applied (initdb's, the migrations') and zeros. That
 * rest is made a hole: the file keeps its size, reads as the zeros of a new segment, and a copy
 * (`copyTemplateInto`) writes only the pages listed here. Without a clean shutdown: nothing changes.
 */
function dropDeadWal(dataDir: string): SparseMap {
  const control = readFileSync(join(dataDir, 'global/pg_control'));
  // ControlFileData: system_identifier (8), pg_control_version, catalog_version_no, state (4 each, then
  // padding), time (8), checkPoint (8), checkPointCopy (its redo first, 8); 1 = DB_SHUTDOWNED
  if (control.readUInt32LE(16) !== 1) return {};
  const checkpoint = control.readBigUInt64LE(32);
  const redo = control.readBigUInt64LE(40);
  if (redo === 0n || redo > checkpoint) return {}; // not the layout read here: leave the WAL whole
  const map: SparseMap = {};
  for (const name of readdirSync(join(dataDir, 'pg_wal'))) {
    if (!/^[0-9A-F]{24}$/.test(name)) continue;
    const path = join(dataDir, 'pg_wal', name);
    const bytes = readFileSync(path);
    const segments = 0x1_0000_0000n / BigInt(bytes.length);
    const start = (BigInt(`0x${name.slice(8, 16)}`) * segments + BigInt(`0x${name.slice(16)}`)) * BigInt(bytes.length);
    if (redo < start || redo >= start + BigInt(bytes.length)) continue; // the other segments are left whole
    const redoPage = Number(redo - start) - (Number(redo - start) % WAL_PAGE);
    if (bytes.subarray(redoPage, redoPage + WAL_PAGE).every((b) => b === 0)) continue; // no WAL page there: leave it whole
    const data: Array<[number, number]> = [];
    for (let at = 0; at < bytes.length; at += WAL_PAGE) {
      if ((at > 0 && at < redoPage) || bytes.subarray(at, at + WAL_PAGE).every((b) => b === 0)) continue;
      const last = data.at(-1);
      if (last && last[0] + last[1] === at) last[1] += WAL_PAGE;
      else data.push([at, WAL_PAGE]);
    }
    rmSync(path);
    const fd = openSync(path, 'w', 0o600);
    try {
      ftruncateSync(fd, bytes.length);
      for (const [at, length] of data) writeSync(fd, bytes, at, length, at);
    } finally {
      closeSync(fd);
    }
    map[relative(dataDir, path)] = { size: bytes.length, data };
  }
  return map;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = 'test/fixtures';
const FIXTURE_CACHE = join(ROOT, '.cache/test-fixtures');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** The fixtures bundled (built aside and renamed into place when their sources changed); their directory. */
async function bundleFixtures(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [...filesUnder(join(ROOT, 'src')), ...filesUnder(join(ROOT, FIXTURES)), join(ROOT, 'package.json'), fileURLToPath(import.meta.url)]) {
    hash.update(`${relative(ROOT, file)}\0`).update(readFileSync(file));
  }
  const dir = join(FIXTURE_CACHE, hash.digest('hex').slice(0, 16));
  if (!existsSync(dir)) {
    mkdirSync(FIXTURE_CACHE, { recursive: true });
    const building = mkdtempSync(join(FIXTURE_CACHE, 'building-'));
    await build({
      absWorkingDir: ROOT,
      entryPoints: readdirSync(join(ROOT, FIXTURES)).filter((name) => name.endsWith('.ts')).map((name) => `${FIXTURES}/${name}`),
      outdir: building,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // the dependencies load from node_modules as they do for the CLI's bundle; only our code is bundled
      packages: 'external',
      // a `require` for our code's deferred loads (the logger's pino), as scripts/build.mjs gives the CLI's
      // chunks: without it a fixture's first log line fails with "Dynamic require of "pino" is not supported"
      banner: { js: "import { createRequire as __fixtureCreateRequire } from 'node:module'; const require = __fixtureCreateRequire(import.meta.url);" },
      logLevel: 'warning',
    });
    try {
      renameSync(building, dir);
    } catch {
      rmSync(building, { recursive: true, force: true }); // another run put the same bundles there first
    }
  }
  removeUnused(FIXTURE_CACHE, '', dir);
  return dir;
}

/** Entries of `parent` named `prefix…`, other than `keep`, that no run has used for a day. */
function removeUnused(parent: string, prefix: string, keep: string): void {
  const now = new Date();
  utimesSync(keep, now, now);
  for (const name of readdirSync(parent)) {
    const other = join(parent, name);
    if (name.startsWith(prefix) && other !== keep && now.getTime() - statSync(other).mtimeMs > UNUSED_FOR_MS) rmSync(other, { recursive: true, force: true });
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = join(tmpdir(), `${PREFIX}${templateHash()}`);
  if (!existsSync(join(dir, SPARSE_MAP))) {
    // built aside and renamed into place: a run starting meanwhile never sees half a template
    const building = mkdtempSync(join(tmpdir(), 'studio-test-building-'));
    await buildTemplate(building);
    try {
      renameSync(building, dir);
    } catch {
      rmSync(building, { recursive: true, force: true }); // another run put the same template there first
    }
  }
  removeUnused(tmpdir(), PREFIX, dir);
  project.provide('pgliteTemplate', join(dir, 'template.tar'));
  project.provide('pgliteTemplateDir', join(dir, 'pglite'));
  project.provide('pgliteTemplateSparse', JSON.parse(readFileSync(join(dir, SPARSE_MAP), 'utf8')) as SparseMap);
  project.provide('fixtureBundleDir', await bundleFixtures());
  const runDir = mkdtempSync(join(tmpdir(), 'studio-test-run-'));
  project.provide('testRunDir', runDir);
  if (!process.env.TEST_DATABASE_URL) {
    process.stdout.write('\n[studio] TEST_DATABASE_URL is not set: the PostgreSQL suite is skipped, PGlite only.\n\n');
  } else {
    process.stdout.write(`\n[studio] PostgreSQL suite runs against ${process.env.TEST_DATABASE_URL.replace(/\/\/[^@]*@/, '//')}\n\n`);
  }
  return () => rmSync(runDir, { recursive: true, force: true });
}
