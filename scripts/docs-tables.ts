/**
 * The tables in docs/ that are generated from the source, so they cannot drift from it:
 *
 * - `settings` in docs/configuration.md, from `SETTINGS` (src/core/config-settings.ts);
 * - `keys` in docs/console.md, from `KEYS` (src/ui/keys.ts);
 * - `jobs` in docs/scheduler-and-deployment.md, from `studio jobs list --json` (the job catalog as the
 *   scheduler really registers it, with every module's jobs).
 *
 * Each table sits between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`; everything outside
 * the markers is written by hand. `npm run docs` (scripts/gen-docs.ts) rewrites the blocks;
 * test/docs/generated-docs.test.ts fails when a block differs from what the source would generate.
 *
 * The renderers take loose shapes on purpose: a setting or a key that gains a field (a unit, a range)
 * still renders, and known optional fields are shown when present.
 */
import type { SettingInfo } from '../src/core/config-settings.js';

/** What a setting needs to be documented: the fields `SETTINGS` declares for it, and optional extras. */
export type SettingDoc = SettingInfo & {
  /** Optional unit (shown after the expected value), if the source declares one. */
  unit?: string;
  /** Optional bounds, if the source declares them. */
  min?: number | string;
  max?: number | string;
};

export interface KeyDoc {
  keys: string;
  what: string;
  short?: string;
  panel?: string;
  action?: boolean;
}

export interface JobDoc {
  name: string;
  description: string;
  schedule: string;
  timezone?: string;
  critical?: boolean;
  retries?: number;
  timeoutMs?: number;
  catchUp?: string;
  perHost?: boolean;
}

/** Markdown table cell: no line breaks, pipes escaped. */
function cell(value: string): string {
  return value.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').trim();
}

function code(value: string): string {
  // A value holding a backtick would break the span: use a double-backtick span then.
  return value.includes('`') ? `\`\` ${value} \`\`` : `\`${value}\``;
}

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

/** One table per group, in the order the groups first appear in SETTINGS (the order `studio config` shows). */
export function settingsTable(settings: readonly SettingDoc[]): string {
  const groups = new Map<string, SettingDoc[]>();
  for (const spec of settings) {
    const list = groups.get(spec.group) ?? [];
    list.push(spec);
    groups.set(spec.group, list);
  }
  const parts: string[] = [];
  for (const [group, specs] of groups) {
    const rows = specs.map((spec) => {
      let expects = spec.expects;
      if (spec.unit && !expects.includes(spec.unit)) expects += ` (${spec.unit})`;
      if (spec.min !== undefined || spec.max !== undefined) expects += `, ${spec.min ?? '…'} to ${spec.max ?? '…'}`;
      const def = spec.default === undefined ? 'unset' : spec.default === '' ? '(empty)' : code(spec.default);
      return [code(spec.env) + (spec.secret ? ' (secret)' : ''), def, expects, spec.describe];
    });
    parts.push(`### ${group}\n\n${table(['variable', 'default', 'expects', 'what it does'], rows)}`);
  }
  return parts.join('\n\n');
}

/** The console's keys; `action` keys change something and are refused with --read-only. */
export function keysTable(keys: readonly KeyDoc[]): string {
  const rows = keys.map((k) => [code(k.keys), k.panel ?? 'any', k.what, k.action ? 'refused' : 'works']);
  return table(['key', 'panel', 'what it does', 'with `--read-only`'], rows);
}

function duration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** The registered jobs, in the order the scheduler lists them. Test-hook jobs are left out. */
export function jobsTable(jobs: readonly JobDoc[]): string {
  const rows = jobs
    .filter((job) => !job.name.startsWith('test.'))
    .map((job) => {
      const how: string[] = [];
      if (job.timeoutMs) how.push(`timeout ${duration(job.timeoutMs)}`);
      if (job.retries) how.push(`${job.retries} ${job.retries === 1 ? 'retry' : 'retries'}`);
      if (job.catchUp) how.push(`catch-up ${job.catchUp}`);
      if (job.critical) how.push('critical');
      if (job.perHost) how.push('on every host');
      const schedule = code(job.schedule) + (job.timezone && job.timezone !== 'UTC' ? ` ${job.timezone}` : '');
      return [code(job.name), schedule, job.description, how.join(', ')];
    });
  return table(['job', 'schedule (UTC)', 'what it does', 'timeout, retries, catch-up'], rows);
}

