import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The files that take longest (the 2-core machine, 2026-12-07: the full runs of the day, under load),
 * longest first. Two workers take files in this order: a long file started last would run alone at the end.
 * Files not listed follow in vitest's own order (its cache of the last durations when there is one, else the
 * larger file first).
 */
const LONGEST_FIRST = [
  'test/cli/backup-cli.test.ts',
  'test/ui/console-live-tmux.test.ts',
  'test/storage/embedded.test.ts',
  'test/ops/backup.test.ts',
  'test/cli/backup-stock-restore.test.ts',
  'test/cli/pipeline-cli.test.ts',
  'test/cli/embedded-cli.test.ts',
  'test/cli/db-cli.test.ts',
  'test/core/log-lines.test.ts',
  'test/cli/operations-cli.test.ts',
  'test/cli/pipeline-outages.test.ts',
  'test/cli/maintenance-cli.test.ts',
  'test/cli/scheduler-cli.test.ts',
  'test/providers/google-ads.test.ts',
  'test/cli/health-cli.test.ts',
  'test/providers/openai.test.ts',
  'test/cli/budget-cli.test.ts',
  'test/cli/hostile-cli.test.ts',
  'test/providers/posthog.test.ts',
  'test/ops/report-and-jobs.test.ts',
  'test/ops/health-incidents.test.ts',
  'test/app/operations.test.ts',
  'test/storage/list-filters.test.ts',
  'test/docs/generated-docs.test.ts',
  'test/providers/web-search.test.ts',
  'test/ui/console.test.tsx',
];

/**
 * Files that need a process of their own (the `isolated` project); every other file runs in the `shared`
 * project, where a worker process runs file after file and imports studio's modules (PGlite, ink, the SDKs)
 * once instead of once per file: a fork and its imports cost ~1 s a file on the 2-core machine.
 * A file belongs here when it changes the test process in a way a later file would notice.
 */
const OWN_PROCESS: string[] = [];

const ALL = ['test/**/*.test.ts', 'test/**/*.test.tsx'];

/**
 * Files in the order two workers should take them: the isolated project first, then the shared one (a
 * shared worker is reused only while the next file in the queue is shared too), each longest first.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((path) => file.moduleId.endsWith(path));
      return (file.project.config.isolate ? 0 : 1000) + (i < 0 ? LONGEST_FIRST.length : i);
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

/** What both projects share (the global setup stays at the root, so it runs once, not once per project). */
const common = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks',
} as const;

export default defineConfig({
  test: {
    include: ALL,
    globalSetup: ['test/helpers/global-setup.ts'],
    ...common,
    // PGlite instances are CPU-heavy to start; two cores here.
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    reporters: ['default'],
    projects: [
      { test: { name: 'isolated', include: OWN_PROCESS.length ? OWN_PROCESS : ['test/none'], ...common, isolate: true } },
      { test: { name: 'shared', include: ALL, exclude: OWN_PROCESS, ...common, isolate: false } },
    ],
  },
});
