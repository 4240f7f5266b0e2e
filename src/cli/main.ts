/**
 * `studio`: the command-line entry. A command line that names a command builds only that command's group
 * (its module loaded here, on demand), so `studio budget status` compiles the budget commands and not
 * the console's, the pipeline's or the backups'. `--version` builds no command at all; anything else
 * (`--help`, `help`, a typo) builds the whole table, whose help and suggestions need every command. Heavy modules load inside the
 * actions, so a command starts without reading the SDKs it does not use.
 */
import type { Command } from 'commander';
import { reportError } from './output.js';
import { createRootProgram } from './root.js';
import { chooseWasmTiers } from './wasm-tiers.js';

type Register = (program: Command) => void;

/**
 * The top-level command names each group registers, and how to load it, in the order `studio --help`
 * lists them. `test/cli/command-table.test.ts` checks the names against what the groups register, and
 * that every command's help is the same built alone and in the whole table.
 */
export const COMMAND_GROUPS: ReadonlyArray<{ names: readonly string[]; load: () => Promise<Register> }> = [
  { names: ['config'], load: async () => (await import('./config-cmd.js')).registerConfig },
  { names: ['db'], load: async () => (await import('./db.js')).registerDb },
  { names: ['budget'], load: async () => (await import('./budget.js')).registerBudget },
  { names: ['scheduler'], load: async () => (await import('./scheduler.js')).registerScheduler },
  { names: ['jobs'], load: async () => (await import('./jobs.js')).registerJobs },
  { names: ['maintenance'], load: async () => (await import('./maintenance.js')).registerMaintenance },
  { names: ['backup'], load: async () => (await import('./backup.js')).registerBackup },
  { names: ['health'], load: async () => (await import('./health.js')).registerHealth },
  { names: ['incidents'], load: async () => (await import('./incidents.js')).registerIncidents },
  { names: ['campaigns'], load: async () => (await import('./campaigns.js')).registerCampaigns },
  { names: ['notify'], load: async () => (await import('./notify.js')).registerNotify },
  { names: ['audit'], load: async () => (await import('./audit.js')).registerAudit },
  { names: ['logs'], load: async () => (await import('./logs.js')).registerLogs },
  { names: ['report'], load: async () => (await import('./report.js')).registerReport },
  {
    names: ['create', 'list', 'show', 'similar', 'advance', 'reset-idea', 'pipeline', 'evidence'],
    load: async () => (await import('./ideas.js')).registerIdeas,
  },
  { names: ['console'], load: async () => (await import('./console.js')).registerConsole },
];

/**
 * The program for this command line: the named command's group alone when the first argument is a
 * command, the root alone for `--version`, else every command.
 */
export async function programFor(argv: readonly string[]): Promise<Command> {
  const first = argv[2];
  // the version is the root's own option: commander prints it before it looks at any command
  if (first === '-V' || first === '--version') return createRootProgram();
  const group = first === undefined ? undefined : COMMAND_GROUPS.find((g) => g.names.includes(first));
  if (!group) return buildProgram();
  const program = createRootProgram();
  (await group.load())(program);
  return program;
}

/** The root program with every command (`--help`, `help`, an unknown command, the generated docs). */
export async function buildProgram(): Promise<Command> {
  const program = createRootProgram();
  for (const register of await Promise.all(COMMAND_GROUPS.map((g) => g.load()))) register(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  chooseWasmTiers(argv);
  try {
    await (await programFor(argv)).parseAsync(argv);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}
