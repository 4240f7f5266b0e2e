/**
 * The generated tables in docs/ match the source they are generated from: SETTINGS (configuration.md),
 * KEYS (console.md) and the jobs the scheduler registers (scheduler-and-deployment.md). Each check
 * regenerates its table in memory, exactly as `npm run docs` would write it, and compares. The README's
 * command index is written by hand (each line links to its doc) but must name every command there is.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/core/config.js';
import { KEYS } from '../../src/ui/keys.js';
import {
  BLOCK_FILES,
  blockBody,
  currentBlock,
  jobsTable,
  keysTable,
  listJobsFromCli,
  replaceBlock,
  settingsTable,
  type BlockName,
} from '../../scripts/docs-tables.js';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';
import { BIN } from '../helpers/cli.js';
import { embeddedHomeFromTemplate } from '../helpers/db.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(`${root}${file}`, 'utf8');

/** Fails with the instruction a contributor needs, not a 300-line diff first. */
function expectUpToDate(name: BlockName, table: string) {
  const file = BLOCK_FILES[name];
  const now = currentBlock(read(file), name);
  const message = `${file}: the generated ${name} table is out of date; run npm run docs`;
  expect(now, `${file}: the <!-- generated:${name} --> markers are missing`).toBeDefined();
  expect(now, message).toBe(blockBody(name, table));
}

describe('generated docs', () => {
  it('docs/configuration.md lists every setting of SETTINGS as declared', () => {
    expectUpToDate('settings', settingsTable(SETTINGS));
    // The table is the whole of SETTINGS: each variable appears, with its default.
    const doc = read(BLOCK_FILES.settings);
    for (const spec of SETTINGS) expect(doc, spec.env).toContain(`| \`${spec.env}\``);
  });

  it('docs/console.md lists every console key of KEYS', () => {
    expectUpToDate('keys', keysTable(KEYS));
  });

  it('docs/scheduler-and-deployment.md lists every job the scheduler registers, once', async () => {
    // the throw-away home starts from the migrated template (no initdb and migration in the command)
    const jobs = await listJobsFromCli(BIN, { home: await embeddedHomeFromTemplate('studio-docs-') });
    expect(jobs.length).toBeGreaterThan(5);
    expectUpToDate('jobs', jobsTable(jobs));
    const rows = (currentBlock(read(BLOCK_FILES.jobs), 'jobs') ?? '').split('\n').filter((l) => l.startsWith('| `'));
    const names = rows.map((l) => l.split('|')[1]!.trim());
    expect(new Set(names).size, 'a job listed twice').toBe(names.length);
  }, 120_000);

  it('README.md indexes every studio command, and only real ones', async () => {
    const leaves: string[] = [];
    const walk = (command: Command, path: string[]) => {
      const subs = command.commands.filter((c) => c.name() !== 'help');
      if (subs.length === 0) leaves.push(path.join(' '));
      for (const sub of subs) walk(sub, [...path, sub.name()]);
    };
    walk(await buildProgram(), []);
    expect(leaves.length).toBeGreaterThan(40);
    const readme = read('README.md');
    const indexed = [...readme.matchAll(/^\| `([a-z][a-z -]*)` \|/gm)].map((m) => m[1]!);
    for (const name of leaves) {
      expect(indexed, `README.md: the command index lacks \`studio ${name}\`; add one line for it, linking to the doc that covers it`).toContain(name);
    }
    for (const name of indexed) expect(leaves, `README.md indexes \`studio ${name}\`, which is not a command`).toContain(name);
  });

  it('a drifted table is caught, and the generator only rewrites between the markers', () => {
    const doc = 'before\n<!-- generated:keys -->\nold table\n<!-- /generated:keys -->\nafter\n';
    const body = blockBody('keys', keysTable(KEYS));
    const written = replaceBlock(doc, 'keys', body);
    expect(written.startsWith('before\n<!-- generated:keys -->\n')).toBe(true);
    expect(written.endsWith('<!-- /generated:keys -->\nafter\n')).toBe(true);
    expect(currentBlock(written, 'keys')).toBe(body);
    expect(currentBlock(doc, 'keys')).not.toBe(body);
    expect(() => replaceBlock('no markers', 'keys', body)).toThrow(/markers are missing/);
  });

  it('a setting with new optional fields still renders (unit, range), secrets marked, pipes escaped', () => {
    const table = settingsTable([
      { env: 'X_RATE', group: 'x', describe: 'calls a|b per second', expects: 'a number', default: '5', unit: 'per second', min: 1, max: 10 },
      { env: 'X_KEY', group: 'x', describe: 'a key', expects: 'a key', secret: true },
    ]);
    expect(table).toContain('| `X_RATE` | `5` | a number (per second), 1 to 10 | calls a\\|b per second |');
    expect(table).toContain('| `X_KEY` (secret) | unset | a key | a key |');
  });
});
