/** `studio jobs list|run|pause|resume|history`: the scheduled jobs, by hand. */
import type { Command } from 'commander';
import type { App } from '../app/app.js';
import { formatDuration } from '../core/clock.js';
import type { JobRun } from '../app/operations/jobs.js';
import { action, loadConfig, withApp } from './run.js';
import { c, cut, levelColour, printJson, println, table } from './output.js';

const ops = () => import('../app/operations/jobs.js');
const loadRegistry = async (app: App) => (await ops()).loadJobRegistry(app);

const took = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : formatDuration(ms));
const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString().replace('.000Z', 'Z') : '');
const short = (d: Date | null | undefined) => (d ? new Date(d).toISOString().slice(0, 19).replace('T', ' ') : '—');

function statusText(status: string): string {
  switch (status) {
    case 'succeeded':
      return c.green(status);
    case 'failed':
    case 'timed_out':
    case 'missed':
      return c.red(status);
    case 'running':
      return c.cyan(status);
    case 'retrying':
    case 'skipped':
      return c.yellow(status);
    default:
      return levelColour(status);
  }
}

function runJson(run: JobRun) {
  return {
    id: run.id,
    job: run.job,
    scheduledFor: iso(run.scheduledFor),
    status: run.status,
    manual: run.manual,
    catchUp: run.catchUp,
    operator: run.operator,
    attempt: run.attempt,
    maxAttempts: run.maxAttempts,
    startedAt: iso(run.startedAt) || null,
    finishedAt: iso(run.finishedAt) || null,
    durationMs: run.durationMs,
    nextAttemptAt: iso(run.nextAttemptAt) || null,
    host: run.host,
    pid: run.pid,
    node: run.nodeId,
    error: run.error,
    progress: run.progress,
    output: run.output,
  };
}

function summaryOf(run: JobRun): string {
  if (run.error) return run.error;
  const out = run.output as { summary?: unknown } | null;
  return out && typeof out === 'object' && typeof out.summary === 'string' ? out.summary : (run.progress ?? '');
}

