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
import type { CategoryStatus } from '../../core/ports.js';
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
  const dollars = (cents: number) => cents / 100;
  return {
    name: 'budget',
    async collect() {
      const s = await sentinel.snapshot();
      // per category in labelled families (sum() over them is the cycle's figure); the cycle's own
      // figures in unlabelled families beside them, never as a category="total" series
      const byCategory = (name: string, help: string, pick: (c: CategoryStatus) => number): MetricFamily => ({
        name,
        help,
        type: 'gauge',
        samples: BUDGET_CATEGORIES.map((category) => ({ labels: { category }, value: pick(s.categories[category]) })),
      });
      const cycle = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'gauge', samples: [{ value }] });
      return [
        byCategory('studio_budget_spent_dollars', 'Settled spend in the current cycle by category, in dollars', (c) => dollars(c.spentCents)),
        byCategory('studio_budget_reserved_dollars', 'Money held by paid calls in flight by category, in dollars', (c) => dollars(c.reservedCents)),
        byCategory('studio_budget_allocated_dollars', 'Cycle allocation by category, in dollars', (c) => dollars(c.allocatedCents)),
        byCategory('studio_budget_level', 'Budget level by category: 0 HEALTHY, 1 WARNING, 2 CRITICAL, 3 EMERGENCY', (c) => levelValue[c.level]),
        cycle('studio_budget_cycle_spent_dollars', 'Settled spend in the current cycle, all categories, in dollars', dollars(s.total.spentCents)),
        cycle('studio_budget_cycle_reserved_dollars', 'Money held by paid calls in flight, all categories, in dollars', dollars(s.total.reservedCents)),
        cycle('studio_budget_cycle_cap_dollars', 'The cycle cap (BUDGET_TOTAL), in dollars', dollars(s.total.allocatedCents)),
        cycle('studio_budget_cycle_level', 'Level of the cycle total: 0 HEALTHY, 1 WARNING, 2 CRITICAL, 3 EMERGENCY', levelValue[s.total.level]),
        cycle('studio_budget_cycle_start_timestamp_seconds', 'When the current budget cycle started (Unix seconds)', s.cycleStart.getTime() / 1000),
        cycle('studio_budget_emergency_shutdown', '1 while the emergency shutdown is active', s.emergencyShutdown ? 1 : 0),
      ];
    },
  };
}