export type BlockName = 'settings' | 'keys' | 'jobs';

const SOURCES: Record<BlockName, string> = {
  settings: 'SETTINGS in src/core/config-settings.ts',
  keys: 'KEYS in src/ui/keys.ts',
  jobs: '`studio jobs list --json` (src/jobs/catalog.ts and every module\'s jobs)',
};

/** The text that goes between the markers, including the do-not-edit note. */
export function blockBody(name: BlockName, table: string): string {
  return `<!-- generated from ${SOURCES[name]} by \`npm run docs\`: edit the source, not this table -->\n\n${table}\n`;
}

export class MissingMarkersError extends Error {}

/** Replace the generated block `name` in a document; throws when its markers are missing. */
export function replaceBlock(document: string, name: BlockName, body: string): string {
  const open = `<!-- generated:${name} -->`;
  const close = `<!-- /generated:${name} -->`;
  const start = document.indexOf(open);
  const end = document.indexOf(close);
  if (start < 0 || end < start) throw new MissingMarkersError(`docs: the ${open} ... ${close} markers are missing`);
  return `${document.slice(0, start + open.length)}\n${body}${document.slice(end)}`;
}

/** The block `name` as it is in a document now (between the markers), or undefined. */
export function currentBlock(document: string, name: BlockName): string | undefined {
  const open = `<!-- generated:${name} -->`;
  const close = `<!-- /generated:${name} -->`;
  const start = document.indexOf(open);
  const end = document.indexOf(close);
  if (start < 0 || end < start) return undefined;
  return document.slice(start + open.length + 1, end);
}

/** Which file holds which block. */
export const BLOCK_FILES: Record<BlockName, string> = {
  settings: 'docs/configuration.md',
  keys: 'docs/console.md',
  jobs: 'docs/scheduler-and-deployment.md',
};

/**
 * The jobs as `studio jobs list --json` reports them, from the built CLI (bin/studio.js; `npm run build`
 * first) on a throw-away embedded database with the default configuration: the environment is not
 * passed on, so a DATABASE_URL or a test hook set in the caller's shell cannot change the table.
 * Paths under the throw-away STUDIO_HOME are shown relative to it. `options.home`: a throw-away home whose
 * embedded database is already migrated (the tests copy one from their template instead of an initdb and a
 * migration, ~8 s of CPU); it is used as it is and removed afterwards.
 */
export async function listJobsFromCli(bin: string, options: { home?: string } = {}): Promise<JobDoc[]> {
  const { execFile } = await import('node:child_process');
  const { mkdtempSync, realpathSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const home = realpathSync(options.home ?? mkdtempSync(join(tmpdir(), 'studio-docs-')));
  try {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, STUDIO_HOME: home, NO_COLOR: '1', TZ: 'UTC' };
    const studio = (args: string[]) =>
      new Promise<string>((resolve, reject) => {
        execFile(process.execPath, [bin, ...args], { env, cwd: home, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, out, err) => {
          if (error) reject(new Error(`docs: studio ${args.join(' ')} failed (${error.message.split('\n')[0]}): ${String(err).trim()}`));
          else resolve(String(out));
        });
      });
    // reading commands never create a database: make the throw-away one first
    if (!options.home) await studio(['db', 'migrate', '--json']);
    const stdout = await studio(['jobs', 'list', '--json']);
    const jobs = JSON.parse(stdout) as JobDoc[];
    return jobs.map((job) => ({ ...job, description: job.description.split(`${home}/`).join('').split(home).join('STUDIO_HOME') }));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