export function registerJobs(program: Command): void {
  const jobs = program.command('jobs').description('scheduled jobs: list, run now, pause, resume, history');

  jobs
    .command('list')
    .description('every job: schedule, next run, last run and its status, paused or not')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  studio jobs list\n  studio jobs list --json | jq \'.[] | select(.lastRun.status == "failed")\'')
    .action(
      action(async (opts: { json?: boolean }) => {
        const config = await loadConfig();
        return withApp({ config, logBase: { cmd: 'jobs list' } }, async (app) => {
          const registry = await loadRegistry(app);
          const listing = await (await ops()).listJobs(app, registry);
          const rows = listing.map(({ job, state, lastRun: last, nextRun }) => {
            return {
              name: job.name,
              description: job.definition.description,
              schedule: job.schedule,
              timezone: job.timezone,
              nextRun: iso(nextRun) || null,
              paused: state?.paused ?? false,
              pausedBy: state?.paused ? state.pausedBy : null,
              pausedAt: state?.paused ? iso(state.pausedAt) : null,
              pauseReason: state?.paused ? state.pauseReason : null,
              critical: job.critical,
              retries: job.retries,
              timeoutMs: job.timeoutMs,
              catchUp: job.catchUp,
              perHost: job.perHost,
              lastRun: last ? runJson(last) : null,
            };
          });
          if (opts.json) {
            printJson(rows);
            return;
          }
          println(
            table(
              ['job', 'schedule (tz)', 'next run', 'last run', 'status', 'took', ''],
              rows.map((r) => [
                c.bold(r.name),
                `${r.schedule}${r.timezone === 'UTC' ? '' : ` ${r.timezone}`}`,
                r.paused ? c.yellow('paused') : short(r.nextRun ? new Date(r.nextRun) : null),
                r.lastRun ? short(new Date(r.lastRun.scheduledFor)) : '—',
                r.lastRun ? statusText(r.lastRun.status) : c.dim('never'),
                r.lastRun?.durationMs != null ? took(r.lastRun.durationMs) : '',
                [r.critical ? 'critical' : '', r.perHost ? 'per host' : '', r.paused ? `paused by ${r.pausedBy ?? '?'}` : ''].filter(Boolean).join(', '),
              ]),
            ),
          );
          println(c.dim('\ntimes are UTC; studio jobs history NAME for the runs of one job'));
        });
      }),
    );

  jobs
    .command('run')
    .description('run a job now, once, in this process (recorded like a scheduled run, manual, audited)')
    .argument('<name>', 'the job (see studio jobs list)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Runs even when the job is paused; refused while the job is running elsewhere. No retries. Ctrl-C aborts
it (the run is recorded as failed). Exit 0 when it succeeded, 1 when it failed or timed out.

Examples:
  studio jobs run maintenance.vacuum
  studio jobs run maintenance.archive-ideas --json`,
    )
    .action(
      action(async (name: string, opts: { json?: boolean }) => {
        const config = await loadConfig();
        return withApp({ config, logBase: { cmd: 'jobs run' } }, async (app) => {
          const registry = await loadRegistry(app);
          const job = registry.get(name);
          // Ctrl-C aborts the run (recorded as failed), not the process
          const controller = new AbortController();
          const onSignal = () => controller.abort();
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
          try {
            if (!opts.json) println(c.dim(`running ${job.name} …`));
            const { outcome, run } = await (await ops()).runJobNow(app, config.operator, { name: job.name, registry, signal: controller.signal, via: 'cli' });
            const ok = outcome.status === 'succeeded';
            if (opts.json) {
              printJson(run ? runJson(run) : { status: outcome.status, error: outcome.error ?? null });
            } else {
              const summary = outcome.error ?? ((outcome.output as { summary?: string } | null)?.summary ?? '');
              println(`${ok ? c.green('✓') : c.red('✗')} ${job.name} ${statusText(outcome.status)} in ${took(outcome.durationMs)} (run ${outcome.run.id})${summary ? ` — ${summary}` : ''}`);
            }
            return ok ? 0 : 1;
          } finally {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
          }
        });
      }),
    );

  for (const [verb, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    jobs
      .command(verb)
      .description(paused ? 'pause a job on every scheduler (persisted; audited)' : 'resume a paused job on every scheduler (audited)')
      .argument('<name>', 'the job (see studio jobs list)')
      .option('--reason <text>', 'why (kept in the audit log)')
      .option('--json', 'machine-readable output')
      .addHelpText(
        'after',
        paused
          ? '\nA paused job takes no slots anywhere (studio jobs run NAME still runs it by hand) and raises no dead-man alert.\n\nExamples:\n  studio jobs pause maintenance.reindex --reason "migration window"\n  studio jobs resume maintenance.reindex'
          : '\nSlots from the pause are not caught up; the next slot runs as usual.\n\nExample:\n  studio jobs resume maintenance.reindex',
      )
      .action(
        action(async (name: string, opts: { reason?: string; json?: boolean }) => {
          const config = await loadConfig();
          return withApp({ config, logBase: { cmd: `jobs ${verb}` } }, async (app) => {
            const registry = await loadRegistry(app);
            const result = await (await ops()).setJobPaused(app, config.operator, { registry, name, paused, reason: opts.reason });
            if (opts.json) printJson(result);
            else println(!result.changed ? `${result.job} was already ${paused ? 'paused' : 'running on schedule'}` : `${c.green('✓')} ${result.job} ${paused ? 'paused on every scheduler' : 'resumed'}`);
          });
        }),
      );
  }

  jobs
    .command('history')
    .description('runs, newest first: slot, status, attempt, duration, host, error or summary')
    .argument('[name]', 'only this job')
    .option('--limit <n>', 'how many runs', '20')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  studio jobs history\n  studio jobs history maintenance.vacuum --limit 5\n  studio jobs history --json --limit 100')
    .action(
      action(async (name: string | undefined, opts: { limit: string; json?: boolean }) => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
          const { InvalidInputError } = await import('../core/errors.js');
          throw new InvalidInputError(`jobs: --limit must be a whole number from 1 to 10000 (got "${opts.limit}")`);
        }
        const config = await loadConfig();
        return withApp({ config, logBase: { cmd: 'jobs history' } }, async (app) => {
          const runs = await (await ops()).jobHistory(app, { registry: name ? await loadRegistry(app) : undefined, name, limit });
          if (opts.json) {
            printJson(runs.map(runJson));
            return;
          }
          if (runs.length === 0) {
            println(name ? `${name} has not run yet` : 'no job has run yet');
            return;
          }
          println(
            table(
              ['slot', 'job', 'status', 'try', 'took', 'host', 'how', 'error / summary'],
              runs.map((r) => [
                short(r.scheduledFor),
                r.job,
                statusText(r.status),
                r.maxAttempts > 0 ? `${r.attempt}/${r.maxAttempts}` : '',
                r.durationMs != null ? took(r.durationMs) : '',
                r.host ? `${r.host}:${r.pid ?? ''}` : '',
                r.manual ? `manual (${r.operator ?? '?'})` : r.catchUp ? 'catch-up' : 'schedule',
                cut(summaryOf(r), 80),
              ]),
            ),
          );
        });
      }),
    );
}
