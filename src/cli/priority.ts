/**
 * One-shot commands that only read lower their own CPU priority, like `nice`, so a `watch -n 1 studio
 * budget status` or a cron-driven `studio health` in another shell never takes CPU from the operator's
 * console (or the scheduler) on a small machine. Most of such a command is Node start-up: compiling
 * modules and connecting, not waiting on the database. CLI_READ_NICE sets how far (0 = not at all).
 * Only when stdout is not a terminal: output to a pipe or a file is a script, `watch` or cron; output to
 * a terminal is someone waiting for it, who keeps the priority of their shell.
 */
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
    if (nice > getPriority()) setPriority(nice);
  } catch {
    // the priority is a courtesy; the command runs either way
  }
}
