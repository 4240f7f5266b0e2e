/**
 * The monthly performance report (the manual's `generate_performance_report.py --days=30`): pipeline
 * throughput and completion times, stage durations, gate pass rates, spend by category and per idea,
 * provider latencies and errors, KPIs and incidents. Markdown, or HTML with inline SVG charts.
 *
 * The monthly job calls `writePerformanceReport(db, config, { days: 30 })`.
 */
import { outputPath, writeFileWhole } from '../../core/output-file.js';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import type { Config } from '../../core/config.js';
import { formatDollars } from '../../core/money.js';
import type { Queryable } from '../../core/ports.js';
import { summariseKpis, type KpiSummary } from '../../storage/health-store.js';
import { incidentStats, listIncidents, type Incident, type IncidentStats } from '../../storage/incidents.js';
import {
  readCompletionTimes,
  readProviderStats,
  readSpend,
  readStageRunOutcomes,
  readStageStats,
  readThroughput,
  type DurationStats,
  type ProviderStats,
  type SpendFacts,
  type StageStats,
  type Throughput,
  type StageRunOutcomes,
} from '../../storage/report-queries.js';
import { barChart, escapeHtml } from './svg.js';

export interface PerformanceReport {
  generatedAt: Date;
  since: Date;
  days: number;
  throughput: Throughput;
  completion: DurationStats;
  stages: StageStats[];
  /** Stage runs and how they ended (passed, failed, retried, parked, rejected): the gate pass rates. */
  runs: StageRunOutcomes[];
  spend: SpendFacts;
  providers: ProviderStats[];
  kpis: KpiSummary[];
  incidents: { bySeverity: IncidentStats[]; top: Incident[] };
}

export async function buildPerformanceReport(db: Queryable, options: { days: number; clock?: Clock }): Promise<PerformanceReport> {
  const now = (options.clock ?? systemClock).date();
  const since = new Date(now.getTime() - options.days * 86_400_000);
  const [throughput, completion, stages, runs, spend, providers, kpis, bySeverity, recent] = [
    await readThroughput(db, since),
    await readCompletionTimes(db, since),
    await readStageStats(db, since),
    await readStageRunOutcomes(db, since),
    await readSpend(db, since),
    await readProviderStats(db, since),
    await summariseKpis(db, since),
    await incidentStats(db, since),
    await listIncidents(db, { since, limit: 10 }),
  ] as const;
  return { generatedAt: now, since, days: options.days, throughput, completion, stages, runs, spend, providers, kpis, incidents: { bySeverity, top: recent } };
}

/** A duration given in hours, in the unit that reads best: seconds, minutes, hours or days. */
export function formatHours(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  const seconds = v * 3600;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${(seconds / 60).toFixed(1)} min`;
  if (v < 48) return `${v.toFixed(1)} h`;
  return `${(v / 24).toFixed(1)} d`;
}
/** A byte count in B, KiB, MiB or GiB. */
export function formatBytes(v: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = v;
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(n)} B` : `${n.toFixed(1)} ${units[i]}`;
}
/** A KPI value with its unit, from the KPI's name (`_bytes`, `_ms`, `_pct`, `_hours`). */
function kpiValue(kpi: string, v: number): string {
  if (kpi.endsWith('_bytes')) return formatBytes(v);
  if (kpi.endsWith('_ms') || kpi.includes('_ms:')) return `${v.toFixed(1)} ms`;
  if (kpi.endsWith('_pct')) return `${v.toFixed(1)}%`;
  if (kpi.endsWith('_hours')) return formatHours(v);
  return v.toFixed(1);
}
const h = (v: number | null) => formatHours(v);
const runRow = (s: StageRunOutcomes): string[] => [s.stage, String(s.runs), String(s.passed), String(s.failed), String(s.retried), String(s.parked), String(s.rejected), String(s.open), pct(s.passRate)];
const cycleRow = (c: SpendFacts['byCycle'][number]): string[] => [
  c.cycleId + (c.endedAt ? '' : ' (current)'),
  c.startedAt.toISOString().slice(0, 10),
  formatDollars(c.cents),
  formatDollars(c.capCents),
  c.capCents > 0 ? `${((c.cents / c.capCents) * 100).toFixed(1)}%` : '–',
];
const pct = (v: number | null) => (v === null ? '–' : `${Math.round(v * 100)}%`);
const ms = (v: number) => `${Math.round(v)} ms`;

