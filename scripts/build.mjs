// Bundle the CLI into dist/ with esbuild: one entry file plus chunks that load only when a command needs
// them, so start-up reads a few files instead of hundreds. PGlite (WASM files beside its code), the
// google-ads-api SDK (huge, lazily imported) and pg-native (optional) stay in node_modules.
import { build } from 'esbuild';
import { rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { inkPatches } from './ink-patches.mjs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();
rmSync(`${root}/dist`, { recursive: true, force: true });
mkdirSync(`${root}/dist`, { recursive: true });
// Ink imports react-devtools-core only when DEV is set; give the bundle an empty module for it.
writeFileSync(`${root}/dist/devtools-stub.mjs`, 'export default {};\n');

await build({
  absWorkingDir: root,
  entryPoints: { studio: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  external: ['@electric-sql/pglite', '@electric-sql/pglite-pgvector', '@electric-sql/pglite/*', 'google-ads-api', 'pg-native'],
  alias: { 'react-devtools-core': './dist/devtools-stub.mjs' },
  define: { 'process.env.NODE_ENV': '"production"' },
  banner: {
    js: "import { createRequire as __studioCreateRequire } from 'node:module'; const require = __studioCreateRequire(import.meta.url);",
  },
  plugins: [inkPatches],
  logLevel: 'warning',
});
if (!process.argv.includes('--quiet')) console.log(`build: dist/ in ${Date.now() - started} ms`);
