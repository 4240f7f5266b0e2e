/**
 * The scheduler probe: heartbeats of scheduler processes, dead-man events (a job that missed its slot)
 * and failed runs in the last hour (WARNING: those raise their own incidents from their events).
 *
 * A running scheduler's heartbeat is judged by the documented thresholds: older than 2 min WARNING,
 * older than 10 min CRITICAL (it went silent without stopping). A scheduler that stopped cleanly says
 * "stopped cleanly at ..." and is never CRITICAL for that alone: HEALTHY within the stale window (a
 * restart), WARNING after it while a resident scheduler is expected. With `residentExpected` false
 * (SCHEDULER_RESIDENT=false, a cron-only installation) no heartbeat is asked for at all.
 */
import type { Clock } from '../../../core/clock.js';
import { systemClock } from '../../../core/clock.js';
import { formatDuration } from '../../../core/clock.js';
import type { ServiceProbe, ServiceState } from '../../../core/health.js';
import type { Queryable } from '../../../core/ports.js';
import { worstLevel, type Level } from '../../../core/types.js';
import { readSchedulerFacts } from '../../../storage/health-queries.js';

export interface SchedulerProbeOptions {
  clock?: Clock;
  /** A heartbeat older than this is WARNING. @default 120000 (2 min) */
  staleAfterMs?: number;
  /** Older than this is CRITICAL (no scheduler is running). @default 600000 (10 min) */
  deadAfterMs?: number;
  /** Look back this far for failures and dead-man events. @default 3600000 (1 h) */
  windowMs?: number;
  /** Whether a resident scheduler (studio scheduler, or the console hosting one) should be running. @default true */
  residentExpected?: boolean;
}

export function createSchedulerProbe(db: Queryable, options: SchedulerProbeOptions = {}): ServiceProbe {
  const clock = options.clock ?? systemClock;
  return {
    name: 'scheduler',
    async probe(): Promise<ServiceState> {
      const now = clock.now();
      const facts = await readSchedulerFacts(db, new Date(now - (options.windowMs ?? 3_600_000)));
      const problems: Array<[Level, string]> = [];
      const notes: string[] = [];
      if (facts.installed) {
        const expected = options.residentExpected ?? true;
        const staleMs = options.staleAfterMs ?? 120_000;
        const deadMs = options.deadAfterMs ?? 600_000;
        const age = facts.lastHeartbeat ? now - facts.lastHeartbeat.getTime() : Infinity;
        const stop = facts.lastStop;
        // the newest thing a scheduler did decides: a clean stop after the last live heartbeat means stopped
        const stoppedCleanly = stop !== null && (facts.lastHeartbeat === null || stop.at.getTime() >= facts.lastHeartbeat.getTime());
        if (facts.nodes > 0 && age <= staleMs) {
          notes.push(`ok (${facts.nodes} process${facts.nodes === 1 ? '' : 'es'})`);
        } else if (stoppedCleanly) {
          const stopAge = now - stop.at.getTime();
          const said = `stopped cleanly at ${stop.at.toISOString()} (${formatDuration(stopAge)} ago, ${stop.host} pid ${stop.pid})`;
          if (!expected) notes.push(`${said}; no resident scheduler expected`);
          else if (stopAge > staleMs) problems.push(['WARNING', `no scheduler running: ${said}; start studio scheduler (or set SCHEDULER_RESIDENT=false if cron runs the jobs)`]);
          else notes.push(said);
        } else if (!facts.lastHeartbeat) {
          if (expected) problems.push(['WARNING', 'no scheduler has run yet: start studio scheduler (or studio console, which hosts one), or set SCHEDULER_RESIDENT=false if cron runs the jobs']);
          else notes.push('no resident scheduler expected');
        } else if (age > staleMs) {
          // went silent without a clean stop: killed, crashed, host down or cut off from the database
          const level: Level = age > deadMs && expected ? 'CRITICAL' : 'WARNING';
          problems.push([level, `no scheduler heartbeat for ${formatDuration(age)} (it did not stop cleanly)`]);
        } else {
          // its last heartbeat is fresh but it is stopping (a graceful stop in progress)
          notes.push('stopping');
        }
        if (facts.failedRuns.length > 0) {
          const jobs = [...new Set(facts.failedRuns.map((r) => r.job))];
          problems.push(['WARNING', `${facts.failedRuns.length} failed run(s) in the last hour: ${jobs.slice(0, 3).join(', ')}`]);
        }
      }
      if (facts.deadman.length > 0) {
        const jobs = [...new Set(facts.deadman.map((d) => d.job))];
        // each missed slot is already an incident of its own (the job.deadman event): WARNING here, not a second page
        problems.push(['WARNING', `missed slot(s): ${jobs.slice(0, 3).join(', ')}`]);
      }
      const level = worstLevel('HEALTHY', ...problems.map(([l]) => l));
      return {
        name: 'scheduler',
        level,
        reason: problems.length > 0 ? problems.map(([, r]) => r).join('; ') : facts.installed ? notes.join('; ') : 'scheduler not installed',
        details: {
          installed: facts.installed,
          residentExpected: options.residentExpected ?? true,
          nodes: facts.nodes,
          lastHeartbeat: facts.lastHeartbeat,
          lastStop: facts.lastStop,
          failedRuns: facts.failedRuns,
          deadman: facts.deadman,
        },
      };
    },
  };
}