export function renderMarkdown(r: PerformanceReport): string {
  const lines: string[] = [];
  const tableMd = (headers: string[], rows: string[][]) => {
    lines.push(`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`), '');
  };
  lines.push(`# studio performance report — last ${r.days} days`, '', `${r.since.toISOString()} to ${r.generatedAt.toISOString()}`, '');
  lines.push('## Pipeline throughput', '');
  lines.push(`- ideas created: ${r.throughput.created}`, `- completed: ${r.throughput.completed}`, `- rejected: ${r.throughput.rejected}`, '');
  lines.push('## Completion time (created → COMPLETE)', '');
  tableMd(['completed', 'mean', 'median', 'p95', 'max', 'target'], [[String(r.completion.count), h(r.completion.meanHours), h(r.completion.p50Hours), h(r.completion.p95Hours), h(r.completion.maxHours), '< 4 h (critical > 6 h)']]);
  lines.push('## Stages: gate runs and outcomes', '');
  if (r.runs.length === 0) lines.push('No stage runs in the period.', '');
  else tableMd(['stage', 'runs', 'passed', 'failed', 'retried', 'parked', 'rejected', 'open', 'gate pass rate'], r.runs.map(runRow));
  lines.push('## Stages: time spent', '');
  if (r.stages.length === 0) lines.push('No stage moves in the period.', '');
  else tableMd(['stage', 'moves', 'mean', 'p95', 'moved on', 'sent back'], r.stages.map((s) => [s.stage, String(s.count), h(s.meanHours), h(s.p95Hours), String(s.forward), String(s.back)]));
  lines.push('## Spend', '');
  if (!r.spend.ledger) lines.push('No ledger yet (the budget module has not created spend_ledger).', '');
  else if (r.spend.byCategory.length === 0) lines.push('No spend recorded in the period.', '');
  else {
    const total = r.spend.byCategory.reduce((a, c) => a + c.cents, 0);
    tableMd(['budget cycle', 'started', 'spent', 'cap', 'of cap'], r.spend.byCycle.map(cycleRow));
    tableMd(['category', 'spent (all cycles in the period)', 'entries'], [...r.spend.byCategory.map((c) => [c.category, formatDollars(c.cents), String(c.entries)]), ['**total**', `**${formatDollars(total)}**`, '']]);
    if (r.spend.byIdea.length > 0) tableMd(['idea', 'spent'], r.spend.byIdea.map((i) => [`${i.title ?? '(archived)'} (${i.ideaId.slice(0, 8)})`, formatDollars(i.cents)]));
  }
  lines.push('## Providers: response time and errors', '');
  if (r.providers.length === 0) lines.push('No provider samples (offline providers are not timed).', '');
  else tableMd(['provider', 'checks', 'mean', 'p95', 'errors'], r.providers.map((p) => [p.provider, String(p.samples), ms(p.meanMs), ms(p.p95Ms), String(p.errors)]));
  lines.push('## KPIs', '');
  if (r.kpis.length === 0) lines.push('No KPI samples in the period (the health job records them every 5 minutes).', '');
  else tableMd(['KPI', 'samples', 'mean', 'p95', 'max', 'not healthy', 'worst'], r.kpis.map((k) => [k.kpi, String(k.samples), kpiValue(k.kpi, k.mean), kpiValue(k.kpi, k.p95), kpiValue(k.kpi, k.max), String(k.notHealthy), k.worst]));
  lines.push('## Incidents', '');
  if (r.incidents.bySeverity.length === 0) lines.push('No incidents in the period.', '');
  else {
    tableMd(['severity', 'opened', 'resolved', 'mean time to resolve'], r.incidents.bySeverity.map((s) => [s.severity, String(s.opened), String(s.resolved), s.meanMinutesToResolve === null ? '–' : `${Math.round(s.meanMinutesToResolve)} min`]));
    tableMd(['id', 'sev', 'status', 'count', 'title'], r.incidents.top.map((i) => [String(i.id), i.severity, i.status, String(i.count), i.title.replace(/\|/g, '\\|')]));
  }
  return lines.join('\n');
}

