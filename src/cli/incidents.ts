/**
 * `studio incidents list|show|ack|resolve|maintenance`: the incident log, taking and closing incidents
 * (audited with the operator), and maintenance windows that silence expected alerts.
 */
import type { Command } from 'commander';
import { formatDuration, parseDuration } from '../core/clock.js';
import { InvalidInputError } from '../core/errors.js';
import type { DeliverResult } from '../app/operations/incidents.js';
import { action, loadConfig, withApp } from './run.js';
import { c, cut, levelColour, printJson, println, table } from './output.js';

const SEVERITY_COLOUR: Record<string, (t: string) => string> = { P1: (t) => c.bold(c.red(t)), P2: c.red, P3: c.yellow, P4: c.dim };

function forFlag(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new InvalidInputError(`incidents: --for must be a duration like 45m or 2h (got "${text}")`);
  }
}

function parseId(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id <= 0) throw new InvalidInputError(`incidents: "${text}" is not an incident id (a number from studio incidents list)`);
  return id;
}

const ops = () => import('../app/operations/incidents.js');

/** Say when something the action queued (PagerDuty, Slack, e-mail) could not be sent now. */
function deliveryNote(delivery: DeliverResult, json?: boolean): void {
  if (delivery.failed > 0 && !json) println(c.yellow(`  ${delivery.failed} notification(s) failed; see studio incidents show (the health job retries them)`));
}

