#!/usr/bin/env node
// studio's command-line entry: runs the bundle that `npm install` (prepare) or `npm run build` makes.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/studio.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('studio: not built yet; run npm install (or npm run build) in the studio directory\n');
  process.exit(1);
}
const { main } = await import(bundle.href);
await main(process.argv);
process.exit(process.exitCode ?? 0);
