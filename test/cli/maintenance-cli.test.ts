/**
 * `studio maintenance ...` and `studio jobs ...` end to end: the built CLI as a child process, on the
 * embedded database and on PostgreSQL, checking what each command says it did against the database and
 * the files.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database, Queryable } from '../../src/core/ports.js';
import { parseJson, runCli } from '../helpers/cli.js';
import { ENGINES, useTestDatabase } from '../helpers/db.js';

const DAY = 86_400_000;
const ids = { rejectedOld: randomUUID(), deployedOld: randomUUID(), deployedRecent: randomUUID(), researchingOld: randomUUID() };

async function seed(db: Queryable): Promise<void> {
  const idea = async (id: string, status: string, stage: string, ageDays: number) => {
    const at = new Date(Date.now() - ageDays * DAY);
    await db.query(
      `insert into ideas (id, title, description, status, current_stage, created_at, updated_at) values ($1, $2, 'A description long enough', $3, $4, $5, $5)`,
      [id, `Idea ${status} ${ageDays} days`, status, stage, at],
    );
    await db.query(`insert into idea_stage_history (idea_id, at, to_stage, to_status, actor) values ($1, $2, 'IDEATE', 'DRAFT', 'intake'), ($1, $2, $3, $4, 'worker-1')`, [
      id,
      at,
      stage,
      status,
    ]);
  };
  await idea(ids.rejectedOld, 'REJECTED', 'INVESTORS', 40);
  await idea(ids.deployedOld, 'DEPLOYED', 'COMPLETE', 31);
  await idea(ids.deployedRecent, 'DEPLOYED', 'COMPLETE', 5);
  await idea(ids.researchingOld, 'RESEARCHING', 'RESEARCH', 60);
  await db.query(`insert into audit_log (at, operator, action) values ($1, 'old-op', 'budget.reset'), ($2, 'recent-op', 'budget.reset')`, [
    new Date(Date.now() - 400 * DAY),
    new Date(Date.now() - 10 * DAY),
  ]);
}

// Engine-independent checks run once: on PostgreSQL when it is there (its CLI starts fast), else embedded.
const PRIMARY = ENGINES[ENGINES.length - 1];

for (const engine of ENGINES) {
  const primary = engine === PRIMARY;
  // Each CLI run is a process start (several seconds under load): generous timeouts, no timed assertions.
  describe(`studio maintenance and jobs on the ${engine === 'pglite' ? 'embedded database' : 'PostgreSQL'} [${engine}]`, { timeout: 120_000 }, () => {
    // one database for the CLI and the test: the test's schema, or the embedded home this process owns
    const t = useTestDatabase(engine, {}, { ownHome: true });
    let env: Record<string, string> = {};
    let home = '';
    const withDb = async <T>(fn: (db: Database) => Promise<T>): Promise<T> => fn(t.db);
    const cli = (args: string[]) => runCli(args, { env: { ...env, STUDIO_OPERATOR: 'ops-alice' }, timeoutMs: 60_000 });

    beforeAll(async () => {
      env = t.env;
      home = t.home;
      await withDb(seed);
    });

    it('archive: --dry-run lists, then one run moves terminal ideas older than 30 days with their history', async () => {
      const dry = await cli(['maintenance', 'archive', '--dry-run', '--json']);
      expect(dry.code).toBe(0);
      expect(parseJson<{ ideas: Array<{ id: string }> }>(dry).ideas.map((i) => i.id).sort()).toEqual([ids.rejectedOld, ids.deployedOld].sort());
      expect(await withDb(async (db) => (await db.query('select count(*)::int as n from ideas')).rows[0])).toEqual({ n: 4 });

      const run = await cli(['maintenance', 'archive']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/archived 2 ideas/);
      const { left, archived } = await withDb(async (db) => ({
        left: (await db.query<{ id: string }>('select id from ideas order by id')).rows.map((r) => r.id),
        archived: (await db.query<{ id: string; status: string; data: { status: string; title: string }; history: Array<{ to_status: string }> }>('select id, status, data, history from ideas_archive')).rows,
      }));
      expect(left.sort()).toEqual([ids.deployedRecent, ids.researchingOld].sort());
      const rejected = archived.find((a) => a.id === ids.rejectedOld)!;
      expect(rejected.status).toBe('ARCHIVED');
      expect(rejected.data.status).toBe('REJECTED');
      expect(rejected.history.map((h) => h.to_status)).toEqual(['DRAFT', 'REJECTED']);
      expect(archived).toHaveLength(2);
      if (primary) {
        const again = await cli(['maintenance', 'archive', '--json']);
        expect(parseJson<{ ideas: unknown[] }>(again).ideas).toEqual([]);
      }
    });

    it('vacuum and reindex say what they did, table by table and index by index', async () => {
      if (primary) {
        const dry = parseJson<{ dryRun: boolean; tables: Array<{ name: string; ms?: number }> }>(await cli(['maintenance', 'vacuum', '--dry-run', '--json']));
        expect(dry.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['ideas', 'job_runs', 'audit_log']));
        expect(dry.tables.every((t) => t.ms === undefined)).toBe(true);
      }
      const vacuum = await cli(['maintenance', 'vacuum', '--json']);
      expect(vacuum.code).toBe(0);
      const report = parseJson<{ tables: Array<{ name: string; ms: number; error?: string }> }>(vacuum);
      expect(report.tables.find((t) => t.name === 'ideas')).toMatchObject({ ms: expect.any(Number) });
      expect(report.tables.filter((t) => t.error)).toEqual([]);

      const reindex = await cli(['maintenance', 'reindex', '--json', '--lock-timeout', '1s']);
      expect(reindex.code).toBe(0);
      const r = parseJson<{ concurrently: boolean; lockTimeoutMs: number; indexes: Array<{ name: string; status: string; ms: number; error?: string }> }>(reindex);
      expect(r.concurrently).toBe(engine === 'postgres');
      expect(r.lockTimeoutMs).toBe(1_000);
      expect(r.indexes.map((i) => i.name)).toEqual(expect.arrayContaining(['ideas_pkey', 'job_runs_running_idx']));
      expect(r.indexes.filter((i) => i.status === 'reindexed').length).toBeGreaterThan(0);
      // REINDEX CONCURRENTLY waits for every older transaction in the database (other sessions on a shared
      // server): an index that cannot get through within lock_timeout is reported, and its leftover dropped.
      expect(r.indexes.filter((i) => i.status !== 'reindexed' && !/^lock_timeout \(1000 ms\) reached/.test(i.error ?? ''))).toEqual([]);
      if (engine === 'pglite') expect(r.indexes.filter((i) => i.status !== 'reindexed')).toEqual([]);
      const invalid = await withDb(async (db) =>
        (await db.query(`select i.relname from pg_index x join pg_class i on i.oid = x.indexrelid join pg_namespace n on n.oid = i.relnamespace where n.nspname = current_schema() and not x.indisvalid`)).rows,
      );
      expect(invalid).toEqual([]);
      if (primary) {
        const budget = parseJson<{ indexes: Array<{ status: string }> }>(await cli(['maintenance', 'reindex', '--json', '--budget', '0s']));
        expect(new Set(budget.indexes.map((i) => i.status))).toEqual(new Set(['skipped']));
      }
    });

    it('rotate-logs gzips the log and a new one starts; cleanup-logs deletes only rotated logs past the retention', async () => {
      const logFile = join(home, 'logs/pipeline.log');
      expect(existsSync(logFile)).toBe(true);
      const before = readFileSync(logFile, 'utf8');
      const rotate = await cli(['maintenance', 'rotate-logs', '--json']);
      expect(rotate.code).toBe(0);
      const { rotated } = parseJson<{ rotated: Array<{ to: string; bytes: number }> }>(rotate);
      expect(rotated).toHaveLength(1);
      expect(rotated[0]!.to).toMatch(/pipeline\.log\.\d{8}T\d{6}Z\.gz$/);
      expect(gunzipSync(readFileSync(rotated[0]!.to)).toString()).toBe(before);
      // the command logged its own completion after reopening: into the new file
      expect(readFileSync(logFile, 'utf8')).toMatch(/maintenance rotate-logs done/);

      const old = join(home, 'logs/pipeline.log.20200101T000000Z.gz');
      const recent = join(home, 'logs/pipeline.log.20991231T000000Z.gz');
      mkdirSync(join(home, 'logs'), { recursive: true });
      writeFileSync(old, 'old');
      writeFileSync(recent, 'recent');
      const past = new Date(Date.now() - 31 * DAY);
      utimesSync(old, past, past);
      if (primary) {
        const dry = parseJson<{ deleted: Array<{ file: string }> }>(await cli(['maintenance', 'cleanup-logs', '--dry-run', '--json']));
        expect(dry.deleted.map((d) => d.file)).toEqual([old]);
        expect(existsSync(old)).toBe(true);
      }
      const cleanup = await cli(['maintenance', 'cleanup-logs']);
      expect(cleanup.stdout).toMatch(/deleted 1 rotated logs older than 30 days; kept 2/);
      expect(existsSync(old)).toBe(false);
      expect(existsSync(recent)).toBe(true);
      expect(existsSync(rotated[0]!.to)).toBe(true);
    });

    it('purge-history deletes audit rows older than 365 days; every maintenance run is audited', async () => {
      const purge = parseJson<{ auditRows: number }>(await cli(['maintenance', 'purge-history', '--json']));
      expect(purge.auditRows).toBe(1);
      const audit = await withDb(async (db) => (await db.query<{ operator: string; action: string }>('select operator, action from audit_log order by id')).rows);
      expect(audit.some((a) => a.operator === 'old-op')).toBe(false);
      expect(audit.filter((a) => a.operator === 'ops-alice').map((a) => a.action)).toEqual(
        expect.arrayContaining(['maintenance.archive', 'maintenance.vacuum', 'maintenance.reindex', 'maintenance.rotate-logs', 'maintenance.cleanup-logs', 'maintenance.purge-history']),
      );
    });

    it.runIf(primary)('jobs: list, run now (manual, audited), pause and resume (persisted), history', async () => {
      const list = parseJson<Array<{ name: string; nextRun: string; paused: boolean; lastRun: unknown }>>(await cli(['jobs', 'list', '--json']));
      expect(list.map((j) => j.name)).toEqual(
        expect.arrayContaining(['maintenance.vacuum', 'maintenance.reindex', 'maintenance.archive-ideas', 'maintenance.purge-history', 'maintenance.rotate-logs', 'budget.review']),
      );
      expect(new Date(list[0]!.nextRun).getUTCDay()).toBe(0); // Sunday

      const run = await cli(['jobs', 'run', 'maintenance.archive-ideas', '--json']);
      expect(run.code).toBe(0);
      expect(parseJson(run)).toMatchObject({ job: 'maintenance.archive-ideas', status: 'succeeded', manual: true, operator: 'ops-alice', output: { summary: expect.stringMatching(/^archived 0 ideas/) } });

      const pause = await cli(['jobs', 'pause', 'maintenance.vacuum', '--reason', 'migration window']);
      expect(pause.stdout).toMatch(/maintenance\.vacuum paused on every scheduler/);
      const paused = parseJson<Array<{ name: string; paused: boolean; pausedBy: string; pauseReason: string }>>(await cli(['jobs', 'list', '--json']));
      expect(paused.find((j) => j.name === 'maintenance.vacuum')).toMatchObject({ paused: true, pausedBy: 'ops-alice', pauseReason: 'migration window' });
      expect((await cli(['jobs', 'resume', 'maintenance.vacuum', '--json'])).stdout).toMatch(/"changed": true/);
      expect((await cli(['jobs', 'resume', 'maintenance.vacuum'])).stdout).toMatch(/already running on schedule/);

      const history = parseJson<Array<{ job: string; manual: boolean; status: string }>>(await cli(['jobs', 'history', 'maintenance.archive-ideas', '--json']));
      expect(history).toEqual([expect.objectContaining({ job: 'maintenance.archive-ideas', manual: true, status: 'succeeded' })]);
      const actions = await withDb(async (db) => (await db.query<{ action: string; target: string }>(`select action, target from audit_log where action like 'job.%' order by id`)).rows);
      expect(actions).toEqual([
        { action: 'job.run', target: 'maintenance.archive-ideas' },
        { action: 'job.pause', target: 'maintenance.vacuum' },
        { action: 'job.resume', target: 'maintenance.vacuum' },
        { action: 'job.resume', target: 'maintenance.vacuum' },
      ]);

      const unknown = await cli(['jobs', 'run', 'no.such.job']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr.trim()).toMatch(/^studio: jobs: there is no job "no\.such\.job"; known jobs: maintenance\.vacuum, /);
      const badLimit = await cli(['jobs', 'history', '--limit', 'many']);
      expect(badLimit.code).toBe(1);
      expect(badLimit.stderr).toMatch(/--limit must be a whole number/);
    });
  });
}
