/**
 * `npm run docs`: regenerate the tables in docs/ that come from the source (see scripts/docs-tables.ts).
 * `npm run docs -- --check` changes nothing and exits 1 naming the files that are out of date.
 * The jobs table needs the built CLI; `npm run docs` builds first.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from '../src/core/config.js';
import { KEYS } from '../src/ui/keys.js';
import { BLOCK_FILES, blockBody, jobsTable, keysTable, listJobsFromCli, replaceBlock, settingsTable, type BlockName } from './docs-tables.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');

async function main(): Promise<number> {
  const tables: Record<BlockName, string> = {
    settings: settingsTable(SETTINGS),
    keys: keysTable(KEYS),
    jobs: jobsTable(await listJobsFromCli(`${root}bin/studio.js`)),
  };
  const stale: string[] = [];
  for (const name of Object.keys(tables) as BlockName[]) {
    const file = `${root}${BLOCK_FILES[name]}`;
    const before = readFileSync(file, 'utf8');
    const after = replaceBlock(before, name, blockBody(name, tables[name]));
    if (after === before) continue;
    stale.push(`${BLOCK_FILES[name]} (${name})`);
    if (!check) writeFileSync(file, after);
  }
  if (check && stale.length > 0) {
    process.stderr.write(`docs: out of date: ${stale.join(', ')}; run npm run docs\n`);
    return 1;
  }
  process.stdout.write(stale.length > 0 ? `docs: updated ${stale.join(', ')}\n` : 'docs: up to date\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
