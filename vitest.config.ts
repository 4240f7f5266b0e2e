import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The files that take longest (the 2-core machine, 2026-12-07: a quiet fresh-clone CI run),
 * longest first. Two workers take files in this order: a long file started last would run alone at the end.
 * Files not listed follow in vitest's own order (its cache of the last durations when there is one, else the
 * larger file first).
 */
const LONGEST_FIRST = [
  // the fresh-clone CI run of 2026-12-07 11:12 (nothing else running; vitest 241 s), longest first
  'test/ops/backup.test.ts',
  'test/cli/backup-cli.test.ts',
  'test/ui/console-live-tmux.test.ts',
  'test/cli/backup-stock-restore.test.ts',
  'test/cli/maintenance-cli.test.ts',
  'test/cli/pipeline-cli.test.ts',
  'test/cli/pipeline-outages.test.ts',
  'test/cli/hostile-cli.test.ts',
  'test/providers/faults.test.ts',
  'test/cli/embedded-cli.test.ts',
  'test/storage/embedded.test.ts',
  'test/cli/operations-cli.test.ts',
  'test/cli/scheduler-cli.test.ts',
  'test/jobs/several-hosts.test.ts',
  'test/cli/db-cli.test.ts',
  'test/providers/google-ads.test.ts',
  'test/core/log-lines.test.ts',
  'test/providers/posthog.test.ts',
  'test/providers/web-search.test.ts',
  'test/cli/budget-cli.test.ts',
  'test/ui/console-trust.test.tsx',
  'test/app/operations.test.ts',
  'test/cli/health-cli.test.ts',
  'test/pipeline/landing-browser.test.ts',
  'test/jobs/runner.test.ts',
  'test/ui/console.test.tsx',
  'test/storage/list-filters.test.ts',
  'test/ui/console-tmux.test.ts',
  'test/console/backend-changes.test.ts',
  'test/ops/deploy.test.ts',
  'test/pipeline/crash.test.ts',
  'test/pipeline/pipeline.test.ts',
];

/** The files in the order two workers should take them: longest first. */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((path) => file.moduleId.endsWith(path));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // PGlite instances are CPU-heavy to start; two cores here. Three workers measured (2026-12-07 08:05, load
    // ~7.4): 516 s against two workers' 534 s at load ~6.9, with 483 s of CPU against 472 s: not worth more
    // contention for the tests that wait on child processes.
    maxWorkers: 2,
    // A worker process runs file after file (each test file is still imported afresh): studio's modules,
    // PGlite, ink and the SDKs are imported, and PGlite's wasm compiled, once per worker instead of once per
    // file (~1.8 s of CPU a file on the 2-core machine). It holds because a file leaves the process as it
    // found it: databases, servers, homes and children closed in afterAll, fake timers restored, no
    // process.env writes. A file that cannot: give it a project of its own with isolate: true.
    isolate: false,
    // PGlite's wasm compiled by V8's baseline compiler only, as the CLI's children are (NODE_ARGS in
    // test/helpers/cli.ts): the optimizing recompilation of its hot functions costs more CPU than the
    // tests' short databases win back. Measured 2026-12-07 (load ~11), ops/backup, app/operations,
    // providers/faults and jobs/runner: 50.0 and 46.3 s of CPU without, 45.6 and 40.9 s with. Only wasm is
    // affected (the tests' and studio's JavaScript is compiled as before).
    execArgv: ['--liftoff-only'],
    sequence: { sequencer: LongestFirst },
    reporters: ['default'],
  },
});
