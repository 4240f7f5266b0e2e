/**
 * `studio console`: the full-screen operator console (src/ui). Ink and React load inside the action, so
 * other commands never read them. The console reads the real database through `createConsoleBackend`,
 * hosts the scheduler in embedded mode (or with --scheduler), and on a fresh, empty embedded database
 * loads the sample ideas so the pipeline visibly runs within a minute. `--demo` shows made-up data.
 */
import type { Command } from 'commander';
import type { ConsoleApi } from '../core/console-api.js';
import { parseDuration } from '../core/clock.js';
import { InvalidInputError } from '../core/errors.js';
import { action } from './run.js';

export interface ConsoleOptions {
  readOnly?: boolean;
  refresh: string;
  /** undefined: host it in embedded mode only */
  scheduler?: boolean;
  demo?: boolean;
}

/** The smallest and largest refresh interval accepted. */
export const REFRESH_BOUNDS_MS = { min: 250, max: 600_000 };

export function parseRefresh(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw new InvalidInputError(`console: --refresh "${text}" is not a duration (like 2s or 500ms)`);
  }
  if (ms < REFRESH_BOUNDS_MS.min || ms > REFRESH_BOUNDS_MS.max) throw new InvalidInputError(`console: --refresh must be between 250ms and 10m (got ${text})`);
  return ms;
}

interface OpenConsole {
  api: ConsoleApi;
  demo: boolean;
  onConsoleOutput?: (level: string, text: string) => void;
  /** Abort what runs, close the database (once, however often it is called). */
  close(): Promise<void>;
  /** What closing waits for now: the hosted scheduler's running jobs. */
  running(): string[];
}

/**
 * A console quits at once: the jobs it hosts are aborted (stage runs resume under their keys on the next
 * start, nothing is paid twice; an aborted backup is retried), not waited for. Each gets this long to
 * record where it stopped.
 */
const QUIT_SETTLE_MS = 700;

