/** `studio pipeline run | status`: run the orchestrator's workers, and the pipeline at a glance. */
import type { Command } from 'commander';
import { InvalidInputError } from '../core/errors.js';
import { formatDuration } from '../core/clock.js';
import { action, withApp } from './run.js';
import { c, cut, printJson, println, table } from './output.js';
import { padToWidth } from '../core/text-width.js';

export function registerPipeline(program: Command): void {
  const pipeline = program.command('pipeline').description('run the pipeline workers; counts per stage, stuck ideas, throughput');

  pipeline
    .command('run')
    .description('claim due ideas and run their stages (stop with Ctrl-C; --until-idle stops when nothing is left to do)')
    .option('--until-idle', 'stop when every idea is finished, parked, waiting on budget, or waiting on a service whose circuit breaker is open')
    .option('--workers <n>', 'concurrent workers in this process (default PIPELINE_WORKERS)')
    .option('--json', 'print a JSON summary at the end instead of progress lines')
    .addHelpText('after', `
Any number of "pipeline run" processes (on any hosts, against one PostgreSQL) share the work safely.
A worker killed at any point loses nothing: its lease lapses (STAGE_LEASE) and another worker resumes
the stage run with the same idempotency key, so no charge is paid twice.
A database outage does not stop a run: workers retry with backoff (one WARNING when it starts, one INFO
when it ends). With --until-idle, ideas held back only by a service's open circuit breaker count as idle:
the run exits 0 and says which stage's ideas wait on which service until when (--json: waiting_on_services).

Examples:
  studio pipeline run --until-idle
  studio pipeline run --workers 4          (runs until Ctrl-C)`)
    .action(
      action(async (opts: { untilIdle?: boolean; workers?: string; json?: boolean }) => {
        const workers = opts.workers === undefined ? undefined : Number(opts.workers);
        if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 64)) throw new InvalidInputError('pipeline run: --workers must be a whole number from 1 to 64');
        return withApp({ logBase: { cmd: 'pipeline run' } }, async (app) => {
          const { createOrchestrator } = await import('../pipeline/orchestrator.js');
          const orchestrator = createOrchestrator({ db: app.db, budget: app.budget, providers: app.providers, config: app.config, clock: app.clock, logger: app.logger });
          const controller = new AbortController();
          const stop = () => controller.abort();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          const { seedSampleCorpus } = await import('../pipeline/evidence/ingest.js');
          const seeded = await seedSampleCorpus({ db: app.db, embedder: app.providers.embedder, budget: app.budget, logger: app.logger });
          if (seeded && !opts.json) println(c.dim(`evidence corpus was empty: ingested the ${seeded} sample documents of examples/corpus (studio evidence ingest adds your own)`));
          const offline = app.providers.text.info.offline;
          if (!opts.json) println(c.dim(`pipeline: ${workers ?? app.config.pipeline.workers} workers on ${app.db.mode} database${offline ? ', offline providers' : ''}${opts.untilIdle ? ', until idle' : ' (Ctrl-C to stop)'}`));
          const colour = (outcome: string) => (outcome === 'passed' ? c.green : outcome === 'retry' || outcome.startsWith('waiting') ? c.yellow : outcome === 'lost_lease' ? c.dim : c.red)(outcome);
          try {
            const summary = await orchestrator.run({
              workers,
              untilIdle: opts.untilIdle,
              signal: controller.signal,
              onStep: opts.json
                ? undefined
                : (r) => println(`${r.stage.padEnd(10)} ${colour(r.outcome.padEnd(14))} ${padToWidth(cut(r.title, 50), 50)} ${c.dim(`${r.ideaId.slice(0, 8)} ${Math.round(r.ms)} ms`)}${r.outcome !== 'passed' ? `\n${' '.repeat(26)}${c.dim(cut(r.detail, 150))}` : ''}`),
            });
            if (opts.json) {
              printJson({
                steps: summary.steps, outcomes: summary.byOutcome, ms: Math.round(summary.ms), stopped_because: summary.stoppedBecause, database_outages: summary.outages,
                waiting_on_services: summary.waitingOnServices.map((w) => ({ service: w.service, stage: w.stage, until: w.until.toISOString(), reason: 'circuit breaker open', ideas: w.ideas })),
              });
            } else {
              println(`\n${summary.steps} stage runs in ${formatDuration(summary.ms)} (${Object.entries(summary.byOutcome).map(([k, v]) => `${k} ${v}`).join(', ') || 'nothing due'}); stopped: ${summary.stoppedBecause}${summary.outages ? `; rode out ${summary.outages} database outage${summary.outages === 1 ? '' : 's'}` : ''}`);
              const { describeServiceWait } = await import('../pipeline/orchestrator.js');
              for (const wait of summary.waitingOnServices) {
                println(c.yellow(`waiting: ${describeServiceWait(wait)}`));
                for (const idea of wait.ideas.slice(0, 5)) println(c.dim(`  ${idea.id.slice(0, 8)} ${cut(idea.title, 60)}`));
                if (wait.ideas.length > 5) println(c.dim(`  ... and ${wait.ideas.length - 5} more`));
              }
            }
          } finally {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
          }
        });
      }),
    );

  pipeline
    .command('status')
    .description('ideas per stage and status, processing / waiting on budget / parked, stuck ideas, throughput')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  studio pipeline status\n  studio pipeline status --json | jq .stuck')
    .action(
      action(async (opts: { json?: boolean }) =>
        withApp({ logBase: { cmd: 'pipeline status' } }, async (app) => {
          const { pipelineStatus } = await import('../pipeline/status.js');
          const s = await pipelineStatus(app.db, app.config, app.clock.date());
          if (opts.json) {
            printJson({
              at: s.at.toISOString(),
              total: s.total,
              stages: Object.fromEntries(s.stages.map((x) => [x.stage, x.count])),
              statuses: Object.fromEntries(s.statuses.map((x) => [x.status, x.count])),
              processing: s.processing,
              running: s.running,
              waiting_on_budget: s.waitingOnBudget,
              parked: s.parked,
              completed_last_24h: s.completedLast24h,
              last_hour: s.lastHour,
              stuck: s.stuck.map((x) => ({ id: x.id, title: x.title, stage: x.stage, status: x.status, held_for_ms: x.heldForMs, lease_lapses: x.leaseLapses, reason: x.reason })),
            });
            return;
          }
          const { STAGES } = await import('../core/types.js');
          println(c.bold('=== PIPELINE STAGE DISTRIBUTION ==='));
          println(table(['stage', 'ideas'], STAGES.map((st) => [st, String(s.stages.find((x) => x.stage === st)?.count ?? 0)]), { align: ['left', 'right'] }));
          println('');
          println(`statuses: ${s.statuses.map((x) => `${x.status} ${x.count}`).join(', ') || 'none'}`);
          println(`processing ${s.processing} (running now ${s.running}), waiting on budget ${s.waitingOnBudget}, parked ${s.parked}, completed in 24 h ${s.completedLast24h}`);
          println(`last hour: ${s.lastHour.runs} stage runs, ${s.lastHour.passed} passed, ${s.lastHour.failed} failed`);
          println('');
          if (s.stuck.length === 0) println(c.green('no stuck ideas'));
          else {
            println(c.yellow(`${s.stuck.length} stuck ideas (studio reset-idea --id=<id> --stage=<stage>)`));
            println(table(['id', 'title', 'stage', 'held', 'why'], s.stuck.map((x) => [x.id.slice(0, 8), cut(x.title, 40), x.stage, formatDuration(x.heldForMs), x.reason])));
          }
        }),
      ),
    );
}
