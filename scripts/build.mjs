// Bundle the CLI into dist/ with esbuild: one entry file plus chunks that load only when a command needs
// them, so start-up reads a few files instead of hundreds. PGlite (WASM files beside its code), the
// google-ads-api SDK (huge, lazily imported), pg-native (optional) and string-width stay in node_modules.
// string-width: src/core/text-width.ts requires it on first use (loading it costs ~25 ms of CPU, which the
// CLI's ASCII output never needs), and Ink imports it; left outside, both get the one copy Node loads.
import { build } from 'esbuild';
import { readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { inkPatches } from './ink-patches.mjs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();
rmSync(`${root}/dist`, { recursive: true, force: true });
mkdirSync(`${root}/dist`, { recursive: true });
// Ink imports react-devtools-core only when DEV is set; give the bundle an empty module for it.
writeFileSync(`${root}/dist/devtools-stub.mjs`, 'export default {};\n');

// pg asks "is this Cloudflare Workers?" when it loads (pg/lib/stream.js) by building a `Response`, which
// makes Node load its whole fetch implementation (undici, ~15-25 ms of every command's start). studio runs
// on Node only: the answer is no without building anything.
const pgNodeStreams = {
  name: 'pg-node-streams',
  setup(b) {
    b.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const from = "if (typeof Response === 'function') {";
      if (!source.includes(from)) throw new Error(`build: cannot skip pg's Cloudflare probe in ${args.path} (did pg change?)`);
      return { contents: source.replace(from, 'if (false) {'), loader: 'js' };
    });
  },
};

const result = await build({
  // STUDIO_BUILD_METAFILE=<file>: esbuild's metafile there (what each chunk holds, what it imports)
  metafile: Boolean(process.env.STUDIO_BUILD_METAFILE),
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
  external: ['@electric-sql/pglite', '@electric-sql/pglite-pgvector', '@electric-sql/pglite/*', 'google-ads-api', 'pg-native', 'string-width'],
  alias: { 'react-devtools-core': './dist/devtools-stub.mjs' },
  define: { 'process.env.NODE_ENV': '"production"' },
  banner: {
    js: "import { createRequire as __studioCreateRequire } from 'node:module'; const require = __studioCreateRequire(import.meta.url);",
  },
  plugins: [inkPatches, pgNodeStreams],
  logLevel: 'warning',
});
if (!process.argv.includes('--quiet')) console.log(`build: dist/ in ${Date.now() - started} ms`);
if (process.env.STUDIO_BUILD_METAFILE) writeFileSync(process.env.STUDIO_BUILD_METAFILE, JSON.stringify(result.metafile));
