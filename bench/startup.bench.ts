/**
 * Start-up: median wall time of `studio db status --json` in server and embedded mode, against
 * `node -e 0` measured in the same run. Target: server mode within 3x of node -e 0.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { benchDatabaseUrl, median, report, timeCommand } from './helpers.js';

const bin = fileURLToPath(new URL('../bin/studio.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 15);
const node = process.execPath;

const baseline = median(timeCommand(node, ['-e', '0'], { runs }));
report('node -e 0 (baseline)', `${baseline.toFixed(1)} ms`);

const version = median(timeCommand(node, [bin, '--version'], { runs }));
report('studio --version', `${version.toFixed(1)} ms`, `${(version / baseline).toFixed(2)}x baseline`);
const help = median(timeCommand(node, [bin, '--help'], { runs }));
report('studio --help', `${help.toFixed(1)} ms`, `${(help / baseline).toFixed(2)}x baseline`);

const url = benchDatabaseUrl();
if (url) {
  // at the baseline's priority: db status is one of the commands that lower theirs (CLI_READ_NICE)
  const env = { DATABASE_URL: url, DATABASE_SCHEMA: 'bench_startup', STUDIO_HOME: mkdtempSync(join(tmpdir(), 'bench-')), CLI_READ_NICE: '0' };
  spawnSync(node, [bin, 'db', 'migrate'], { env: { ...process.env, ...env } });
  const server = median(timeCommand(node, [bin, 'db', 'status', '--json'], { env, runs }));
  report('studio db status --json (server)', `${server.toFixed(1)} ms`, `${(server / baseline).toFixed(2)}x baseline (target <= 3x)`);
} else {
  report('studio db status --json (server)', 'skipped', 'no PostgreSQL reachable (set BENCH_DATABASE_URL)');
}

const home = mkdtempSync(join(tmpdir(), 'bench-embedded-'));
spawnSync(node, [bin, 'db', 'migrate'], { env: { ...process.env, STUDIO_HOME: home } });
const embedded = median(timeCommand(node, [bin, 'db', 'status', '--json'], { env: { STUDIO_HOME: home, CLI_READ_NICE: '0' }, runs: Math.min(runs, 8) }));
report('studio db status --json (embedded)', `${embedded.toFixed(1)} ms`, `${(embedded / baseline).toFixed(2)}x baseline (PGlite WASM start dominates)`);
