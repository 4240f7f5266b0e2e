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
  // in the last frame (#17 item 13: half the time from a key press to its frame at 160x48). Each frame's
  // caches look up what the previous frame's held before computing: memory stays at two frames' worth
  // (one long-lived cache bounded at 600 lines held 10-14 MB and raised the heap that much).
  'output.js': [
    [
      'export default class Output {',
      'let lastCaches;\nfunction frameCaches() {\n    const caches = new OutputCaches();\n    if (lastCaches) {\n        lastCaches.previous = undefined;\n        caches.previous = lastCaches;\n    }\n    lastCaches = caches;\n    return caches;\n}\nexport default class Output {',
    ],
    ['    caches = new OutputCaches();', '    caches = frameCaches();'],
    ['cached = styledCharsFromTokens(tokenize(line));', 'cached = this.previous?.styledChars.get(line) ?? styledCharsFromTokens(tokenize(line));'],
    ['cached = stringWidth(text);', 'cached = this.previous?.widths.get(text) ?? stringWidth(text);'],
    // A line of a box with overflow hidden (every panel) is cut to the box with sliceAnsi on every frame,
    // though the line and the box are nearly always the same as in the last frame: ~10% of an idle demo
    // console's CPU at 160x48 (#17, polish). Cached like the widths, for two frames.
    [
      '    getWidestLine(text) {',
      '    slices = new Map();\n    getSlice(line, from, to) {\n        const key = `${from},${to},${line}`;\n        let cached = this.slices.get(key);\n        if (cached === undefined) {\n            cached = this.previous?.slices.get(key) ?? sliceAnsi(line, from, to);\n            this.slices.set(key, cached);\n        }\n        return cached;\n    }\n    getWidestLine(text) {',
    ],
    ['return sliceAnsi(line, from, to);', 'return this.caches.getSlice(line, from, to);'],
  ],
  // Every text node's width is measured again on every frame before it is written (widestLine: each
  // line through Intl.Segmenter when it is not plain ASCII — the borders, bars and dots are not): ~13% of
  // an idle demo console's CPU at 160x48. measureText keeps the same figure in its (bounded) cache.
  'render-node-to-output.js': [
    ["import widestLine from 'widest-line';", "import measureText from './measure-text.js';"],
    ['const currentWidth = widestLine(text);', 'const currentWidth = measureText(text).width;'],
  ],
};

/** The esbuild plugin; `files`: only these patches (the bench's baseline leaves one out). */
export const inkPatchPlugin = (files = Object.keys(PATCHES)) => ({
  name: 'ink-patches',
  setup(b) {
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/](measure-text|wrap-text|output|render-node-to-output)\.js$/ }, (args) => {
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
