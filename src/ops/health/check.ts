/**
 * One full health check, as the 5-minute job runs it: probe every service in parallel (with timeouts),
 * record KPI samples (pruning those older than 7 days), record each service's state and turn states
 * and pending `ops_events` into incidents, escalate unacknowledged P1/P2 incidents, then deliver the
 * notifications that queued.
 */
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import type { Config } from '../../core/config.js';
import type { HealthReport, ServiceProbe } from '../../core/health.js';
import type { Logger } from '../../core/logger.js';
import type { Notifier } from '../../core/notify.js';
import type { Database } from '../../core/ports.js';
import { insertKpiSamples, pruneKpiSamples, upsertServiceState } from '../../storage/health-store.js';
import { deliverNotifications, type DeliverOptions, type DeliverResult } from '../incidents/deliver.js';
import { escalateUnacknowledged, type Escalation } from '../incidents/escalation.js';
import { observe, processOpsEvents } from '../incidents/incidents.js';
import { pageDatabaseBack, pageDatabaseDown } from '../incidents/outage.js';
import { kpisFromReport, pipelineKpis } from './kpis.js';
import { buildHealthProbes } from './probes.js';
import { runProbes } from './run-probes.js';

/** KPI samples are kept this long. */
export const KPI_RETENTION_MS = 7 * 86_400_000;

export interface HealthCheckDeps {
  db: Database;
  config: Config;
  logger?: Logger;
  clock?: Clock;
  /** Extra probes (real providers, budget, scheduler); a function is called on every check. */
  probes?: ServiceProbe[] | (() => ServiceProbe[]);
  /** Configured notifiers (createNotifiers(config)); none = incidents are recorded, nobody is told. */
  notifiers?: Notifier[];
  /** Per-probe timeout, ms. @default config.health.probeTimeoutMs (HEALTH_PROBE_TIMEOUT, 5 s) */
  probeTimeoutMs?: number;
  delivery?: DeliverOptions;
  /**
   * Which services' states raise incidents. The budget is left out by default: the budget sentinel emits
   * its own `budget.level` events (one per crossing per cycle), which are its incidents.
   * @default (name) => name !== 'budget'
   */
  stateIncidents?: (service: string) => boolean;
}

export interface HealthCheckResult {
  report: HealthReport;
  kpis: number;
  /** Services whose level differs from the previous check. */
  changed: Array<{ name: string; from: string | null; to: string }>;
  events: number;
  /** Unacknowledged P1/P2 incidents notified again by this check. */
  escalations: Escalation[];
  notifications: DeliverResult;
}

export async function runHealthCheck(deps: HealthCheckDeps, signal?: AbortSignal): Promise<HealthCheckResult> {
  const clock = deps.clock ?? systemClock;
  const extra = typeof deps.probes === 'function' ? deps.probes() : (deps.probes ?? []);
  const report = await runProbes(buildHealthProbes({ config: deps.config, db: deps.db, clock, extra }), { timeoutMs: deps.probeTimeoutMs ?? deps.config.health.probeTimeoutMs, clock, signal });
  const database = report.services.find((s) => s.name === 'database');
  if (database?.details?.down) {
    // nothing can be recorded: page directly (at most hourly) and stop here
    const sent = await pageDatabaseDown(deps.db.location, database.reason, deps.notifiers ?? [], clock, deps.logger);
    deps.logger?.fatal({ service: 'database' }, `health: ${database.reason}`);
    writeLastReport(deps.config, report);
    return { report, kpis: 0, changed: [], events: 0, escalations: [], notifications: { sent, failed: 0, rateLimited: 0, skipped: 0 } };
  }
  await pageDatabaseBack(deps.db.location, deps.notifiers ?? [], deps.logger);
  const samples = [...kpisFromReport(report), ...(await pipelineKpis(deps.db, clock))];
  const channels = (deps.notifiers ?? []).map((n) => n.channel);
  const at = clock.date();
  const changed: HealthCheckResult['changed'] = [];
  await deps.db.withTransaction(async (tx) => {
    await insertKpiSamples(tx, samples, at);
    await pruneKpiSamples(tx, new Date(at.getTime() - KPI_RETENTION_MS));
    for (const service of report.services) {
      const previous = await upsertServiceState(tx, service, at);
      if (previous !== service.level) changed.push({ name: service.name, from: previous, to: service.level });
      if (!(deps.stateIncidents ?? ((name: string) => name !== 'budget'))(service.name)) continue;
      await observe(
        tx,
        { source: `service:${service.name}`, kind: 'service.state', dedupKey: `service.state:${service.name}`, level: service.level, message: service.reason, details: service.details?.down ? { down: true } : undefined },
        { clock, channels, actor: 'health' },
      );
    }
  });
  for (const change of changed) {
    if (change.from === null && change.to === 'HEALTHY') continue; // first sight of a healthy service is not news
    deps.logger?.[change.to === 'HEALTHY' ? 'info' : 'warn']({ service: change.name, from: change.from, to: change.to }, `health: ${change.name} is ${change.to}`);
  }
  const events = await processOpsEvents(deps.db, { clock, channels });
  const escalations = await escalateUnacknowledged(deps.db, { clock, channels, afterMs: deps.config.notify.escalateMs });
  for (const e of escalations) deps.logger?.warn({ incident: e.incidentId, severity: e.severity, round: e.round }, `incidents: #${e.incidentId} (${e.severity}) not acknowledged; escalation ${e.round}`);
  const notifications = await deliverNotifications(deps.db, deps.notifiers ?? [], { clock, logger: deps.logger, signal, maxPerHour: deps.config.notify.maxPerHour, ...deps.delivery });
  writeLastReport(deps.config, report);
  return { report, kpis: samples.length, changed, events: events.events, escalations, notifications };
}

/** Where the last report is written (read by `studio health` when another process holds the embedded database). */
export function lastReportPath(config: Config): string {
  return join(dirname(config.paths.data), 'health-last.json');
}

function writeLastReport(config: Config, report: HealthReport): void {
  try {
    const file = lastReportPath(config);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(report));
    renameSync(`${file}.tmp`, file);
  } catch {
    // a convenience for the CLI; the database holds the record
  }
}
