/**
 * The database probe: connectivity and round-trip, a timed representative query (the DB query-time
 * KPI), connections in use vs max, size and growth over a day, slow statements (pg_stat_statements when
 * installed — and it says so when not), invalid and unused indexes, dead tuples and last vacuum per
 * table, and the vector indexes' size and scans.
 */
import type { Clock } from '../../../core/clock.js';
import { systemClock } from '../../../core/clock.js';
import { toError } from '../../../core/errors.js';
import type { ServiceProbe, ServiceState } from '../../../core/health.js';
import { levelForValue } from '../../../core/health.js';
import type { Database } from '../../../core/ports.js';
import { redactText } from '../../../core/redact.js';
import { worstLevel, type Level } from '../../../core/types.js';
import { latestKpiBefore } from '../../../storage/health-store.js';
import { ping, readDatabaseFacts, readIndexes, readSlowStatements, readTableVacuum, timedProbeQuery } from '../../../storage/health-queries.js';
import { CONNECTIONS_PCT, DEAD_TUPLE_RATIO, DEAD_TUPLES_MIN, KPI_THRESHOLDS, SLOW_STATEMENT_MS } from '../thresholds.js';

const DAY = 86_400_000;

export function createDatabaseProbe(db: Database, options: { clock?: Clock } = {}): ServiceProbe {
  const clock = options.clock ?? systemClock;
  return {
    name: 'database',
    async probe(): Promise<ServiceState> {
      const problems: Array<[Level, string]> = [];
      const notes: string[] = [];
      let roundTripMs: number;
      try {
        const start = performance.now();
        await ping(db);
        roundTripMs = round(performance.now() - start);
      } catch (error) {
        return {
          name: 'database',
          level: 'CRITICAL',
          reason: `unreachable: ${redactText(toError(error).message.replace(/^storage: /, ''))}`,
          details: { down: true, mode: db.mode, location: db.location },
        };
      }
      const queryStart = performance.now();
      await timedProbeQuery(db);
      const queryMs = round(performance.now() - queryStart);
      const queryLevel = levelForValue(queryMs, KPI_THRESHOLDS.db_query_ms);
      if (queryLevel !== 'HEALTHY') problems.push([queryLevel, `query took ${queryMs} ms (> ${queryLevel === 'CRITICAL' ? 1000 : 500} ms)`]);

      const facts = await readDatabaseFacts(db);
      let connections: Record<string, unknown> | undefined;
      if (db.mode === 'server') {
        const pct = (100 * facts.connections.inUse) / Math.max(1, facts.connections.max);
        const level = levelForValue(pct, CONNECTIONS_PCT);
        if (level !== 'HEALTHY') problems.push([level, `${facts.connections.inUse} of ${facts.connections.max} connections in use`]);
        connections = { ...facts.connections, pct: round(pct), pool: db.poolStats() };
      }

      const dayAgo = await latestKpiBefore(db, 'db_size_bytes', new Date(clock.now() - DAY));
      const growth = dayAgo ? { bytesPerDay: Math.round(((facts.sizeBytes - dayAgo.value) * DAY) / Math.max(1, clock.now() - dayAgo.at.getTime())), since: dayAgo.at } : null;

      const slow = await readSlowStatements(db);
      if (slow === null) {
        notes.push('pg_stat_statements is not installed: slow statements not checked (add it to shared_preload_libraries and CREATE EXTENSION pg_stat_statements)');
      } else {
        const slowest = slow.find((s) => s.meanMs > SLOW_STATEMENT_MS);
        if (slowest) problems.push(['WARNING', `a statement averages ${round(slowest.meanMs)} ms over ${slowest.calls} calls`]);
      }

      const indexes = await readIndexes(db);
      const invalid = indexes.filter((i) => !i.valid);
      if (invalid.length > 0) problems.push(['WARNING', `invalid index ${invalid.map((i) => i.name).join(', ')} (studio maintenance reindex)`]);
      const unused = indexes.filter((i) => i.scans === 0 && !i.unique && i.bytes > 1024 * 1024).map((i) => ({ name: i.name, table: i.table, bytes: i.bytes }));
      const vector = indexes.filter((i) => i.method === 'hnsw' || i.method === 'ivfflat').map((i) => ({ name: i.name, table: i.table, method: i.method, bytes: i.bytes, scans: i.scans, tuplesRead: i.tuplesRead }));

      const tables = await readTableVacuum(db);
      const bloated = tables.filter((t) => t.deadTuples >= DEAD_TUPLES_MIN && t.deadTuples / Math.max(1, t.liveTuples + t.deadTuples) > DEAD_TUPLE_RATIO);
      if (bloated.length > 0) {
        const t = bloated[0]!;
        problems.push(['WARNING', `${t.table} has ${Math.round((100 * t.deadTuples) / (t.liveTuples + t.deadTuples))}% dead tuples (studio maintenance vacuum)`]);
      }

      const level = worstLevel('HEALTHY', ...problems.map(([l]) => l));
      const reason = problems.length > 0 ? problems.map(([, r]) => r).join('; ') : slow === null ? 'ok; slow statements not checked (pg_stat_statements not installed)' : 'ok';
      return {
        name: 'database',
        level,
        reason,
        latencyMs: roundTripMs,
        details: {
          mode: db.mode,
          location: db.location,
          serverVersion: facts.serverVersion,
          roundTripMs,
          queryMs,
          sizeBytes: facts.sizeBytes,
          growth,
          connections,
          slowStatements: slow,
          pgStatStatements: slow !== null,
          invalidIndexes: invalid.map((i) => i.name),
          unusedIndexes: unused,
          vectorIndexes: vector,
          tables: tables.map((t) => ({
            table: t.table,
            liveTuples: t.liveTuples,
            deadTuples: t.deadTuples,
            deadRatio: round(t.deadTuples / Math.max(1, t.liveTuples + t.deadTuples)),
            lastVacuum: t.lastVacuum,
            lastAnalyze: t.lastAnalyze,
          })),
          notes,
        },
      };
    },
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
