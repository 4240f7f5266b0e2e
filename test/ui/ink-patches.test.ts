/**
 * The build's patches to Ink (scripts/ink-patches.mjs) that keep a frame's unchanged text from being
 * measured and cut again: Ink bundled with them (as `npm run build` does) renders the same frame twice;
 * the second frame calls neither widest-line (each text node's width) nor slice-ansi (each line of a
 * box with overflow hidden, as every panel is), and the output is the same as unpatched Ink's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { build, type Plugin } from 'esbuild';
// plain JS, no types
const patches = '../../scripts/ink-patches.mjs';
const { inkPatchPlugin } = (await import(patches)) as { inkPatchPlugin(files?: string[]): Plugin };

const dir = mkdtempSync(join(tmpdir(), 'studio-ink-patches-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ENTRY = `
import React from 'react';
import { renderToString, Box, Text } from 'ink';
import { calls } from 'counting';
const h = React.createElement;
const tree = h(Box, { flexDirection: 'column', width: 60 },
  h(Box, { borderStyle: 'round', height: 4, overflow: 'hidden' }, h(Text, { wrap: 'truncate' }, '● budget █████░░ 12.2% │ $1.22/$10.00 HEALTHY and a tail longer than the box')),
  h(Box, { borderStyle: 'double', height: 3, overflow: 'hidden' }, h(Text, null, '› openai_tokens ░░░░ 0.0%')));
const first = renderToString(tree, { columns: 80 });
const before = { ...calls };
const second = renderToString(tree, { columns: 80 });
console.log(JSON.stringify({ same: first === second, frame: second, widest: calls.widest - before.widest, slice: calls.slice - before.slice }));
`;
// widest-line and slice-ansi wrapped to count their calls
const COUNTING = `
import widestLine from 'widest-line-original';
import sliceAnsi from 'slice-ansi-original';
export const calls = { widest: 0, slice: 0 };
export const widest = (s) => (calls.widest++, widestLine(s));
export const slice = (...a) => (calls.slice++, sliceAnsi(...a));
`;

async function run(name: string, files?: string[]): Promise<{ same: boolean; frame: string; widest: number; slice: number }> {
  const entry = join(dir, `${name}.mjs`);
  writeFileSync(entry, ENTRY);
  writeFileSync(join(dir, 'counting.mjs'), COUNTING);
  writeFileSync(join(dir, 'widest.mjs'), "export { widest as default } from 'counting';\n");
  writeFileSync(join(dir, 'slice.mjs'), "export { slice as default } from 'counting';\n");
  writeFileSync(join(dir, 'devtools-stub.mjs'), 'export default {};\n');
  const modules = fileURLToPath(new URL('../../node_modules/', import.meta.url));
  const counting: Plugin = {
    name: 'counting',
    setup(b) {
      b.onResolve({ filter: /^counting$/ }, () => ({ path: join(dir, 'counting.mjs') }));
      // Ink's imports go to the counters; the counters' own (pluginData) to the packages
      b.onResolve({ filter: /^widest-line$/ }, (args) => (args.pluginData?.original ? undefined : { path: join(dir, 'widest.mjs') }));
      b.onResolve({ filter: /^slice-ansi$/ }, (args) => (args.pluginData?.original ? undefined : { path: join(dir, 'slice.mjs') }));
      b.onResolve({ filter: /^(widest-line|slice-ansi)-original$/ }, (args) =>
        b.resolve(args.path.replace('-original', ''), { kind: 'import-statement', resolveDir: modules, pluginData: { original: true } }),
      );
    },
  };
  const outfile = join(dir, `${name}.out.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    nodePaths: [modules],
    alias: { 'react-devtools-core': join(dir, 'devtools-stub.mjs') },
    define: { 'process.env.NODE_ENV': '"production"' },
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    plugins: [counting, inkPatchPlugin(files)],
    logLevel: 'error',
  });
  return JSON.parse(execFileSync(process.execPath, [outfile], { encoding: 'utf8' }).trim().split('\n').at(-1)!);
}

describe('Ink as built (scripts/ink-patches.mjs)', () => {
  it('a frame the same as the last measures and cuts nothing again, and draws what unpatched Ink draws', async () => {
    const patched = await run('patched');
    const unpatched = await run('unpatched', []);
    expect(unpatched.widest).toBeGreaterThan(0); // the probe counts: unpatched Ink measures every frame
    expect(unpatched.slice).toBeGreaterThan(0);
    expect(patched.widest).toBe(0);
    expect(patched.slice).toBe(0);
    expect(patched.same).toBe(true);
    expect(patched.frame).toBe(unpatched.frame);
    expect(patched.frame).toContain('● budget');
  }, 60_000);
});
