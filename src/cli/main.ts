/**
 * `studio`: the command-line entry. Each command group registers itself; heavy modules load inside the
 * actions, so `studio db status` starts without reading the SDKs it does not use.
 */
import { Command } from 'commander';
import { packageVersion } from '../core/package-root.js';
import { registerConfig } from './config-cmd.js';
import { registerDb } from './db.js';
import { registerBudget } from './budget.js';
import { registerJobs } from './jobs.js';
import { registerMaintenance } from './maintenance.js';
import { registerScheduler } from './scheduler.js';
import { registerBackup } from './backup.js';
import { registerHealth } from './health.js';
import { registerIncidents } from './incidents.js';
import { registerLogs } from './logs.js';
import { registerReport } from './report.js';
import { registerIdeas } from './ideas.js';
import { registerConsole } from './console.js';
import { registerCampaigns } from './campaigns.js';
import { registerAudit } from './audit.js';
import { registerNotify } from './notify.js';
import { reportError } from './output.js';
import { commandPath, lowerPriorityFor } from './priority.js';
import { visibleControls } from '../core/terminal-text.js';

export function buildProgram(): Command {
  const program = new Command('studio')
    .description('studio: the AI startup studio pipeline, its scheduler and its operator console')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    // commander echoes the offending argument: shown with its control characters visible
    .configureOutput({ outputError: (text, write) => write(visibleControls(text)) })
    .configureHelp({ sortSubcommands: false })
    // before the action loads its modules and connects: that is most of a one-shot command's CPU
    .hook('preAction', (_program, action) => lowerPriorityFor(commandPath(action)))
    .addHelpText(
      'after',
      `
Configuration comes from the environment and STUDIO_HOME/.env (see studio config).
With DATABASE_URL unset, studio runs on the embedded database in STUDIO_HOME/data/pglite.

Examples:
  studio console                               the operator console (npm start)
  studio create --file examples/ideas.jsonl    submit the sample ideas
  studio pipeline run --until-idle             run the pipeline here until nothing is due
  studio budget status --detailed              spend, reserved money, burn rate, top operations
  studio health; echo $?                       0 healthy, 1 warning, 2 critical (cron-able)
  studio db status                             is the database reachable and migrated?
  studio config                                what is configured, what runs offline
  studio <command> --help                      every command's options and examples`,
    );
  registerConfig(program);
  registerDb(program);
  registerBudget(program);
  registerScheduler(program);
  registerJobs(program);
  registerMaintenance(program);
  registerBackup(program);
  registerHealth(program);
  registerIncidents(program);
  registerCampaigns(program);
  registerNotify(program);
  registerAudit(program);
  registerLogs(program);
  registerReport(program);
  registerIdeas(program);
  registerConsole(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}
