/**
 * Offline analytics: events are kept in memory for the process and counted; nothing leaves the machine,
 * and landing pages get no project key.
 */
import type { Analytics } from '../../core/providers.js';

export function createOfflineAnalytics(host = 'https://us.i.posthog.com'): Analytics {
  const events: Array<{ event: string; properties: Record<string, unknown> }> = [];
  return {
    info: { name: 'offline-analytics', offline: true },
    host,
    publicKey: undefined,
    async capture(event, properties) {
      events.push({ event, properties });
    },
    async signups(ideaId) {
      return events.filter((e) => e.event === 'early_signup' && e.properties.idea_id === ideaId).length;
    },
  };
}
