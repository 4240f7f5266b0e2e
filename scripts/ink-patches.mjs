// Patches to Ink 6.8's source, applied when esbuild bundles it (scripts/build.mjs; the console bench
// bundles its key-to-frame harness with them too). Each fails the build loudly if Ink changed.
import { readFileSync } from 'node:fs';

const PATCHES = {
  // Ink keeps every distinct text it ever measured or wrapped, for the life of the process
  // (vadimdemedes/ink#986): a console left open grows without end (its clock, ages and log lines are new
  // texts every second). Bound both caches: cleared when they pass 5,000 entries; re-measuring is cheap.
  'measure-text.js': [['cache.set(text, dimensions);', 'if (cache.size >= 5000) cache.clear();\n    cache.set(text, dimensions);']],
  'wrap-text.js': [
    ['const cache = {};', 'let cache = {};\nlet cacheSize = 0;'],
    ['cache[cacheKey] = wrappedText;', 'if (++cacheSize > 5000) {\n        cache = {};\n        cacheSize = 1;\n    }\n    cache[cacheKey] = wrappedText;'],
  ],
  // Each frame Ink builds a new Output whose caches start empty: every line of the frame is tokenized
  // into styled characters and every character measured again, though nearly all lines are the same as
  // in the last frame (#17 item 13: half the time from a key press to its frame at 160x48). Share the
  // caches between frames, bounded: started afresh once they hold 600 lines or 6,000 widths (a frame at
  // 160x48 writes a few hundred texts; each styled character is an object, so the bound keeps the
  // caches to a few MB).
  'output.js': [
    [
      'export default class Output {',
      'let sharedCaches;\nfunction frameCaches() {\n    if (!sharedCaches || sharedCaches.styledChars.size > 600 || sharedCaches.widths.size > 6000 || sharedCaches.blockWidths.size > 600) {\n        sharedCaches = new OutputCaches();\n    }\n    return sharedCaches;\n}\nexport default class Output {',
    ],
    ['    caches = new OutputCaches();', '    caches = frameCaches();'],
  ],
};

/** The esbuild plugin; `files`: only these patches (the bench's baseline leaves one out). */
export const inkPatchPlugin = (files = Object.keys(PATCHES)) => ({
  name: 'ink-patches',
  setup(b) {
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/](measure-text|wrap-text|output)\.js$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      const file = args.path.split(/[\\/]/).at(-1);
      for (const [from, to] of files.includes(file) ? PATCHES[file] : []) {
        if (!source.includes(from)) throw new Error(`build: cannot patch Ink's ${file} (did Ink change? see scripts/ink-patches.mjs)`);
        source = source.replace(from, to);
      }
      return { contents: source, loader: 'js' };
    });
  },
});

export const inkPatches = inkPatchPlugin();
