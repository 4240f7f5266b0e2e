/** `studio scheduler`: the headless scheduler (systemd runs it), with /metrics and /healthz. */
import type { Command } from 'commander';
import { InvalidInputError } from '../core/errors.js';
import { action, loadConfig, withApp } from './run.js';

interface SchedulerFlags {
  metricsPort?: string;
  metricsHost?: string;
  metrics?: boolean;
}

export function registerScheduler(program: Command): void {
  program
    .command('scheduler')
    .description('run the scheduler headless: jobs once per slot across hosts, JSON logs, /metrics and /healthz')
    .option('--metrics-port <port>', 'port for /metrics and /healthz (0 = any free port) [SCHEDULER_METRICS_PORT, 9464]')
    .option('--metrics-host <address>', 'address to listen on [SCHEDULER_METRICS_HOST, 127.0.0.1]')
    .option('--no-metrics', 'serve no /metrics or /healthz')
    .addHelpText(
      'after',
      `
Logs JSON lines to STUDIO_LOG_FILE and to stdout. SIGTERM or SIGINT stops it gracefully: no new slots,
running jobs get SCHEDULER_SHUTDOWN_GRACE to finish, the rest are aborted and handed to another
scheduler (retry) or failed. Run as many as you like, on any hosts, against one PostgreSQL: each slot
runs once. In embedded mode (no DATABASE_URL) it owns the embedded database and serves it to the other
studio commands (and psql) on a socket in STUDIO_HOME, unless another process owns it already.

Examples:
  studio scheduler
  studio scheduler --metrics-port 9464 --metrics-host 0.0.0.0
  curl -s localhost:9464/healthz; curl -s localhost:9464/metrics | grep studio_job
  systemctl start agentic-pipeline        (deploy/agentic-pipeline.service)`,
    )
    .action(
      action(async (flags: SchedulerFlags) => {
        const config = await loadConfig();
        const port = flags.metricsPort === undefined ? config.scheduler.metricsPort : Number(flags.metricsPort);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidInputError(`scheduler: --metrics-port must be a port number (got "${flags.metricsPort}")`);
        return withApp({ config, logToStdout: true, followLogRotation: true, logBase: { cmd: 'scheduler' } }, async (app) => {
          const { jobWiring, schedulerSettings } = await import('../app/app-jobs.js');
          const { createScheduler } = await import('../jobs/scheduler.js');
          const { startMetricsServer, schedulerStateSource } = await import('../jobs/metrics-server.js');
          const { systemClock } = await import('../core/clock.js');
          const wiring = await jobWiring(app);
          const scheduler = createScheduler({ db: app.db, logger: app.logger, jobs: wiring.jobs, settings: schedulerSettings(app) });

          let signalled: string | undefined;
          let wake: () => void = () => undefined;
          const stopped = new Promise<void>((resolve) => (wake = resolve));
          const onSignal = (signal: NodeJS.Signals) => {
            if (signalled) {
              app.logger.error({ signal }, 'scheduler: second signal, exiting now; running jobs are reaped by another scheduler when this heartbeat lapses');
              process.exit(1);
            }
            signalled = signal;
            app.logger.info({ signal }, `scheduler: ${signal} received, stopping`);
            wake();
          };
          process.on('SIGTERM', onSignal);
          process.on('SIGINT', onSignal);

          // /metrics first: a busy port ends start-up before this node registers, with one line naming the way out
          const metrics =
            flags.metrics === false
              ? undefined
              : await startMetricsServer({
                  port,
                  host: flags.metricsHost ?? config.scheduler.metricsHost,
                  scheduler,
                  sources: [schedulerStateSource({ db: app.db, scheduler, clock: systemClock, nodeTimeoutMs: config.scheduler.nodeTimeoutMs }), ...wiring.metricSources],
                  logger: app.logger,
                  embeddedOwner: app.db.embeddedOwner ? () => app.db.embeddedOwner?.() : undefined,
                }).catch((error: unknown) => {
                  process.off('SIGTERM', onSignal);
                  process.off('SIGINT', onSignal);
                  throw error;
                });
          try {
            await scheduler.start();
            app.logger.info(
              { node: scheduler.node.id, mode: app.db.mode, database: app.db.location, metrics: metrics?.url, jobs: scheduler.registry.jobs.length },
              `scheduler ready${metrics ? `; metrics on ${metrics.url}/metrics` : ''}`,
            );
            await stopped;
          } finally {
            // whatever ended the run, stop before the database closes: the node row is marked stopped and
            // no timer touches the pool after it ends
            const report = await scheduler.stop();
            await metrics?.close();
            process.off('SIGTERM', onSignal);
            process.off('SIGINT', onSignal);
            if (signalled) app.logger.info({ ...report, signal: signalled }, 'scheduler: stopped cleanly');
          }
          return 0;
        });
      }),
    );
}
