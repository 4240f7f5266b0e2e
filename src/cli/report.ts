/** `studio report performance`: the monthly performance report as Markdown or HTML (with charts). */
import type { Command } from 'commander';
import { InvalidInputError } from '../core/errors.js';
import { action, loadConfig, withApp } from './run.js';
import { printJson, println } from './output.js';

export function registerReport(program: Command): void {
  const report = program.command('report').description('reports written under STUDIO_REPORTS_DIR');
  report
    .command('performance')
    .description('pipeline throughput, completion and stage times, gate pass rates, spend, provider latencies, KPIs, incidents')
    .option('--days <n>', 'period in days', '30')
    .option('--format <format>', 'md or html (html has charts)', 'md')
    .option('--out <file>', 'write here instead of reports/performance-<date>-<days>d.<format> (a directory: that name inside it)')
    .option('--force', 'replace the --out file if it exists')
    .option('--json', 'print the report data as JSON (nothing written)')
    .addHelpText(
      'after',
      `
Examples:
  studio report performance --days=30
  studio report performance --days=7 --format html --out /tmp/week.html
  studio report performance --out /srv/reports/           the default name, in that directory
  studio report performance --out week.md --force         replace week.md
  studio report performance --json | jq .stages`,
    )
    .action(
      action(async (opts: { days: string; format: string; out?: string; force?: boolean; json?: boolean }) => {
        const days = Number(opts.days);
        if (!Number.isInteger(days) || days < 1 || days > 3650) throw new InvalidInputError(`report: --days must be a whole number from 1 to 3650 (got "${opts.days}")`);
        if (opts.format !== 'md' && opts.format !== 'html') throw new InvalidInputError(`report: --format must be md or html (got "${opts.format}")`);
        const format = opts.format;
        return withApp({ config: await loadConfig(), logBase: { cmd: 'report performance' } }, async (app) => {
          const { buildPerformanceReport, writePerformanceReport } = await import('../ops/reports/performance.js');
          if (opts.json) {
            printJson(await buildPerformanceReport(app.db, { days }));
            return;
          }
          const { path } = await writePerformanceReport(app.db, app.config, { days, format, out: opts.out, force: opts.force });
          app.logger.info({ path, days, format }, 'report: performance report written');
          println(`performance report for the last ${days} days written to ${path}`);
        });
      }),
    );
}
