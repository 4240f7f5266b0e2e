/**
 * `studio health [--json] [--record]`: every service's state and the KPIs in one call, probes in parallel
 * with timeouts. Exit 0 HEALTHY, 1 WARNING, 2 CRITICAL or EMERGENCY — for cron and monitoring systems
 * (scripts/health_check.sh). With the database down it says so in one line and exits 2.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import type { Config } from '../core/config.js';
import { formatDuration, parseDuration } from '../core/clock.js';
import { InvalidInputError, toError } from '../core/errors.js';
import { exitCodeForLevel, type HealthReport, type ServiceState } from '../core/health.js';
import { redactText } from '../core/redact.js';
import { toHealthJson } from '../ops/health/report-json.js';
import { action, loadConfig } from './run.js';
import { c, levelColour, printJson, println, table } from './output.js';

interface HealthOptions {
  json?: boolean;
  record?: boolean;
  timeout?: string;
}

export function registerHealth(program: Command): void {
  program
    .command('health')
    .description('the state of every service (database, host, providers, scheduler, budget) and the KPIs')
    .option('--json', 'machine-readable output')
    .option('--record', 'also record KPI samples and service states, raise/resolve incidents and send notifications (what the 5-minute job does)')
    .option('--timeout <duration>', 'per-probe timeout (default HEALTH_PROBE_TIMEOUT, 5s)')
    .addHelpText(
      'after',
      `
Exit codes: 0 HEALTHY, 1 WARNING, 2 CRITICAL or EMERGENCY (also when the database cannot be reached).
Probes run in parallel; one that does not answer within the timeout is CRITICAL ("timed out after N ms").

Examples:
  studio health
  studio health --json | jq '.services[] | select(.level != "HEALTHY")'
  */5 * * * * studio health --record >> logs/health_check.log 2>&1     (cron, without a scheduler)
  scripts/health_check.sh`,
    )
    .action(
      action(async (opts: HealthOptions) => {
        const config = await loadConfig();
        let probeTimeoutMs = config.health.probeTimeoutMs;
        if (opts.timeout) {
          try {
            probeTimeoutMs = parseDuration(opts.timeout);
          } catch {
            throw new InvalidInputError(`health: --timeout "${opts.timeout}" is not a duration (like 500ms, 5s)`);
          }
        }
        const { createApp } = await import('../app/app.js');
        let app: Awaited<ReturnType<typeof createApp>>;
        try {
          app = await createApp({ config, logBase: { cmd: 'health' }, createDatabase: false });
        } catch (error) {
          // no database at STUDIO_HOME: one line and exit 2, not a report about a database nobody started
          if ((error as Error).name === 'NoDatabaseError') throw error;
          return await databaseDown(config, error, opts);
        }
        try {
          const { extraHealthProbes } = await import('../app/app-jobs.js');
          const extra = await extraHealthProbes(app);
          let report: HealthReport;
          if (opts.record) {
            const { runHealthCheck } = await import('../ops/health/check.js');
            const { createNotifiers } = await import('../providers/notify/index.js');
            const notifiers = createNotifiers(config);
            try {
              report = (await runHealthCheck({ db: app.db, config, logger: app.logger, probes: extra, notifiers, probeTimeoutMs })).report;
            } finally {
              await Promise.all(notifiers.map((n) => n.close?.()));
            }
          } else {
            const { runProbes } = await import('../ops/health/run-probes.js');
            const { buildHealthProbes } = await import('../ops/health/probes.js');
            report = await runProbes(buildHealthProbes({ config, db: app.db, extra }), { timeoutMs: probeTimeoutMs });
          }
          const { kpiHistory } = await import('../app/operations/health.js');
          const history = await kpiHistory(app).catch(() => null);
          if (opts.json) printJson(toHealthJson({ report, kpis: history, source: { kind: 'live', pid: process.pid } }));
          else printReport(report, history ?? {});
          return exitCodeForLevel(report.level);
        } finally {
          await app.close();
        }
      }),
    );
}

/** The database could not be opened: one line (or a JSON report), exit 2 — unless another studio process holds the embedded database. */
async function databaseDown(config: Config, error: unknown, opts: HealthOptions): Promise<number> {
  const message = redactText(toError(error).message.replace(/^storage: /, '').split('\n')[0] ?? '');
  const held = /is in use by pid (\d+)/.exec(message);
  if (held) {
    // Embedded mode with the console or scheduler running: that process checks every 5 minutes and writes its last report.
    const { lastReportPath } = await import('../ops/health/check.js');
    const last = readLastReport(lastReportPath(config));
    if (last && Date.now() - new Date(last.checkedAt).getTime() < 15 * 60_000) {
      if (opts.json) {
        const ageMs = Date.now() - new Date(last.checkedAt).getTime();
        printJson(toHealthJson({ report: last, kpis: null, source: { kind: 'last_check', pid: Number(held[1]), ageMs, note: `last check by pid ${held[1]}` } }));
      }
      else {
        println(c.dim(`the embedded database is held by pid ${held[1]}; its last check, ${formatDuration(Date.now() - new Date(last.checkedAt).getTime())} ago:`));
        printReport(last, {});
      }
      return exitCodeForLevel(last.level);
    }
    const state: ServiceState = { name: 'database', level: 'WARNING', reason: `not checked: ${message}; no recent check recorded by that process` };
    if (opts.json) printJson(toHealthJson({ report: { level: 'WARNING', checkedAt: new Date(), durationMs: 0, services: [state] }, kpis: null, source: { kind: 'none', pid: Number(held[1]), note: 'the embedded database is held by another process' } }));
    else println(`${levelColour('WARNING')} database: ${state.reason}`);
    return 1;
  }
  if (opts.json) {
    const services: ServiceState[] = [{ name: 'database', level: 'CRITICAL', reason: `unreachable: ${message}`, details: { down: true } }];
    printJson(toHealthJson({ report: { level: 'CRITICAL', checkedAt: new Date(), durationMs: 0, services }, kpis: null, source: { kind: 'none', note: 'the database could not be opened' } }));
  } else {
    println(`${levelColour('CRITICAL')} database unreachable: ${message}`);
  }
  return 2;
}

function readLastReport(file: string): HealthReport | null {
  try {
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as HealthReport) : null;
  } catch {
    return null;
  }
}

const SPARK = '▁▂▃▄▅▆▇█';

function sparkline(values: number[]): string {
  if (values.length < 2) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  return values.map((v) => SPARK[max === min ? 0 : Math.round(((v - min) / (max - min)) * (SPARK.length - 1))]).join('');
}

function printReport(report: HealthReport, history: Record<string, Array<{ value: number }>>): void {
  println(`${c.bold('studio health')}  ${levelColour(report.level)}  ${c.dim(`checked ${new Date(report.checkedAt).toISOString()} in ${report.durationMs} ms`)}`);
  println('');
  println(
    table(
      ['service', 'state', 'latency', 'reason'],
      report.services.map((s) => [s.name, levelColour(s.level), s.latencyMs === undefined ? '' : `${s.latencyMs} ms`, s.offline ? c.dim(s.reason) : s.reason]),
    ).replace(/^/gm, '  '),
  );
  const db = report.services.find((s) => s.name === 'database')?.details;
  const host = report.services.find((s) => s.name === 'host')?.details;
  const rows: string[][] = [];
  const kpi = (label: string, value: string, target: string, key: string) => rows.push([label, value, c.dim(target), sparkline((history[key] ?? []).map((p) => p.value))]);
  if (typeof db?.queryMs === 'number') kpi('database query time', `${db.queryMs} ms`, 'target < 100 ms, warn > 500, crit > 1000', 'db_query_ms');
  if (typeof host?.memoryPct === 'number') kpi('memory usage', `${host.memoryPct}%`, 'target < 70%, warn > 80, crit > 90', 'memory_pct');
  if (typeof host?.diskPct === 'number') kpi('disk usage', `${host.diskPct}%`, 'target < 70%, warn > 80, crit > 90', 'disk_pct');
  const completion = history.pipeline_completion_hours?.at(-1);
  if (completion) kpi('pipeline completion', `${completion.value.toFixed(1)} h`, 'target < 4 h, crit > 6 h', 'pipeline_completion_hours');
  for (const s of report.services) {
    if (s.offline || s.latencyMs === undefined || ['database', 'host', 'budget', 'scheduler'].includes(s.name)) continue;
    kpi(`${s.name} response time`, `${s.latencyMs} ms`, 'target < 2 s, warn > 5, crit > 10', `api_response_ms:${s.name}`);
  }
  if (rows.length > 0) {
    println('');
    println(table(['KPI', 'now', 'thresholds', 'trend (24 h)'], rows).replace(/^/gm, '  '));
  }
  const notes = (db?.notes as string[] | undefined) ?? [];
  for (const note of notes) println(c.dim(`  note: ${note}`));
}
