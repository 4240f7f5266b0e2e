/** Runs the built `studio` command as a user would: a child process with its own environment. */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/studio.js', import.meta.url));

/**
 * Node's own options for studio's children (the CLI, test/fixtures' bundles): `node ...NODE_ARGS <script>`.
 * `--liftoff-only`: V8 compiles PGlite's wasm with its baseline compiler only. A child lives for seconds;
 * by default V8 also recompiles PGlite's hot functions with its optimizing compiler, on other threads, and
 * that costs more CPU than it saves in so short a life: an embedded `incidents list` 2.0 -> 1.2 s of CPU,
 * `backup create` 4.4 -> 2.7 s, `backup verify` 5.2 -> 3.3 s (2026-12-07, the 2-core machine). The same
 * code runs with the same results (wasm semantics do not depend on the compiler); `process.argv`, which
 * the owner's lock records, does not contain it. A one-shot studio command now makes this choice itself
 * (src/cli/wasm-tiers.ts; an explicit flag wins); here it also covers the long-lived ones the tests start
 * for seconds (scheduler, console, `pipeline run`) and the fixtures, which do not go through the CLI.
 */
export const NODE_ARGS: readonly string[] = ['--liftoff-only'];

/**
 * Spread first into a child's environment (`extendEnv` keeps the rest of the test's): no child reaches a
 * TLS server the system's CAs would vouch for (the fake servers are plain HTTP and SMTP on 127.0.0.1; the
 * one TLS test, in web-search.test.ts, runs in the test process and passes its own CA), and Node parses
 * the extra certificates file (220 kB here) at every start, ~40 ms of CPU a child.
 */
export const CHILD_ENV: Readonly<Record<string, undefined>> = { NODE_EXTRA_CA_CERTS: undefined };

/**
 * The timeout of a test that runs the CLI a few times: a process start takes 0.3-3 s on the 2-core
 * machine under load (a pipeline run or a restore takes longer: such tests state their own).
 */
export const CLI_TEST_TIMEOUT = 90_000;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export async function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const started = performance.now();
  const result = await execa(process.execPath, [...NODE_ARGS, BIN, ...args], {
    env: { ...CHILD_ENV, NO_COLOR: '1', ...options.env },
    extendEnv: true,
    cwd: options.cwd,
    input: options.input,
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
  });
  return {
    code: result.exitCode ?? -1,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    ms: performance.now() - started,
  };
}

/** Parse a command's JSON stdout, with the output in the error when it is not JSON. */
export function parseJson<T = unknown>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}
