/**
 * The daily budget review (the manual's "DAILY BUDGET REPORT"), as a scheduled job: roll the cycle over
 * when BUDGET_CYCLE says so, release lapsed reservations, write the report under reports/ (text and
 * JSON) and log it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../core/config.js';
import type { JobDefinition } from '../../core/jobs.js';
import type { MetricFamily, MetricSource } from '../../core/metrics.js';
import { formatDollars } from '../../core/money.js';
import { BUDGET_CATEGORIES } from '../../core/types.js';
import type { DetailedSnapshot, Sentinel } from './sentinel.js';

/** The manual's report text. */
export function budgetReportText(s: DetailedSnapshot): string {
  const lines = [
    '=== DAILY BUDGET REPORT ===',
    `Cycle: ${s.cycleId}`,
    `Total Budget: ${formatDollars(s.total.allocatedCents)}`,
    `Total Spent: ${formatDollars(s.total.spentCents)}`,
    `Reserved (in flight): ${formatDollars(s.reservedCents)}`,
    `Remaining: ${formatDollars(s.total.remainingCents)}`,
    `Usage: ${s.total.usagePercentage.toFixed(1)}%  (${s.level})`,
    `Burn rate: ${formatDollars(s.burnRateCentsPerHour)}/h${s.projectedCapAt ? `, cap projected ${s.projectedCapAt.toISOString()}` : ''}`,
    `Emergency shutdown: ${s.emergencyShutdown ? 'ACTIVE' : 'no'}   Circuit breaker: ${s.circuitBreakerActive ? 'ACTIVE' : 'no'}`,
    '',
    '=== BY CATEGORY ===',
    ...BUDGET_CATEGORIES.map((name) => {
      const c = s.categories[name];
      return `${name}: ${formatDollars(c.spentCents)}/${formatDollars(c.allocatedCents)} (${c.usagePercentage.toFixed(1)}%) ${c.level}`;
    }),
  ];
  if (s.topOperations.length > 0) {
    lines.push('', '=== TOP OPERATIONS ===', ...s.topOperations.map((o) => `${o.service} ${o.operation}: ${o.calls} calls, ${formatDollars(o.cents)}`));
  }
  lines.push('', `Response cache: ${s.cache.hits} hits, ${formatDollars(s.cache.savedCents)} saved`);
  return `${lines.join('\n')}\n`;
}

export interface BudgetJobsDeps {
  sentinel: Sentinel;
  config: Config;
}

export function createBudgetJobs(deps: BudgetJobsDeps): JobDefinition[] {
  return [
    {
      name: 'budget.review',
      description: 'daily budget review: roll over the cycle when due, release lapsed reservations, write the report under reports/',
      schedule: '0 8 * * *',
      timeoutMs: 60_000,
      retries: 2,
      catchUp: 'latest',
      critical: true,
      async run(ctx) {
        const rolled = await deps.sentinel.rolloverIfDue();
        const reaped = await deps.sentinel.reapExpired();
        const snapshot = await deps.sentinel.detailed();
        const text = budgetReportText(snapshot);
        const day = ctx.scheduledFor.toISOString().slice(0, 10);
        mkdirSync(deps.config.paths.reports, { recursive: true });
        const file = join(deps.config.paths.reports, `budget-review-${day}.txt`);
        writeFileSync(file, text);
        ctx.logger.info({ report: file, usagePct: snapshot.total.usagePercentage, budgetLevel: snapshot.level, rolled, reaped }, 'budget: daily review written');
        return { report: file, usage_pct: snapshot.total.usagePercentage, level: snapshot.level, rolled_over_to: rolled, reaped };
      },
    },
  ];
}

/** `/metrics` families for the budget: spent, reserved and allocated cents and the level, per category. */
export function budgetMetricSource(sentinel: Sentinel): MetricSource {
  const levelValue = { HEALTHY: 0, WARNING: 1, CRITICAL: 2, EMERGENCY: 3 } as const;
  return {
    name: 'budget',
    async collect() {
      const s = await sentinel.snapshot();
      const rows = [...BUDGET_CATEGORIES.map((name) => [name, s.categories[name]] as const), ['total', s.total] as const];
      const family = (name: string, help: string, pick: (c: (typeof rows)[number][1]) => number): MetricFamily => ({
        name,
        help,
        type: 'gauge',
        samples: rows.map(([category, c]) => ({ labels: { category, cycle: s.cycleId }, value: pick(c) })),
      });
      return [
        family('studio_budget_spent_cents', 'Settled spend in the current cycle, in cents', (c) => c.spentCents),
        family('studio_budget_reserved_cents', 'Money reserved by calls in flight, in cents', (c) => c.reservedCents),
        family('studio_budget_allocated_cents', 'Cycle allocation, in cents', (c) => c.allocatedCents),
        family('studio_budget_level', 'Budget level: 0 HEALTHY, 1 WARNING, 2 CRITICAL, 3 EMERGENCY', (c) => levelValue[c.level]),
        {
          name: 'studio_budget_emergency_shutdown',
          help: '1 while the emergency shutdown is active',
          type: 'gauge',
          samples: [{ value: s.emergencyShutdown ? 1 : 0 }],
        },
      ];
    },
  };
}
