/** The budget probe: the sentinel's level, EMERGENCY while spending is shut down. */
import type { ServiceProbe, ServiceState } from '../../../core/health.js';
import type { BudgetSentinel } from '../../../core/ports.js';
import { worstLevel } from '../../../core/types.js';

export function createBudgetProbe(sentinel: Pick<BudgetSentinel, 'snapshot'>): ServiceProbe {
  return {
    name: 'budget',
    async probe(): Promise<ServiceState> {
      const snap = await sentinel.snapshot();
      const level = snap.emergencyShutdown ? 'EMERGENCY' : worstLevel(snap.level, snap.total.level);
      const worst = Object.entries(snap.categories).sort((a, b) => b[1].usagePercentage - a[1].usagePercentage)[0];
      const usage = `total ${snap.total.usagePercentage.toFixed(1)}%` + (worst ? `, ${worst[0]} ${worst[1].usagePercentage.toFixed(1)}%` : '');
      const reason = snap.emergencyShutdown
        ? `emergency shutdown active (${usage}); budget resume needed`
        : snap.circuitBreakerActive
          ? `circuit breaker active (${usage})`
          : level === 'HEALTHY'
            ? `ok (${usage})`
            : `${usage} of the cycle budget`;
      return {
        name: 'budget',
        level,
        reason,
        details: {
          cycleId: snap.cycleId,
          usagePercentage: snap.total.usagePercentage,
          emergencyShutdown: snap.emergencyShutdown,
          circuitBreakerActive: snap.circuitBreakerActive,
          categories: Object.fromEntries(Object.entries(snap.categories).map(([k, v]) => [k, { usagePercentage: v.usagePercentage, level: v.level }])),
        },
      };
    },
  };
}
