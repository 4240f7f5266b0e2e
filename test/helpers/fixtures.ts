/**
 * The child-process fixtures of test/fixtures/ (a budget racer, an embedded client, a pipeline worker):
 * started as the bundles the global setup makes of them, with plain `node`, as studio itself runs. The
 * same TypeScript through `node --import tsx` costs ~0.8 s more CPU a child.
 */
import { execa, type Options } from 'execa';
import { join } from 'node:path';
import { inject } from 'vitest';
import { CHILD_ENV, NODE_ARGS } from './cli.js';

export type FixtureName = 'budget-racer' | 'embedded-client' | 'pipeline-worker';

/** Starts test/fixtures/<name>.ts (bundled) with `args`; execa's options as given (node's as the CLI's). */
export function runFixture<O extends Options>(name: FixtureName, args: string[], options: O) {
  return execa(process.execPath, [...NODE_ARGS, join(inject('fixtureBundleDir'), `${name}.mjs`), ...args], { ...options, env: { ...CHILD_ENV, ...options.env } });
}