export function renderHtml(r: PerformanceReport): string {
  const section = (title: string, body: string) => `<section><h2>${escapeHtml(title)}</h2>${body}</section>`;
  const tableHtml = (headers: string[], rows: string[][]) =>
    `<table><thead><tr>${headers.map((x) => `<th>${escapeHtml(x)}</th>`).join('')}</tr></thead><tbody>${rows
      .map((row) => `<tr>${row.map((x) => `<td>${escapeHtml(x)}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`;
  const empty = (text: string) => `<p class="empty">${escapeHtml(text)}</p>`;
  const total = r.spend.byCategory.reduce((a, c) => a + c.cents, 0);
  const parts = [
    section(
      'Pipeline throughput',
      `<div class="cards"><div><b>${r.throughput.created}</b>created</div><div><b>${r.throughput.completed}</b>completed</div><div><b>${r.throughput.rejected}</b>rejected</div><div><b>${h(r.completion.meanHours)}</b>mean completion (target &lt; 4 h)</div></div>` +
        (r.throughput.completedPerDay.length ? barChart(r.throughput.completedPerDay.map((d) => ({ label: d.day.slice(5), value: d.count })), { title: 'ideas completed per day', unit: '' }) : empty('No idea completed in the period.')),
    ),
    section(
      'Stages',
      (r.runs.length === 0
        ? empty('No stage runs in the period.')
        : barChart(r.runs.filter((s) => s.passRate !== null).map((s) => ({ label: s.stage, value: Math.round((s.passRate ?? 0) * 100) })), { title: 'gate pass rate (passed runs / finished runs)', unit: '%', max: 100 }) +
          tableHtml(['stage', 'runs', 'passed', 'failed', 'retried', 'parked', 'rejected', 'open', 'gate pass rate'], r.runs.map(runRow))) +
        (r.stages.length === 0
          ? empty('No stage moves in the period.')
          : barChart(r.stages.map((s) => ({ label: s.stage, value: Math.round((s.meanHours ?? 0) * 60) })), { title: 'mean minutes in stage', unit: 'min' }) +
            tableHtml(['stage', 'moves', 'mean', 'p95', 'moved on', 'sent back'], r.stages.map((s) => [s.stage, String(s.count), h(s.meanHours), h(s.p95Hours), String(s.forward), String(s.back)]))),
    ),
    section(
      'Spend',
      !r.spend.ledger
        ? empty('No ledger yet (the budget module has not created spend_ledger).')
        : r.spend.byCategory.length === 0
          ? empty('No spend recorded in the period.')
          : tableHtml(['budget cycle', 'started', 'spent', 'cap', 'of cap'], r.spend.byCycle.map(cycleRow)) +
            barChart(r.spend.byCategory.map((c) => ({ label: c.category, value: c.cents / 100 })), { title: `spend by category, all cycles in the period (${formatDollars(total)})`, unit: '$' }) +
            (r.spend.byIdea.length ? tableHtml(['idea', 'spent'], r.spend.byIdea.map((i) => [`${i.title ?? '(archived)'} (${i.ideaId.slice(0, 8)})`, formatDollars(i.cents)])) : ''),
    ),
    section(
      'Providers',
      r.providers.length === 0
        ? empty('No provider samples (offline providers are not timed).')
        : barChart(r.providers.map((p) => ({ label: p.provider, value: Math.round(p.p95Ms) })), { title: 'p95 response time (target < 2000 ms)', unit: 'ms', threshold: 5000 }) +
            tableHtml(['provider', 'checks', 'mean', 'p95', 'errors'], r.providers.map((p) => [p.provider, String(p.samples), ms(p.meanMs), ms(p.p95Ms), String(p.errors)])),
    ),
    section(
      'KPIs',
      r.kpis.length === 0
        ? empty('No KPI samples in the period.')
        : tableHtml(['KPI', 'samples', 'mean', 'p95', 'max', 'not healthy', 'worst'], r.kpis.map((k) => [k.kpi, String(k.samples), kpiValue(k.kpi, k.mean), kpiValue(k.kpi, k.p95), kpiValue(k.kpi, k.max), String(k.notHealthy), k.worst])),
    ),
    section(
      'Incidents',
      r.incidents.bySeverity.length === 0
        ? empty('No incidents in the period.')
        : barChart(r.incidents.bySeverity.map((s) => ({ label: s.severity, value: s.opened })), { title: 'incidents opened by severity', unit: '' }) +
            tableHtml(['id', 'sev', 'status', 'count', 'title'], r.incidents.top.map((i) => [String(i.id), i.severity, i.status, String(i.count), i.title])),
    ),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>studio performance — last ${r.days} days</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;border-bottom:1px solid #e3e6ec;padding-bottom:.3rem;margin-top:2rem}
.meta{color:#6b7385}.cards{display:flex;gap:1rem;flex-wrap:wrap}.cards div{background:#f4f6fa;border-radius:8px;padding:.8rem 1rem;min-width:9rem;color:#6b7385}
.cards b{display:block;font-size:1.5rem;color:#1d2330}table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:14px}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #eceef3}th{color:#6b7385;font-weight:600}.empty{color:#6b7385;font-style:italic}
svg{margin:.8rem 0;max-width:100%}
</style></head><body>
<h1>studio performance report</h1>
<p class="meta">last ${r.days} days · ${escapeHtml(r.since.toISOString())} to ${escapeHtml(r.generatedAt.toISOString())}</p>
${parts.join('\n')}
</body></html>
`;
}

export interface WriteReportOptions {
  days?: number;
  format?: 'md' | 'html';
  /** Output file; default `<reports>/performance-<date>-<days>d.<format>`. */
  out?: string;
  /** Replace an existing --out file. */
  force?: boolean;
  clock?: Clock;
}

/** Build and write the report atomically (a temp file renamed into place). Returns the path and the data. */
export async function writePerformanceReport(db: Queryable, config: Config, options: WriteReportOptions = {}): Promise<{ path: string; report: PerformanceReport }> {
  const days = options.days ?? 30;
  const format = options.format ?? 'md';
  // where it goes is decided (and refused) before any work: a refusal writes nothing
  const today = (options.clock?.date() ?? new Date()).toISOString().slice(0, 10);
  const path = outputPath('report', options.out, join(config.paths.reports, `performance-${today}-${days}d.${format}`), { force: options.force });
  const report = await buildPerformanceReport(db, { days, clock: options.clock });
  writeFileWhole(path, format === 'html' ? renderHtml(report) : renderMarkdown(report));
  return { path, report };
}
