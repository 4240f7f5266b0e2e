/**
 * The notifier port: Slack, e-mail and PagerDuty implement it (`src/providers/notify/`); the incidents
 * module (`src/ops/incidents/`) decides what to send and records it.
 */

export type NotifyChannel = 'slack' | 'email' | 'pagerduty';

/** One message about an incident. */
export interface IncidentNotice {
  action: 'trigger' | 'acknowledge' | 'resolve';
  incidentId: number;
  /** PagerDuty's dedup_key: the same problem is one alert there too. */
  dedupKey: string;
  severity: 'P1' | 'P2' | 'P3' | 'P4';
  /** One line: "[P2] openai CRITICAL: answered HTTP 500". */
  summary: string;
  source: string;
  /** Extra lines for Slack and e-mail (timeline, what to do). */
  body?: string;
}

export interface Notifier {
  channel: NotifyChannel;
  /** Where messages go, safe to print and store (host, recipients; never a secret path or key). */
  target: string;
  /** Deliver once; throws ProviderError (retryable or not) on failure. */
  send(notice: IncidentNotice, signal?: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}