export function registerIncidents(program: Command): void {
  const incidents = program
    .command('incidents')
    .description('incidents (P1-P4) raised from health checks and operational events; ack, resolve, maintenance windows');

  incidents
    .command('list')
    .description('incidents, unresolved first, most severe first')
    .option('--open', 'only unresolved (open or acknowledged)')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  studio incidents list --open\n  studio incidents list --json | jq \'.[] | select(.severity == "P1")\'')
    .action(
      action(async (opts: { open?: boolean; limit: string; json?: boolean }) =>
        withApp({ config: await loadConfig(), logBase: { cmd: 'incidents list' } }, async (app) => {
          const rows = await (await ops()).listIncidents(app, { openOnly: opts.open, limit: Number(opts.limit) || 50 });
          if (opts.json) {
            printJson(rows);
            return;
          }
          if (rows.length === 0) {
            println(opts.open ? 'no open incidents' : 'no incidents recorded');
            return;
          }
          const now = app.clock.now();
          println(
            table(
              ['id', 'sev', 'status', 'level', 'count', 'opened', 'last seen', 'title'],
              rows.map((i) => [
                String(i.id),
                (SEVERITY_COLOUR[i.severity] ?? String)(i.severity),
                i.status === 'open' ? c.bold(i.status) : i.status === 'resolved' ? c.dim(i.status) : i.status,
                levelColour(i.level),
                String(i.count),
                `${formatDuration(now - i.openedAt.getTime())} ago`,
                `${formatDuration(now - i.lastSeenAt.getTime())} ago`,
                (i.silenced ? c.dim('[maintenance] ') : '') + cut(i.title, 90),
              ]),
              { align: ['right', 'left', 'left', 'left', 'right'] },
            ),
          );
        }),
      ),
    );

  incidents
    .command('show <id>')
    .description('one incident with its timeline and the notifications sent')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  studio incidents show 12')
    .action(
      action(async (idText: string, opts: { json?: boolean }) =>
        withApp({ config: await loadConfig(), logBase: { cmd: 'incidents show' } }, async (app) => {
          const id = parseId(idText);
          const { incident, timeline, notifications } = await (await ops()).showIncident(app, id);
          if (opts.json) {
            printJson({ ...incident, timeline, notifications });
            return;
          }
          println(`${c.bold(`#${incident.id}`)} ${(SEVERITY_COLOUR[incident.severity] ?? String)(incident.severity)} ${incident.status} — ${incident.title}`);
          println(c.dim(`  key ${incident.dedupKey} · seen ${incident.count}× · opened ${incident.openedAt.toISOString()} · last ${incident.lastSeenAt.toISOString()}`));
          if (incident.resolutionNote) println(`  resolved by ${incident.resolvedBy}: ${incident.resolutionNote}`);
          println('');
          println(table(['at', 'event', 'by', 'message'], timeline.map((e) => [e.at.toISOString(), e.kind, e.actor, e.message])).replace(/^/gm, '  '));
          if (notifications.length > 0) {
            println('');
            println(
              table(
                ['channel', 'action', 'status', 'tries', 'to', 'error'],
                notifications.map((n) => [n.channel, n.action, n.status === 'sent' ? c.green(n.status) : c.yellow(n.status), String(n.attempts), n.target ?? '', n.error ?? '']),
              ).replace(/^/gm, '  '),
            );
          }
        }),
      ),
    );

  incidents
    .command('ack <id>')
    .description('acknowledge: you are on it (PagerDuty is told; recorded in the audit log)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  studio incidents ack 12')
    .action(
      action(async (idText: string, opts: { json?: boolean }) =>
        withApp({ config: await loadConfig(), logBase: { cmd: 'incidents ack' } }, async (app) => {
          const id = parseId(idText);
          const { incident, delivery } = await (await ops()).ackIncident(app, app.config.operator, { id });
          deliveryNote(delivery, opts.json);
          if (opts.json) printJson(incident);
          else println(`#${id} acknowledged by ${incident.ackedBy}`);
        }),
      ),
    );

  incidents
    .command('resolve <id>')
    .description('resolve with a note saying what was done (PagerDuty and Slack are told; audited)')
    .requiredOption('--note <text>', 'what was done')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  studio incidents resolve 12 --note "rotated the OpenAI key"')
    .action(
      action(async (idText: string, opts: { note: string; json?: boolean }) =>
        withApp({ config: await loadConfig(), logBase: { cmd: 'incidents resolve' } }, async (app) => {
          const id = parseId(idText);
          const { incident, delivery } = await (await ops()).resolveIncident(app, app.config.operator, { id, note: opts.note });
          deliveryNote(delivery, opts.json);
          if (opts.json) printJson(incident);
          else println(`#${id} resolved by ${incident.resolvedBy}`);
        }),
      ),
    );

  incidents
    .command('open')
    .description('declare an incident by hand (P1 and P2 page; audited)')
    .requiredOption('--severity <P1..P4>', 'P1 critical (pages), P2 high (pages), P3 medium, P4 low')
    .requiredOption('--title <text>', 'what is wrong, one line')
    .option('--source <source>', 'what it is about (service:openai, budget, a host ...)', 'operator')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
The incident is notified by its severity like any other (P1/P2: PagerDuty, Slack, e-mail; P3/P4: Slack,
e-mail), unless a maintenance window covers its source. Take it with studio incidents ack ID and close it
with studio incidents resolve ID --note "...".

Examples:
  studio incidents open --severity P2 --title "Google Ads account suspended" --source service:google_ads
  studio incidents open --severity P4 --title "invoice from hosting is late" --json`,
    )
    .action(
      action(async (opts: { severity: string; title: string; source: string; json?: boolean }) =>
        withApp({ config: await loadConfig(), logBase: { cmd: 'incidents open' } }, async (app) => {
          const { incident, delivery } = await (await ops()).openIncident(app, app.config.operator, { severity: opts.severity, title: opts.title, source: opts.source });
          if (opts.json) printJson({ ...incident, delivery });
          else {
            println(`${c.green('✓')} incident #${incident.id} ${(SEVERITY_COLOUR[incident.severity] ?? String)(incident.severity)} opened: ${opts.title}`);
            println(
              incident.silenced
                ? c.dim('  silenced by a maintenance window: nobody was notified')
                : c.dim(`  notifications: ${delivery.sent} sent${delivery.failed ? `, ${delivery.failed} failed` : ''}${delivery.rateLimited ? `, ${delivery.rateLimited} rate limited` : ''}`),
            );
            deliveryNote(delivery);
          }
        }),
      ),
    );

  const maintenance = incidents.command('maintenance').description('maintenance windows: alerts from their sources are recorded but not sent');
  maintenance
    .command('open')
    .description('open a window now')
    .requiredOption('--reason <text>', 'what the maintenance is')
    .option('--sources <patterns>', 'comma-separated source patterns (service:database, job.*, *)', '*')
    .option('--for <duration>', 'how long at most (up to MAINTENANCE_WINDOW_MAX, default 7d)', '1h')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  studio incidents maintenance open --reason "PostgreSQL upgrade" --sources "service:database,service:scheduler" --for 45m\n  studio incidents maintenance close 3')
    .action(
      action(async (opts: { reason: string; sources: string; for: string; json?: boolean }) =>
        withApp({ config: await loadConfig(), logBase: { cmd: 'incidents maintenance open' } }, async (app) => {
          const window = await (await ops()).openMaintenance(app, app.config.operator, {
            reason: opts.reason,
            sources: opts.sources.split(',').map((s) => s.trim()).filter(Boolean),
            durationMs: forFlag(opts.for),
            maxDurationMs: app.config.health.maintenanceWindowMaxMs,
          });
          if (opts.json) printJson(window);
          else println(`maintenance window #${window.id} open until ${window.endsAt.toISOString()} for ${window.sources.join(', ')}`);
        }),
      ),
    );
  maintenance
    .command('close <id>')
    .description('close a window before its end')
    .addHelpText('after', '\nExample:\n  studio incidents maintenance close 3')
    .action(
      action(async (idText: string) =>
        withApp({ config: await loadConfig(), logBase: { cmd: 'incidents maintenance close' } }, async (app) => {
          const id = parseId(idText);
          await (await ops()).closeMaintenance(app, app.config.operator, { id });
          println(`maintenance window #${id} closed`);
        }),
      ),
    );
  maintenance
    .command('list')
    .description('windows open now')
    .option('--json', 'machine-readable output')
    .action(
      action(async (opts: { json?: boolean }) =>
        withApp({ config: await loadConfig(), logBase: { cmd: 'incidents maintenance list' } }, async (app) => {
          const windows = await (await ops()).listMaintenance(app);
          if (opts.json) printJson(windows);
          else if (windows.length === 0) println('no maintenance window is open');
          else println(table(['id', 'until', 'sources', 'by', 'reason'], windows.map((w) => [String(w.id), w.endsAt.toISOString(), w.sources.join(', '), w.openedBy, w.reason])));
        }),
      ),
    );
}
