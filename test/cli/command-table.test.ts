/**
 * A command line that names a command builds only that command's group (main.ts, COMMAND_GROUPS); the
 * whole table (program.ts) serves `--help` and anything unknown. The two must not drift: every top-level
 * command is in exactly one group, and every command's help, usage errors and suggestions are the same
 * whichever way the program was built.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, COMMAND_GROUPS, programFor } from '../../src/cli/main.js';
import { BIN, runCli } from '../helpers/cli.js';

const argvFor = (...args: string[]) => ['node', 'studio', ...args];

/** Every command below `command`, with its path of names. */
function walk(command: Command, path: string[] = []): Array<{ path: string[]; command: Command }> {
  return command.commands.flatMap((sub) => [{ path: [...path, sub.name()], command: sub }, ...walk(sub, [...path, sub.name()])]);
}

describe('the command table', () => {
  it('names each top-level command in exactly one group, and a group registers exactly its names', async () => {
    const whole = (await buildProgram()).commands.map((c) => c.name());
    const grouped = COMMAND_GROUPS.flatMap((g) => g.names);
    expect([...grouped].sort()).toEqual([...whole].sort());
    expect(new Set(grouped).size).toBe(grouped.length);
    for (const group of COMMAND_GROUPS) {
      const partial = await programFor(argvFor(group.names[0]!));
      expect(partial.commands.map((c) => c.name())).toEqual(whole.filter((name) => group.names.includes(name)));
    }
  });

  it('builds only the named group for a known command, and everything otherwise', async () => {
    expect((await programFor(argvFor('budget', 'status'))).commands.map((c) => c.name())).toEqual(['budget']);
    const all = (await buildProgram()).commands.length;
    expect((await programFor(argvFor('--version'))).commands).toEqual([]);
    for (const argv of [argvFor(), argvFor('--help'), argvFor('-h'), argvFor('help', 'budget'), argvFor('budgte'), argvFor('toString')]) {
      expect((await programFor(argv)).commands.length, argv.join(' ')).toBe(all);
    }
  });

  it('gives every command the same help as the whole table does', async () => {
    const whole = walk(await buildProgram());
    expect(whole.length).toBeGreaterThan(60);
    for (const { path } of whole) {
      const partial = walk(await programFor(argvFor(...path))).find((c) => c.path.join(' ') === path.join(' '));
      const expected = whole.find((c) => c.path.join(' ') === path.join(' '))!.command.helpInformation();
      expect(partial?.command.helpInformation(), path.join(' ')).toBe(expected);
    }
  });

  it('the built CLI answers help, a typo and a wrong subcommand as before', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout.startsWith((await buildProgram()).helpInformation())).toBe(true);
    expect(top.stdout).toContain('studio <command> --help');
    const sub = await runCli(['budget', 'status', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/^Usage: studio budget status \[options\]/);
    expect(sub.stdout).toContain('watch -n 30 studio budget status');
    const typo = await runCli(['budget', 'statsu']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain("error: unknown command 'statsu'");
    expect(typo.stderr).toContain('(Did you mean status?)');
    const version = await runCli(['--version']);
    expect([version.code, version.stdout]).toEqual([0, (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version]);
    const unknown = await runCli(['budgte']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('(Did you mean budget?)');
    expect(BIN).toMatch(/bin\/studio\.js$/);
  }, 60_000);
});
