#!/usr/bin/env node
// studio's command-line entry: runs the bundle that `npm install` (prepare) or `npm run build` makes.
import { existsSync } from 'node:fs';
import module from 'node:module';

const bundle = new URL('../dist/studio.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('studio: not built yet; run npm install (or npm run build) in the studio directory\n');
  process.exit(1);
}
// Node >= 22.1 keeps the compiled bundle on disk (NODE_COMPILE_CACHE, else a directory in the temp dir):
// compiling ~1 MB of modules is most of a one-shot command's start-up. Absent on Node 20, where this
// does nothing; a cache that cannot be written is skipped by Node itself.
module.enableCompileCache?.();
const { main } = await import(bundle.href);
await main(process.argv);
process.exit(process.exitCode ?? 0);
