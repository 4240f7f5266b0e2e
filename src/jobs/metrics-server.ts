/**
 * `/metrics` (Prometheus text) and `/healthz` for the headless scheduler, on node:http. `/healthz` is
 * 200 while this node's heartbeat is fresh, else 503; both say why in the body.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { collectMetrics, METRICS_CONTENT_TYPE, renderMetrics, type MetricFamily, type MetricSource } from '../core/metrics.js';
import type { Database, EmbeddedOwner } from '../core/ports.js';
import { latestRuns } from '../storage/job-runs.js';
import { jobStates } from '../storage/job-state.js';
import { liveNodes } from '../storage/scheduler-nodes.js';
import type { Scheduler } from './scheduler.js';

const STATUSES = ['running', 'succeeded', 'failed', 'timed_out', 'retrying', 'skipped', 'missed'];

/** What the database says about the jobs this scheduler knows (shared by all nodes): last run, paused, live nodes. */
export function schedulerStateSource(options: { db: Database; scheduler: Scheduler; clock: Clock; nodeTimeoutMs: number }): MetricSource {
  return {
    name: 'scheduler',
    async collect(): Promise<MetricFamily[]> {
      const jobs = options.scheduler.registry.jobs;
      const [runs, states, nodes] = await Promise.all([
        latestRuns(options.db, jobs.map((j) => j.key)),
        jobStates(options.db, jobs.map((j) => j.name)),
        liveNodes(options.db, new Date(options.clock.now() - options.nodeTimeoutMs)),
      ]);
      const last: MetricFamily = { name: 'studio_job_last_run_timestamp_seconds', help: 'Slot time of the latest run of each job', type: 'gauge', samples: [] };
      const status: MetricFamily = { name: 'studio_job_last_status', help: 'Status of the latest run of each job (1 for its status)', type: 'gauge', samples: [] };
      const paused: MetricFamily = { name: 'studio_job_paused', help: 'Whether the job is paused (1) or not (0)', type: 'gauge', samples: [] };
      for (const job of jobs) {
        const run = runs.get(job.key);
        if (run) {
          last.samples.push({ labels: { job: job.name }, value: run.scheduledFor.getTime() / 1000 });
          for (const s of STATUSES) status.samples.push({ labels: { job: job.name, status: s }, value: run.status === s ? 1 : 0 });
        }
        paused.samples.push({ labels: { job: job.name }, value: states.get(job.name)?.paused ? 1 : 0 });
      }
      const health = options.scheduler.health();
      return [
        last,
        status,
        paused,
        { name: 'studio_scheduler_nodes_live', help: 'Scheduler processes with a fresh heartbeat, across all hosts', type: 'gauge', samples: [{ value: nodes.length }] },
        {
          name: 'studio_scheduler_heartbeat_age_seconds',
          help: 'Seconds since this node last wrote its heartbeat',
          type: 'gauge',
          samples: [{ value: (health.heartbeatAgeMs ?? Number.POSITIVE_INFINITY) / 1000 }],
        },
        { name: 'studio_scheduler_running_jobs', help: 'Jobs running in this process now', type: 'gauge', samples: [{ value: health.running }] },
      ];
    },
  };
}

export interface MetricsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(options: {
  port: number;
  host: string;
  scheduler: Scheduler;
  sources: MetricSource[];
  logger: Logger;
  /** Embedded mode: the database's owner, reported in /healthz as `database_owner`. */
  embeddedOwner?: () => EmbeddedOwner | undefined;
}): Promise<MetricsServer> {
  const sources = options.sources;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      const health = options.scheduler.health();
      res.writeHead(health.healthy ? 200 : 503, { 'content-type': 'application/json' });
      const owner = options.embeddedOwner?.();
      res.end(JSON.stringify({ ...health, status: health.healthy ? 'ok' : health.stopping ? 'stopping' : 'heartbeat stale', ...(owner ? { database_owner: owner } : {}) }));
      return;
    }
    if (path === '/metrics') {
      collectMetrics(sources)
        .then((families) => renderMetrics(families, [options.scheduler.metrics.registry]))
        .then((text) => {
          res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
          res.end(text);
        })
        .catch((error) => {
          options.logger.error({ err: error }, 'jobs: /metrics failed');
          res.writeHead(500).end();
        });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('studio scheduler: try /metrics or /healthz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      // the operator's to fix, in one line that names the way out
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') {
        const why = error.code === 'EADDRINUSE' ? 'is in use' : error.code === 'EACCES' ? 'is not allowed' : 'is not an address of this host';
        reject(
          new ConfigError(
            `scheduler: cannot serve /metrics on ${options.host}:${options.port} (${why}); choose another port with --metrics-port (SCHEDULER_METRICS_PORT), or run without it with --no-metrics`,
            { cause: error },
          ),
        );
      } else reject(error);
    });
    server.listen(options.port, options.host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
