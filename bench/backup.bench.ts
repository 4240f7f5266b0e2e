/**
 * Backup overhead: wall time of `studio backup create` (pg_dump -Fc through execa, with the snapshot,
 * row counts, sha256, manifest and catalog row) against a bare `pg_dump -Fc` of the same schema, both
 * measured in this run, interleaved, on a database with 100,000 ideas. Target: <= 1.1x.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDatabaseUrl, median, report } from './helpers.js';

const bin = fileURLToPath(new URL('../bin/studio.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 7);
const schema = 'bench_backup';
const IDEAS = 100_000;

const url = benchDatabaseUrl();
if (!url) {
  report('studio backup create vs pg_dump -Fc', 'skipped', 'no PostgreSQL reachable (set BENCH_DATABASE_URL)');
  process.exit(0);
}

const psql = (sql: string): string => {
  const result = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-Atqc', sql], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql: ${result.stderr}`);
  return result.stdout.trim();
};

const home = mkdtempSync(join(tmpdir(), 'bench-backup-'));
const env = { ...process.env, DATABASE_URL: url, DATABASE_SCHEMA: schema, STUDIO_HOME: home };
psql(`create schema if not exists ${schema}`);
const migrated = spawnSync(process.execPath, [bin, 'db', 'migrate'], { env, encoding: 'utf8' });
if (migrated.status !== 0) throw new Error(`studio db migrate: ${migrated.stderr}`);

// Descriptions read like text (words drawn from a vocabulary), 40-120 words, not a repeated string that
// compresses to nothing; titles 10-200 and descriptions 10-5000 characters, as the table requires.
const SEED = 'bench-v2';
if (Number(psql(`select count(*) from ${schema}.ideas where created_by = '${SEED}'`)) !== IDEAS) {
  const started = performance.now();
  psql(`truncate ${schema}.ideas cascade;
    with vocab as (
      select regexp_split_to_array('platform market customers revenue growth subscription marketplace data model ' ||
        'small businesses teams automate workflow analytics pricing investors pilot retention churn acquisition ' ||
        'mobile app startup founders hospitals clinics students teachers payments lending compliance security ' ||
        'cloud api integration dashboard insights recommendation engine supply chain logistics retail brands ' ||
        'creators community sustainable energy carbon tracking freelancers hiring onboarding fraud detection ' ||
        'insurance claims patients scheduling inventory farmers yield forecasting legal contracts review', ' ') as w)
    insert into ${schema}.ideas (id, title, description, category, status, current_stage, created_by, outputs)
    select gen_random_uuid(),
           'Idea ' || g || ': ' || w[1 + (g * 7) % array_length(w, 1)] || ' for ' || w[1 + (g * 13) % array_length(w, 1)],
           (select string_agg(w[1 + ((g * 31 + k * k * 17 + k * g) % array_length(w, 1))], ' ')
              from generate_series(1, 40 + g % 80) k),
           (array['fintech','healthtech','edtech','saas','ecommerce','ai_ml','blockchain','consumer','enterprise','marketplace','uncategorized'])[1 + g % 11],
           'DRAFT', 'IDEATE', '${SEED}',
           jsonb_build_object('score', (g % 100) / 100.0)
      from generate_series(1, ${IDEAS}) g, vocab;
    analyze ${schema}.ideas`);
  report('seed 100,000 ideas', `${((performance.now() - started) / 1000).toFixed(1)} s`);
}
report('schema size', psql(`select pg_size_pretty(sum(pg_total_relation_size(c.oid))) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = '${schema}' and c.relkind = 'r'`));

const out = mkdtempSync(join(tmpdir(), 'bench-backup-out-'));
const time = (command: string, args: string[]): number => {
  const start = performance.now();
  const result = spawnSync(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
};

const bare: number[] = [];
const ours: number[] = [];
for (let i = 0; i < runs + 1; i++) {
  const a = time('pg_dump', ['--format=custom', `--schema=${schema}`, `--file=${join(out, `bare-${i}.dump`)}`, `--dbname=${url}`]);
  const b = time(process.execPath, [bin, 'backup', 'create', '--out', out]);
  if (i > 0) {
    // the first pair warms the caches
    bare.push(a);
    ours.push(b);
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
}
rmSync(out, { recursive: true, force: true });
psql(`delete from ${schema}.backups`);
rmSync(home, { recursive: true, force: true });

const base = median(bare);
const mine = median(ours);
report('pg_dump -Fc --schema (baseline)', `${base.toFixed(0)} ms`, `median of ${runs}`);
report('studio backup create (server)', `${mine.toFixed(0)} ms`, `${(mine / base).toFixed(2)}x baseline (target <= 1.1x)`);
