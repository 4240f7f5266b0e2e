/**
 * Health: median wall time of `studio health --json` with every probe healthy, with one provider
 * hanging, and with three hanging, against `node -e 0` measured in the same run. Probes run in parallel
 * with a timeout, so a hang costs about one timeout, not one per hung probe.
 * Target: one hanging provider adds at most one probe timeout + 0.5 s to the healthy run; three hanging the same.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDatabaseUrl, median, report } from './helpers.js';

const bin = fileURLToPath(new URL('../bin/studio.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 7);
const TIMEOUT_MS = 2000;

// A provider endpoint: /ok answers at once, /hang never does.
const server = createServer((req, res) => {
  if (req.url === '/hang') return; // keep the socket open, never answer
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"data":[]}');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

function run(args: string[], env: Record<string, string>): Promise<{ ms: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== null && code > 2) reject(new Error(`exit ${code}: ${stderr}`));
      else resolve({ ms: performance.now() - start, code });
    });
  });
}

async function time(args: string[], env: Record<string, string>, n = runs, warmup = 1): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < warmup + n; i++) {
    const { ms } = await run(args, env);
    if (i >= warmup) samples.push(ms);
  }
  return median(samples);
}

const baseline = await time(['-e', '0'], {}, 15, 2);
report('node -e 0 (baseline)', `${baseline.toFixed(1)} ms`);

async function scenario(label: string, env: Record<string, string>, n: number): Promise<void> {
  const probes = (names: Array<[string, string]>) => names.map(([name, path]) => `${name}=${base}${path}`).join(',');
  const common = { ...env, HEALTH_PROBE_TIMEOUT: `${TIMEOUT_MS}ms` };
  const healthy = await time([bin, 'health', '--json'], { ...common, HEALTH_HTTP_PROBES: probes([['openai', '/ok'], ['posthog', '/ok'], ['google_ads', '/ok']]) }, n);
  report(`health --json, all healthy (${label})`, `${healthy.toFixed(1)} ms`, `${(healthy / baseline).toFixed(2)}x baseline`);
  const oneHung = await time([bin, 'health', '--json'], { ...common, HEALTH_HTTP_PROBES: probes([['openai', '/hang'], ['posthog', '/ok'], ['google_ads', '/ok']]) }, n);
  const added = oneHung - healthy;
  report(`health --json, 1 provider hanging (${label})`, `${oneHung.toFixed(1)} ms`, `adds ${added.toFixed(0)} ms to the healthy run (one timeout = ${TIMEOUT_MS} ms; target <= timeout + 500 ms)`);
  const threeHung = await time([bin, 'health', '--json'], { ...common, HEALTH_HTTP_PROBES: probes([['openai', '/hang'], ['posthog', '/hang'], ['google_ads', '/hang']]) }, n);
  report(`health --json, 3 providers hanging (${label})`, `${threeHung.toFixed(1)} ms`, `adds ${(threeHung - healthy).toFixed(0)} ms (the sum of timeouts would add ${3 * TIMEOUT_MS} ms)`);
}

const url = benchDatabaseUrl();
if (url) {
  const env = { DATABASE_URL: url, DATABASE_SCHEMA: 'bench_health', STUDIO_HOME: mkdtempSync(join(tmpdir(), 'bench-health-')) };
  await run([bin, 'db', 'migrate'], env);
  await scenario('server', env, runs);
} else {
  report('health --json (server)', 'skipped', 'no PostgreSQL reachable (set BENCH_DATABASE_URL)');
}
const home = mkdtempSync(join(tmpdir(), 'bench-health-embedded-'));
await run([bin, 'db', 'migrate'], { STUDIO_HOME: home });
await scenario('embedded', { STUDIO_HOME: home }, Math.min(runs, 5));
server.closeAllConnections();
server.close();
