/**
 * What the operator console shows of health, KPIs, incidents and logs, read cheaply from what the health
 * job recorded (small tables, indexed reads) — shaped like `ServiceView`, `KpiView`, `IncidentView` and
 * `LogLineView` of the ConsoleApi contract, so `app.ts` can hand them straight to the snapshot.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { Queryable } from '../../core/ports.js';
import { worstLevel, type Level } from '../../core/types.js';
import { listServiceStates, readKpiHistory } from '../../storage/health-store.js';
import { listIncidents, listTimeline } from '../../storage/incidents.js';
import { parseEntry } from '../logs/entries.js';
import type { IncidentView, KpiView, ServiceView } from '../../core/console-api.js';
import { KPI_THRESHOLDS, type KpiName } from './thresholds.js';


export async function readServiceViews(db: Queryable): Promise<{ systemLevel: Level; services: ServiceView[] }> {
  const states = await listServiceStates(db);
  return {
    systemLevel: worstLevel('HEALTHY', ...states.map((s) => s.level)),
    services: states.map((s) => ({ name: s.name, level: s.level, reason: s.reason, latencyMs: s.latencyMs ?? undefined, offline: s.offline, checkedAt: s.checkedAt })),
  };
}


const ORDER: KpiName[] = ['pipeline_completion_hours', 'db_query_ms', 'api_response_ms', 'memory_pct', 'disk_pct'];

/** The manual's five KPIs: latest value, level and the last 24 h (API response: the slowest provider per check). */
export async function readKpiViews(db: Queryable, now: Date, points = 48): Promise<KpiView[]> {
  const history = await readKpiHistory(db, { since: new Date(now.getTime() - 86_400_000), limit: points });
  const apiByTime = new Map<number, { value: number; level: Level }>();
  for (const [kpi, samples] of Object.entries(history)) {
    if (!kpi.startsWith('api_response_ms:')) continue;
    for (const s of samples) {
      const prev = apiByTime.get(s.at.getTime());
      apiByTime.set(s.at.getTime(), { value: Math.max(prev?.value ?? 0, s.value), level: worstLevel(prev?.level ?? 'HEALTHY', s.level) });
    }
  }
  const api = [...apiByTime.entries()].sort((a, b) => a[0] - b[0]).slice(-points).map(([, v]) => v);
  return ORDER.map((name) => {
    const t = KPI_THRESHOLDS[name];
    const series = name === 'api_response_ms' ? api : (history[name] ?? []);
    const last = series.at(-1);
    return {
      name: t.label,
      unit: t.unit,
      value: last ? last.value : null,
      target: `< ${t.target} ${t.unit} (warn > ${t.warning}, crit > ${t.critical})`,
      level: last?.level ?? 'HEALTHY',
      history: series.map((p) => p.value),
    };
  });
}


/** Unresolved incidents first (most severe first), then the latest resolved ones. */
export async function readIncidentViews(db: Queryable, limit = 20): Promise<IncidentView[]> {
  const rows = await listIncidents(db, { limit });
  return rows.map((i) => ({ id: i.id, severity: i.severity, title: i.title, source: i.source, status: i.status, openedAt: i.openedAt, count: i.count }));
}

export async function readIncidentTimeline(db: Queryable, id: number): Promise<Array<{ at: Date; kind: string; message: string; actor?: string }>> {
  return (await listTimeline(db, id)).map((e) => ({ at: e.at, kind: e.kind, message: e.message, actor: e.actor }));
}

/** The structured fields of a log line for its detail (idea, stage, attempt, …): scalars as they are, the rest as short JSON. */
function logFields(fields: Record<string, unknown>): { fields?: Record<string, string | number | boolean | null> } {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'pid' || key === 'hostname' || key === 'v') continue;
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else if (value !== undefined) out[key] = JSON.stringify(value).slice(0, 300);
  }
  return Object.keys(out).length ? { fields: out } : {};
}

export type TailLine = { time: Date; level: string; msg: string; scope?: string; fields?: Record<string, string | number | boolean | null> };

/** The last tail read, per file: the console asks every second, and the log is mostly unchanged. */
const lastTail = new Map<string, { key: string; lines: TailLine[] }>();

/**
 * The last `count` lines of the current log file (reads only its tail). A file whose identity, size and
 * modification time are those of the last read is not read or parsed again (an idle console read and
 * parsed 256 KiB of JSON lines every second for nothing).
 */
export function tailLogLines(logFile: string, count = 50): TailLine[] {
  if (!existsSync(logFile)) return [];
  const stat = statSync(logFile);
  const key = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${count}`;
  const cached = lastTail.get(logFile);
  if (cached?.key === key) return cached.lines;
  const lines = readTail(logFile, stat.size, count);
  lastTail.set(logFile, { key, lines });
  return lines;
}

function readTail(logFile: string, size: number, count: number): TailLine[] {
  const length = Math.min(size, 256 * 1024);
  const buffer = Buffer.alloc(length);
  const fd = openSync(logFile, 'r');
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  const lines = buffer.toString('utf8').split('\n').filter(Boolean);
  if (length < size) lines.shift(); // the first line is cut
  return lines.slice(-count).map((raw) => {
    const entry = parseEntry(raw);
    const named = typeof entry.fields.cmd === 'string' ? entry.fields.cmd : typeof entry.fields.job === 'string' ? entry.fields.job : undefined;
    const msg = entry.msg || entry.raw;
    // a message that names its part already ('console: loaded the sample ideas' from the console) is not
    // prefixed twice ('console: console: loaded ...')
    const scope = named !== undefined && !msg.startsWith(`${named}:`) ? named : undefined;
    return { time: entry.time ?? new Date(0), level: entry.level, msg, scope, ...logFields(entry.fields) };
  });
}
