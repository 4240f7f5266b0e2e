/**
 * One-shot commands that only read run as background work, like `nice`, so a `watch -n 1 studio budget
 * status` or a cron-driven `studio budget check` in another shell never takes CPU from the operator's
 * console (or the scheduler) on a small machine. Most of such a command is Node start-up: compiling
 * modules and connecting, not waiting on the database. CLI_READ_NICE sets how far (0 = not at all).
 * Only when stdout is not a terminal: output to a pipe or a file is a script, `watch` or cron; output to
 * a terminal is someone waiting for it, who keeps the priority of their shell.
 *
 * `studio` (bin/studio, the launcher) applies this rule before Node starts, for the whole process and
 * with SCHED_IDLE as well: this hook is the rest of it, for a command run as `node bin/studio.js` and for
 * a CLI_READ_NICE the launcher leaves to the settings (one in STUDIO_HOME/.env). It lowers the nice of
 * every thread the process has (on Linux a nice belongs to a thread, and V8's were started already).
 */
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from './run.js';

/**
 * The commands that lower their priority: the read-only ones that end by themselves. Not `health`: it is
 * the monitoring probe, and the latencies and timeouts it reports must be the system's, not a wait for
 * CPU it gave away (a niced probe on a busy machine would report a slow database). Not `db psql` (an
 * interactive session, and psql would inherit the priority) nor `logs` (`--follow` runs until stopped).
 */
export const NICE_COMMANDS = new Set([
  'db status', 'budget status', 'budget check', 'budget history', 'list', 'show', 'similar', 'report performance',
  'jobs list', 'jobs history', 'incidents list', 'incidents show', 'incidents maintenance list', 'backup list', 'pipeline status',
  'evidence status', 'config',
]);

/** `budget status` for the command commander is about to run (its names below the program's). */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Lower this process's priority to CLI_READ_NICE when `command` is one of NICE_COMMANDS and its output
 * does not go to a terminal. Never raises it
 * (a command started under `nice -n 15` stays there). A configuration that does not load, or a system
 * that refuses, changes nothing here: the command itself reports a bad configuration.
 */
export async function lowerPriorityFor(command: string): Promise<void> {
  if (!NICE_COMMANDS.has(command) || process.stdout.isTTY) return;
  try {
    const nice = (await loadConfig()).cli.readNice;
    if (nice > getPriority()) for (const thread of threads()) lowerThread(thread, nice);
  } catch {
    // the priority is a courtesy; the command runs either way
  }
}

/** This process's threads (Linux: /proc/self/task), or the process alone where there is no such list. */
function threads(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [0];
  }
}

function lowerThread(thread: number, nice: number): void {
  try {
    if (nice > getPriority(thread)) setPriority(thread, nice);
  } catch {
    // a thread that ended since the list was read
  }
}
