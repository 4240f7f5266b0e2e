/**
 * The one shape of `studio health --json` (schema "studio.health/v1"), whatever could be read: every
 * field is always present, and what could not be read is `null` (never a missing key).
 *
 * - `source.kind`: `live` (this run probed the services), `last_check` (the embedded database is held
 *   by another studio process; this is that process's last recorded check, `pid` and `ageMs` say whose
 *   and how old), `none` (nothing could be probed: the database is down, or held with no recent check).
 * - `services[]`: `name`, `level`, `reason`, `latencyMs` (number | null), `offline` (boolean),
 *   `details` (object | null).
 * - `kpis`: the last 24 h of KPI samples by KPI name (`[{at, value, level}]`), or null when the
 *   database could not be read.
 */
import type { HealthReport, ServiceState } from '../../core/health.js';
import type { Level } from '../../core/types.js';

export const HEALTH_JSON_SCHEMA = 'studio.health/v1';

export interface HealthJsonService {
  name: string;
  level: Level;
  reason: string;
  latencyMs: number | null;
  offline: boolean;
  details: Record<string, unknown> | null;
}

export interface HealthJson {
  schema: typeof HEALTH_JSON_SCHEMA;
  level: Level;
  checkedAt: string;
  durationMs: number;
  source: { kind: 'live' | 'last_check' | 'none'; pid: number | null; ageMs: number | null; note: string | null };
  services: HealthJsonService[];
  kpis: Record<string, Array<{ at: string; value: number; level: Level }>> | null;
}

export interface HealthJsonInput {
  report: Pick<HealthReport, 'level' | 'durationMs' | 'services'> & { checkedAt: Date | string };
  source?: Partial<HealthJson['source']> & { kind: HealthJson['source']['kind'] };
  kpis?: Record<string, Array<{ at: Date | string; value: number; level: Level }>> | null;
}

const iso = (at: Date | string): string => (at instanceof Date ? at : new Date(at)).toISOString();

function service(s: ServiceState): HealthJsonService {
  return { name: s.name, level: s.level, reason: s.reason, latencyMs: s.latencyMs ?? null, offline: s.offline ?? false, details: s.details ?? null };
}

export function toHealthJson(input: HealthJsonInput): HealthJson {
  const kpis = input.kpis
    ? Object.fromEntries(Object.entries(input.kpis).map(([k, points]) => [k, points.map((p) => ({ at: iso(p.at), value: p.value, level: p.level }))]))
    : null;
  return {
    schema: HEALTH_JSON_SCHEMA,
    level: input.report.level,
    checkedAt: iso(input.report.checkedAt),
    durationMs: input.report.durationMs,
    source: { kind: input.source?.kind ?? 'live', pid: input.source?.pid ?? null, ageMs: input.source?.ageMs ?? null, note: input.source?.note ?? null },
    services: input.report.services.map(service),
    kpis,
  };
}
