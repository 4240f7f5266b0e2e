/**
 * Severity per docs/domain.md: P1 critical (system down, budget exceeded, any EMERGENCY), P2 high (CRITICAL:
 * a major function impaired), P3 medium (WARNING), P4 low (anything else worth a record). P1 and P2 page
 * (PagerDuty + Slack + e-mail); P3 and P4 notify (Slack + e-mail).
 */
import type { NotifyChannel } from '../../core/notify.js';
import type { Level } from '../../core/types.js';
import type { Severity } from '../../storage/incidents.js';

const SEVERITIES: Severity[] = ['P1', 'P2', 'P3', 'P4'];

export interface SeverityInput {
  level: Level;
  kind: string;
  details?: Record<string, unknown>;
}

export function severityFor(input: SeverityInput): Severity {
  const explicit = input.details?.severity;
  if (typeof explicit === 'string' && (SEVERITIES as string[]).includes(explicit)) return explicit as Severity;
  if (input.level === 'EMERGENCY') return 'P1';
  if (input.details?.down === true || input.kind === 'system.down') return 'P1';
  if (input.kind.startsWith('budget') && (input.details?.exceeded === true || input.kind === 'budget.exceeded')) return 'P1';
  if (input.level === 'CRITICAL') return 'P2';
  if (input.level === 'WARNING') return 'P3';
  return 'P4';
}

/** True when `a` is more severe than `b` (P1 beats P2); anything beats null. */
export function moreSevere(a: Severity, b: Severity | null): boolean {
  return b === null || SEVERITIES.indexOf(a) < SEVERITIES.indexOf(b);
}

export function pages(severity: Severity): boolean {
  return severity === 'P1' || severity === 'P2';
}

/** The channels a new or escalated incident of this severity goes to. */
export function triggerChannels(severity: Severity): NotifyChannel[] {
  return pages(severity) ? ['pagerduty', 'slack', 'email'] : ['slack', 'email'];
}
