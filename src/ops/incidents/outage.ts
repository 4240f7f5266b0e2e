/**
 * When the database itself is unreachable nothing can be recorded, so the outbox cannot page. The health
 * check then tells the configured notifiers directly: a P1 "database unreachable" at most once an hour per
 * process (PagerDuty groups repeats by its dedup key), and "reachable again" when it comes back.
 */
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { IncidentNotice, Notifier } from '../../core/notify.js';
import { redactText } from '../../core/redact.js';
import { toError } from '../../core/errors.js';

const REPEAT_MS = 3_600_000;
const DEDUP_KEY = 'service.state:database';

/** Per process and database location: when we last paged about it. */
const paged = new Map<string, number>();

export async function pageDatabaseDown(location: string, reason: string, notifiers: readonly Notifier[], clock: Clock, logger?: Logger): Promise<number> {
  const last = paged.get(location);
  if (last !== undefined && clock.now() - last < REPEAT_MS) return 0;
  paged.set(location, clock.now());
  return send(notifiers, { action: 'trigger', incidentId: 0, dedupKey: DEDUP_KEY, severity: 'P1', summary: `[P1] database unreachable (${location}): ${reason}`, source: 'service:database', body: 'Nothing can be recorded until it is back: this notice was sent directly.' }, logger);
}

export async function pageDatabaseBack(location: string, notifiers: readonly Notifier[], logger?: Logger): Promise<number> {
  if (!paged.has(location)) return 0;
  paged.delete(location);
  return send(notifiers.filter((n) => n.channel !== 'email'), { action: 'resolve', incidentId: 0, dedupKey: DEDUP_KEY, severity: 'P1', summary: `[P1] database reachable again (${location})`, source: 'service:database' }, logger);
}

async function send(notifiers: readonly Notifier[], notice: IncidentNotice, logger?: Logger): Promise<number> {
  let sent = 0;
  await Promise.all(
    notifiers.map(async (n) => {
      try {
        await n.send(notice);
        sent++;
      } catch (error) {
        logger?.error({ channel: n.channel }, `notify: direct ${notice.action} failed: ${redactText(toError(error).message)}`);
      }
    }),
  );
  return sent;
}