/** The ConsoleApi for these options: the real one over the configured database, or the demo. */
async function openConsoleApi(opts: ConsoleOptions): Promise<OpenConsole> {
  if (opts.demo) {
    const { createDemoBackend } = await import('../app/demo/backend.js');
    const { loadConfig } = await import('../core/config.js');
    const { operator, budget } = loadConfig();
    const api = createDemoBackend({
      operator: operator.user,
      sshClient: operator.sshClient,
      readOnly: opts.readOnly,
      schedulerHosted: opts.scheduler ?? true,
      thresholds: { warningPct: budget.warningPct, criticalPct: budget.criticalPct, emergencyPct: budget.emergencyPct },
    });
    return { api, demo: true, close: () => api.close(), running: () => [] };
  }
  const { createApp } = await import('../app/app.js');
  // before the screen is taken: say what takes time (a first start creates, migrates and embeds: 8-22 s)
  const started = Date.now();
  const say = (step: string) => process.stderr.write(`studio: ${step}\n`);
  const app = await createApp({ followLogRotation: true, logBase: { cmd: 'console' }, onProgress: say });
  const owner = app.db.embeddedOwner?.();
  if (owner && !owner.self) say(`connected to the embedded database served by pid ${owner.pid} (studio ${owner.command})`);
  let scheduler: import('../jobs/scheduler.js').Scheduler | undefined;
  try {
    // a convenience of the first start: an unreachable service (the ideas are embedded) must not keep the
    // operator out of the console; the next start tries again
    if (!opts.readOnly) {
      await seedSampleIdeas(app, say).catch((error: unknown) =>
        app.logger.warn({ err: error }, `console: could not load the sample ideas (${(error as Error).message?.slice(0, 200)}); the next start tries again`),
      );
    }
    const host = opts.scheduler ?? app.config.mode === 'embedded';
    if (host && !opts.readOnly) {
      const { createScheduler } = await import('../jobs/scheduler.js');
      const { jobWiring, schedulerSettings } = await import('../app/app-jobs.js');
      say('starting the scheduler');
      scheduler = createScheduler({ db: app.db, logger: app.logger, jobs: (await jobWiring(app)).jobs, settings: schedulerSettings(app), clock: app.clock });
      await scheduler.start();
    }
    say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const { createConsoleBackend } = await import('../app/console-backend.js');
    const api = await createConsoleBackend(app, { readOnly: opts.readOnly ?? false, scheduler });
    // the services panel should not wait five minutes for the first scheduled check
    if (!opts.readOnly) void api.runHealthCheck().catch(() => undefined);
    return {
      api,
      demo: false,
      // whatever a library prints while the console owns the screen goes to the log file instead
      onConsoleOutput: (level, text) => app.logger.warn({ captured: level }, text.slice(0, 2000)),
      close: once(async () => {
        await Promise.all([scheduler?.stop({ graceMs: 0, settleMs: QUIT_SETTLE_MS }).catch(() => undefined), api.close().catch(() => undefined)]);
        await app.close();
      }),
      running: () => scheduler?.running() ?? [],
    };
  } catch (error) {
    await scheduler?.stop({ graceMs: 1_000 }).catch(() => undefined);
    await app.close();
    throw error;
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

/** A fresh embedded database gets the sample ideas once, so a first `npm start` shows the pipeline at work. */
async function seedSampleIdeas(app: import('../app/app.js').App, say: (step: string) => void = () => undefined): Promise<void> {
  if (app.config.mode !== 'embedded') return;
  const { wantsSampleIdeas, markSampleIdeasLoaded } = await import('../app/operations/ideas.js');
  if (!(await wantsSampleIdeas(app))) return;
  const { readFileSync, existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { packageRoot } = await import('../core/package-root.js');
  const file = join(packageRoot(), 'examples', 'ideas.jsonl');
  if (!existsSync(file)) return;
  const { parseIdeasText } = await import('./ideas.js');
  const { submitIdeas } = await import('../pipeline/ideas/intake.js');
  const items = parseIdeasText(readFileSync(file, 'utf8')).filter((i) => !i.error);
  say(`loading ${items.length} sample ideas into the empty database (embedding them with ${app.providers.embedder.info.offline ? 'the offline embedder' : app.providers.embedder.info.model})`);
  const deps = { db: app.db, budget: app.budget, providers: app.providers, config: app.config, clock: app.clock, logger: app.logger };
  const outcomes = await submitIdeas(deps, items, { createdBy: 'sample' });
  await markSampleIdeasLoaded(app);
  app.logger.info({ created: outcomes.filter((o) => o.status === 'created').length }, 'console: loaded the sample ideas into the empty embedded database');
}

export function registerConsole(program: Command): void {
  program
    .command('console')
    .description('the full-screen operator console: budget, services, KPIs, pipeline, jobs, incidents, logs, and recovery hotkeys')
    .option('--read-only', 'show everything, refuse every action')
    .option('--refresh <duration>', 'time between snapshot reads', '2s')
    .option('--scheduler', 'host the scheduler in this process (the default in embedded mode)')
    .option('--no-scheduler', 'do not host the scheduler in this process')
    .option('--demo', 'made-up data (labelled DEMO), no database needed')
    .addHelpText(
      'after',
      `
Keys: ? help, tab focus, enter detail, / filter, space pause, r refresh, q quit;
x reset stuck idea, R resume after emergency, j run job, p pause job, P pause campaigns,
b backup now, a ack / s resolve incident, h health check. Needs a terminal (80x24 or larger).

Examples:
  studio console
  studio console --read-only --refresh 5s
  studio console --demo`,
    )
    .action(
      action(async (opts: ConsoleOptions) => {
        const refreshMs = parseRefresh(opts.refresh);
        if (process.env.TERM === 'dumb') {
          throw new InvalidInputError('console: TERM=dumb cannot draw the full-screen console (no cursor movement); use studio health, studio budget status or studio jobs list, or a real terminal');
        }
        if (!process.stdout.isTTY || !process.stdin.isTTY) {
          throw new InvalidInputError('console: needs a terminal (stdin and stdout must be a TTY); for scripts use studio budget status, studio health --json');
        }
        const opened = await openConsoleApi(opts);
        const { runConsole } = await import('../ui/run-console.js');
        try {
          const exit = await runConsole({
            api: opened.api,
            demo: opened.demo,
            readOnly: opts.readOnly ?? false,
            refreshMs,
            onConsoleOutput: opened.onConsoleOutput,
            shutdown: () => opened.close(),
            stopping: () => opened.running(),
          });
          return exit.reason === 'quit' ? (exit.stop === 'clean' ? 0 : Number(process.exitCode ?? 1)) : 1;
        } finally {
          await opened.close();
        }
      }),
    );
}
