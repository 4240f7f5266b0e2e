/**
 * Issue 13: `studio` (bin/studio, the launcher) starts a read-only one-shot command whose output is not
 * a terminal as background work, before Node starts: SCHED_IDLE and nice CLI_READ_NICE for the whole
 * process (Node's own start-up is half of a poller's CPU). Its decisions are checked with a stand-in
 * `node` first on PATH that prints the priority it was started with; the last test runs the real one.
 */
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NICE_COMMANDS } from '../../src/cli/priority.js';
import { SETTINGS } from '../../src/core/config-settings.js';
import { CHILD_ENV, CLI_TEST_TIMEOUT } from '../helpers/cli.js';

const LAUNCHER = fileURLToPath(new URL('../../bin/studio', import.meta.url));
const SCHED_IDLE = 5;

let dir: string;
let fakeBin: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'studio-launcher-'));
  fakeBin = join(dir, 'bin');
  mkdirSync(fakeBin);
  // the stand-in for node: its nice (stat field 19), its policy (field 41) and its arguments
  writeFileSync(join(fakeBin, 'node'), '#!/bin/sh\nset -- "$(cut -d" " -f19,41 /proc/$$/stat)" "$@"\necho "$*"\n');
  chmodSync(join(fakeBin, 'node'), 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `studio <args>` through the launcher with the stand-in node: "<nice> <policy> <script> <args...>". */
async function started(args: string[], env: Record<string, string> = {}, home = join(dir, 'home')): Promise<string> {
  // run in `dir`: a relative STUDIO_HOME is below it
  mkdirSync(resolve(dir, home), { recursive: true });
  const { stdout } = await execa(LAUNCHER, args, { cwd: dir, env: { PATH: `${fakeBin}:${process.env.PATH}`, STUDIO_HOME: home, ...env }, extendEnv: false });
  return stdout;
}

describe('the studio launcher', () => {
  it('starts read-only commands whose output is not a terminal at SCHED_IDLE and nice 10, every other command at the caller\'s priority, with its arguments unchanged', async () => {
    const bin = LAUNCHER.replace(/studio$/, 'studio.js');
    expect(await started(['budget', 'status', '--json'])).toBe(`10 ${SCHED_IDLE} ${bin} budget status --json`);
    expect(await started(['incidents', 'maintenance', 'list'])).toBe(`10 ${SCHED_IDLE} ${bin} incidents maintenance list`);
    expect(await started(['show', '42', '--json'])).toBe(`10 ${SCHED_IDLE} ${bin} show 42 --json`);
    // the monitoring probe, writers, long-lived commands and help for everything keep the caller's
    for (const args of [['health', '--json'], ['create', '--title', 'a b'], ['console'], ['scheduler'], ['db', 'migrate'], ['budget'], ['--help'], []]) {
      expect(await started(args)).toBe(`0 0 ${bin}${args.length ? ` ${args.join(' ')}` : ''}`);
    }
  });

  it('follows CLI_READ_NICE from the environment (0 = the caller\'s priority), and leaves one in STUDIO_HOME/.env or a bad one to studio', async () => {
    expect(await started(['list'], { CLI_READ_NICE: '4' })).toMatch(new RegExp(`^4 ${SCHED_IDLE} `));
    expect(await started(['list'], { CLI_READ_NICE: '0' })).toMatch(/^0 0 /);
    expect(await started(['list'], { CLI_READ_NICE: 'high' })).toMatch(/^0 0 /);
    expect(await started(['list'], { CLI_READ_NICE: '25' })).toMatch(/^0 0 /);
    // too long for the shell's arithmetic: left to studio without a word from the shell
    const { stdout, stderr } = await execa(LAUNCHER, ['list'], { cwd: dir, env: { PATH: `${fakeBin}:${process.env.PATH}`, STUDIO_HOME: join(dir, 'home'), CLI_READ_NICE: '9'.repeat(30) }, extendEnv: false });
    expect([stdout.slice(0, 4), stderr]).toEqual(['0 0 ', '']);
    const home = join(dir, 'home-env');
    mkdirSync(home);
    writeFileSync(join(home, '.env'), 'LOG_LEVEL=warn\nCLI_READ_NICE=0\n');
    expect(await started(['list'], {}, home)).toMatch(/^0 0 /);
    // the environment wins over the file, as in the settings
    expect(await started(['list'], { CLI_READ_NICE: '7' }, home)).toMatch(new RegExp(`^7 ${SCHED_IDLE} `));
    writeFileSync(join(home, '.env'), 'LOG_LEVEL=warn\n');
    expect(await started(['list'], {}, home)).toMatch(new RegExp(`^10 ${SCHED_IDLE} `));
    // a STUDIO_HOME whose name starts with a dash is a path, not an option to grep
    const dashed = join(dir, '-n home');
    mkdirSync(dashed);
    writeFileSync(join(dashed, '.env'), 'CLI_READ_NICE=0\n');
    expect(await started(['list'], {}, '-n home')).toMatch(/^0 0 /);
  });

  it('keeps the caller\'s priority when its output is a terminal (someone is waiting for it)', async () => {
    const { stdout } = await execa('script', ['-qec', `${LAUNCHER} budget status --json`, '/dev/null'], {
      env: { PATH: `${fakeBin}:${process.env.PATH}`, STUDIO_HOME: join(dir, 'home') },
      extendEnv: false,
    });
    expect(stdout.trim()).toMatch(/^0 0 \S+studio\.js budget status --json$/);
  });

  it('works through a symlink, as npm links it, from a directory with a space in its name', async () => {
    mkdirSync(join(dir, 'global bin'));
    const link = join(dir, 'global bin', 'studio');
    await execa('ln', ['-s', LAUNCHER, link]);
    const { stdout } = await execa(link, ['list'], { env: { PATH: `${fakeBin}:${process.env.PATH}`, STUDIO_HOME: join(dir, 'home') }, extendEnv: false });
    expect(stdout).toBe(`10 ${SCHED_IDLE} ${LAUNCHER.replace(/studio$/, 'studio.js')} list`);
  });

  it('has the same command list and default as studio itself', () => {
    const script = readFileSync(LAUNCHER, 'utf8');
    const listed = [...script.matchAll(/'([a-z ]+) '\*/g)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(NICE_COMMANDS);
    expect(script).toContain(`wanted=${SETTINGS.find((s) => s.env === 'CLI_READ_NICE')!.default} `);
  });
});

describe('the studio launcher with the real node', () => {
  let server: Server;
  let port = 0;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    // a database server that accepts connections and never answers: the command waits on it
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('every thread of a polling budget status runs at SCHED_IDLE and nice 10 while it waits on the database', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const child = spawn(LAUNCHER, ['budget', 'status', '--json'], {
      env: { ...process.env, ...CHILD_ENV, STUDIO_HOME: join(dir, 'home'), DATABASE_URL: `postgres://x@127.0.0.1:${port}/db`, DB_CONNECT_TIMEOUT: '20s' },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      while (sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const threads = readdirSync(`/proc/${child.pid}/task`).map((task) => {
        const stat = readFileSync(`/proc/${child.pid}/task/${task}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return `${fields[16]} ${fields[38]}`;
      });
      expect(threads.length).toBeGreaterThan(1);
      expect(new Set(threads)).toEqual(new Set([`10 ${SCHED_IDLE}`]));
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });
});
