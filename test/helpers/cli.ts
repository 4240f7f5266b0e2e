/** Runs the built `studio` command as a user would: a child process with its own environment. */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/studio.js', import.meta.url));

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
  const result = await execa(process.execPath, [BIN, ...args], {
    env: { NO_COLOR: '1', ...options.env },
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
