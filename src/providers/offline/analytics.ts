/**
 * Offline analytics: events are kept in memory for the process and counted; nothing leaves the machine,
 * and landing pages get no project key. The pipeline sends it the same events as PostHog (idea_created,
 * stage_completed, ...); `counts()` and `events()` show them. Only the latest MAX_KEPT events are kept
 * (a long-lived scheduler would otherwise grow without end); the counts cover every event.
 */
import type { Analytics } from '../../core/providers.js';

const MAX_KEPT = 10_000;

export interface OfflineEvent {
  event: string;
  properties: Record<string, unknown>;
}

export interface OfflineAnalytics extends Analytics {
  /** The kept events, oldest first. */
  events(): readonly OfflineEvent[];
  /** How many of each event were captured in this process. */
  counts(): Record<string, number>;
}

export function createOfflineAnalytics(host = 'https://us.i.posthog.com'): OfflineAnalytics {
  const events: OfflineEvent[] = [];
  const counts: Record<string, number> = {};
  const signups = new Map<string, number>();
  return {
    info: { name: 'offline-analytics', offline: true },
    host,
    publicKey: undefined,
    async capture(event, properties) {
      events.push({ event, properties });
      if (events.length > MAX_KEPT) events.splice(0, events.length - MAX_KEPT);
      counts[event] = (counts[event] ?? 0) + 1;
      if (event === 'early_signup' && typeof properties.idea_id === 'string') signups.set(properties.idea_id, (signups.get(properties.idea_id) ?? 0) + 1);
    },
    async signups(ideaId) {
      return signups.get(ideaId) ?? 0;
    },
    async close() {
      // nothing is queued anywhere
    },
    events: () => events,
    counts: () => ({ ...counts }),
  };
}
