import { describe, expect, it } from 'vitest';
import { chooseWasmTiers, isLongLived } from '../../src/cli/wasm-tiers.js';

const argv = (...words: string[]) => ['node', 'studio', ...words];

describe('which commands keep V8 optimising PGlite', () => {
  it('the console, the scheduler and pipeline run keep both tiers; one-shot commands do not', () => {
    expect(isLongLived(argv('console'))).toBe(true);
    expect(isLongLived(argv('console', '--read-only'))).toBe(true);
    expect(isLongLived(argv('scheduler', '--once'))).toBe(true);
    expect(isLongLived(argv('pipeline', 'run', '--until-idle'))).toBe(true);
    expect(isLongLived(argv('pipeline', 'status'))).toBe(false);
    expect(isLongLived(argv('budget', 'status', '--json'))).toBe(false);
    expect(isLongLived(argv('health'))).toBe(false);
    expect(isLongLived(argv())).toBe(false);
  });

  it('leaves a long-lived command and an explicit tiering flag alone', () => {
    expect(chooseWasmTiers(argv('console'), [], '')).toBe(false);
    expect(chooseWasmTiers(argv('health'), ['--no-liftoff-only'], '')).toBe(false);
    expect(chooseWasmTiers(argv('health'), [], '--max-old-space-size=512 --wasm-dynamic-tiering')).toBe(false);
  });
});
