/**
 * The root `studio` program without its commands: description, version, help text, error output and the
 * priority hook. The command groups register themselves on it (`main.ts`: all of them, or the
 * one a command line names).
 */
import { Command } from 'commander';
import { packageVersion } from '../core/package-root.js';
import { commandPath, lowerPriorityFor } from './priority.js';
import { visibleControls } from '../core/terminal-text.js';

export function createRootProgram(): Command {
  return new Command('studio')
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
}
