/**
 * Issue 13: one-shot read-only commands whose output is not a terminal lower their own CPU priority
 * (CLI_READ_NICE), so a `watch -n 1 studio budget status` in another shell does not take CPU from the
 * console; the others keep theirs. (Here stdout is not a terminal; at one, the command keeps its priority.)
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, CHILD_ENV, CLI_TEST_TIMEOUT, NODE_ARGS } from '../helpers/cli.js';

/**
 * The nice value of a running process, from /proc (field 19 of stat): the lowest of its threads' (on
 * Linux a nice belongs to a thread, and a thread left at the caller's priority still competes).
 */
function niceOf(pid: number): number | undefined {
  try {
    const nices = readdirSync(`/proc/${pid}/task`).map((task) => {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
    return Math.min(...nices);
  } catch {
    return undefined;
  }
}

/**
 * Run `studio <args>` against a database server that accepts connections and never answers, so the
 * command waits out DB_CONNECT_TIMEOUT; returns its nice value (its threads' lowest) once it waits on the database.
 */
async function niceWhileWaiting(args: string[], env: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, [...NODE_ARGS, BIN, ...args], {
    env: { ...process.env, ...CHILD_ENV, STUDIO_HOME: '/tmp/studio-priority-test', DATABASE_URL: `postgres://x@127.0.0.1:${port}/db`, DB_CONNECT_TIMEOUT: '4s', ...env },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));
  while (running) {
    // waiting for the connection: the priority is set before it, and the connection never completes
    if (connected > connectedBefore) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const nice = niceOf(child.pid!) ?? 0;
  child.kill('SIGKILL');
  await exited;
  connectedBefore = connected;
  return nice;
}

let server: Server;
let port = 0;
let connected = 0;
let connectedBefore = 0;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    connected++;
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('CPU priority of one-shot commands', () => {
  it('budget status lowers itself to CLI_READ_NICE (10 by default), 0 keeps the caller\'s; health (the monitoring probe, whose latencies must be the system\'s) and db migrate never lower', { timeout: CLI_TEST_TIMEOUT }, async () => {
    expect(await niceWhileWaiting(['budget', 'status', '--json'], {})).toBe(10);
    expect(await niceWhileWaiting(['list', '--json'], { CLI_READ_NICE: '4' })).toBe(4);
    expect(await niceWhileWaiting(['health', '--json'], {})).toBe(0);
    expect(await niceWhileWaiting(['budget', 'status', '--json'], { CLI_READ_NICE: '0' })).toBe(0);
    expect(await niceWhileWaiting(['db', 'migrate'], {})).toBe(0);
  });
});
