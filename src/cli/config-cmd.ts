/** `studio config`: the effective configuration, secrets as set / not set. */
import type { Command } from 'commander';
import { describeConfig, loadConfig } from '../core/config.js';
import { action } from './run.js';
import { c, printJson, println, table } from './output.js';

/** Which external services are configured, and which run on their offline stand-ins. */
export function providerStates(config: ReturnType<typeof loadConfig>): Array<[string, boolean]> {
  return [
    ['openai', Boolean(config.openai.apiKey)],
    ['google_ads', Boolean(config.googleAds.developerToken && config.googleAds.customerId)],
    ['posthog', Boolean(config.posthog.projectKey)],
    ['slack', Boolean(config.notify.slackWebhookUrl)],
    ['email', Boolean(config.notify.smtpUrl && config.notify.emailTo)],
    ['pagerduty', Boolean(config.notify.pagerdutyRoutingKey)],
    // optional: "offline" here means research uses the local corpus only
    ['web_search', Boolean(config.search.url)],
  ];
}

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('print the effective configuration (secrets shown only as set / not set)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Examples:
  studio config                 every setting, its value and where it came from
  studio config --json | jq '.[] | select(.source != "default")'`,
    )
    .action(
      action(async (opts: { json?: boolean }) => {
        const config = loadConfig();
        const rows = describeConfig(config);
        if (opts.json) {
          printJson({
            home: config.home,
            mode: config.mode,
            providers: Object.fromEntries(providerStates(config).map(([name, on]) => [name, on ? 'configured' : 'offline'])),
            settings: rows,
          });
          return;
        }
        println(`${c.bold('studio')} home ${config.home}  mode ${c.bold(config.mode)} (${config.mode === 'server' ? 'PostgreSQL' : 'embedded PGlite'})`);
        for (const group of [...new Set(rows.map((r) => r.group))]) {
          const inGroup = rows.filter((r) => r.group === group);
          println(`\n${c.bold(group)}`);
          println(
            table(
              ['setting', 'value', 'source'],
              inGroup.map((r) => [r.env, r.value === '' || r.value === 'not set' ? c.dim(r.value || 'unset') : r.value, c.dim(r.source)]),
            ).replace(/^/gm, '  '),
          );
        }
        println('');
        for (const [name, on] of providerStates(config)) println(`${name.padEnd(11)} ${on ? c.green('configured') : c.yellow('offline')}`);
      }),
    );
}
