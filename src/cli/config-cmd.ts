/** `studio config`: the effective configuration, secrets as set / not set. */
import type { Command } from 'commander';
import type { Config } from '../core/config.js';
import { action, loadConfig } from './run.js';
import { c, printJson, println, table } from './output.js';

export interface ProviderState {
  name: string;
  configured: boolean;
  /** What runs instead when it is not configured. */
  standIn: string;
  /** The setting that turns the real service on. */
  enable: string;
}

/** Which external services are configured, and which run on their offline stand-ins. */
export function providerStates(config: Config): ProviderState[] {
  const g = config.googleAds;
  return [
    { name: 'openai', configured: Boolean(config.openai.apiKey), standIn: 'offline text, hashed embeddings (labelled offline)', enable: 'OPENAI_API_KEY' },
    { name: 'google_ads', configured: Boolean(g.developerToken && g.clientId && g.clientSecret && g.refreshToken && g.customerId), standIn: 'simulated ads account (seeded per idea)', enable: 'GOOGLE_ADS_DEVELOPER_TOKEN and the other GOOGLE_ADS_* settings' },
    { name: 'posthog', configured: Boolean(config.posthog.projectKey), standIn: 'events counted in memory; landing pages carry no key', enable: 'POSTHOG_PROJECT_KEY' },
    { name: 'slack', configured: Boolean(config.notify.slackWebhookUrl), standIn: 'incidents only in the console and the log', enable: 'SLACK_WEBHOOK_URL' },
    { name: 'email', configured: Boolean(config.notify.smtpUrl && config.notify.emailTo), standIn: 'no incident e-mail', enable: 'SMTP_URL and ALERT_EMAIL_TO' },
    { name: 'pagerduty', configured: Boolean(config.notify.pagerdutyRoutingKey), standIn: 'no pages', enable: 'PAGERDUTY_ROUTING_KEY' },
    { name: 'web_search', configured: Boolean(config.search.url), standIn: 'research uses the local evidence corpus only', enable: 'SEARCH_URL' },
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
        const config = await loadConfig();
        const { describeConfig } = await import('../core/config.js');
        const rows = describeConfig(config);
        if (opts.json) {
          printJson({
            home: config.home,
            mode: config.mode,
            providers: Object.fromEntries(providerStates(config).map((p) => [p.name, p.configured ? 'configured' : 'offline'])),
            offline: providerStates(config).filter((p) => !p.configured).map((p) => ({ name: p.name, standIn: p.standIn, enable: p.enable })),
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
        println(`\n${c.bold('services')}`);
        for (const p of providerStates(config)) {
          println(`  ${p.name.padEnd(11)} ${p.configured ? c.green('configured') : `${c.yellow('offline')}     ${p.standIn} ${c.dim(`(set ${p.enable})`)}`}`);
        }
      }),
    );
}
