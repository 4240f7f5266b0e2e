/** Budget levels from usage: HEALTHY < WARNING (80%) < CRITICAL (95%) < EMERGENCY (100%). */
import type { Level } from '../../core/types.js';

export interface Thresholds {
  warningPct: number;
  criticalPct: number;
  emergencyPct: number;
}

/** Usage in percent (0 when nothing is allocated), two decimals. */
export function usagePct(usedCents: number, allocatedCents: number): number {
  if (allocatedCents <= 0) return 0;
  return Math.round((usedCents / allocatedCents) * 10_000) / 100;
}

export function levelFor(usedCents: number, allocatedCents: number, t: Thresholds): Level {
  if (allocatedCents <= 0) return 'HEALTHY';
  // compare in integers: used * 100 >= allocated * pct
  const scaled = usedCents * 100;
  if (scaled >= allocatedCents * t.emergencyPct) return 'EMERGENCY';
  if (scaled >= allocatedCents * t.criticalPct) return 'CRITICAL';
  if (scaled >= allocatedCents * t.warningPct) return 'WARNING';
  return 'HEALTHY';
}

/** Every level from WARNING up to `level` (the crossings a jump from HEALTHY to it passes). */
export function levelsUpTo(level: Level): Level[] {
  const order: Level[] = ['WARNING', 'CRITICAL', 'EMERGENCY'];
  const index = order.indexOf(level);
  return index < 0 ? [] : order.slice(0, index + 1);
}
