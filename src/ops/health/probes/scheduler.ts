/**
 * The scheduler probe: heartbeats of scheduler processes, dead-man events (a job that missed its slot)
 * and failed runs in the last hour (WARNING: those raise their own incidents from their events). A
 * scheduler that has never run is a WARNING (set-up not finished: start `studio scheduler` or the
 * console); one that was running and went silent is CRITICAL.
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
}

export function createSchedulerProbe(db: Queryable, options: SchedulerProbeOptions = {}): ServiceProbe {
  const clock = options.clock ?? systemClock;
  return {
    name: 'scheduler',
    async probe(): Promise<ServiceState> {
      const now = clock.now();
      const facts = await readSchedulerFacts(db, new Date(now - (options.windowMs ?? 3_600_000)));
      const problems: Array<[Level, string]> = [];
      if (facts.installed) {
        const age = facts.lastHeartbeat ? now - facts.lastHeartbeat.getTime() : Infinity;
        if (!facts.lastHeartbeat) {
          problems.push(['WARNING', 'no scheduler has run yet: start studio scheduler (or studio console, which hosts one)']);
        } else if (facts.nodes === 0 || age > (options.deadAfterMs ?? 600_000)) {
          problems.push(['CRITICAL', facts.nodes === 0 ? `no scheduler running (last heartbeat ${formatDuration(age)} ago)` : `no scheduler heartbeat for ${formatDuration(age)}`]);
        } else if (age > (options.staleAfterMs ?? 120_000)) {
          problems.push(['WARNING', `last scheduler heartbeat ${formatDuration(age)} ago`]);
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
        reason: problems.length > 0 ? problems.map(([, r]) => r).join('; ') : facts.installed ? `ok (${facts.nodes} process${facts.nodes === 1 ? '' : 'es'})` : 'scheduler not installed',
        details: { installed: facts.installed, nodes: facts.nodes, lastHeartbeat: facts.lastHeartbeat, failedRuns: facts.failedRuns, deadman: facts.deadman },
      };
    },
  };
}
