/** `studio notify test`: send a test message through each configured channel and say what each answered. */
import type { Command } from 'commander';
import { action, withApp } from './run.js';
import { c, printJson, println, table } from './output.js';

export function registerNotify(program: Command): void {
  const notify = program.command('notify').description('notification channels (Slack, e-mail, PagerDuty)');
  notify
    .command('test')
    .description('send a test message through each configured channel (or one) and say what each answered; audited')
    .option('--channel <channel>', 'only slack, email or pagerduty')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
The message is a P4 "[test] ... no action needed". On PagerDuty the test alert is triggered and resolved
at once, so nobody is paged. Exit 0 when every channel tried accepted it, 1 when one failed or none is
configured (the message names the settings: SLACK_WEBHOOK_URL, SMTP_URL + ALERT_EMAIL_TO, PAGERDUTY_ROUTING_KEY).

Examples:
  studio notify test
  studio notify test --channel pagerduty
  studio notify test --json | jq '.[] | select(.ok == false)'`,
    )
    .action(
      action(async (opts: { channel?: string; json?: boolean }) =>
        withApp({ logBase: { cmd: 'notify test' } }, async (app) => {
          const { testNotifications } = await import('../app/operations/notify.js');
          const results = await testNotifications(app, app.config.operator, { channel: opts.channel });
          if (opts.json) printJson(results);
          else {
            println(
              table(
                ['channel', 'to', '', 'took', 'answer'],
                results.map((r) => [r.channel, r.target, r.ok ? c.green('✓') : c.red('✗'), `${r.ms} ms`, r.answer]),
                { align: ['left', 'left', 'left', 'right', 'left'] },
              ),
            );
          }
          return results.every((r) => r.ok) ? 0 : 1;
        }),
      ),
    );
}
