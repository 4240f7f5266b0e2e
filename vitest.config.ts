import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The files that take longest (the 2-core machine, 2026-12-07: the 430 s full run, less what was cut since),
 * longest first. Two workers take files in this order: a long file started last would run alone at the end.
 * Files not listed follow in vitest's own order (its cache of the last durations when there is one, else the
 * larger file first).
 */
const LONGEST_FIRST = [
  'test/cli/backup-cli.test.ts',
  'test/storage/embedded.test.ts',
  'test/ui/console-live-tmux.test.ts',
  'test/core/log-lines.test.ts',
  'test/cli/backup-stock-restore.test.ts',
  'test/ops/backup.test.ts',
  'test/cli/maintenance-cli.test.ts',
  'test/providers/google-ads.test.ts',
  'test/cli/hostile-cli.test.ts',
  'test/providers/faults.test.ts',
  'test/providers/posthog.test.ts',
  'test/cli/scheduler-cli.test.ts',
  'test/cli/pipeline-cli.test.ts',
  'test/cli/pipeline-outages.test.ts',
  'test/cli/budget-cli.test.ts',
  'test/cli/operations-cli.test.ts',
  'test/cli/embedded-cli.test.ts',
  'test/cli/db-cli.test.ts',
  'test/cli/health-cli.test.ts',
  'test/ops/health-incidents.test.ts',
  'test/app/operations.test.ts',
  'test/ops/escalation.test.ts',
];

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
    // PGlite instances are CPU-heavy to start; two cores here.
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    reporters: ['default'],
  },
});
