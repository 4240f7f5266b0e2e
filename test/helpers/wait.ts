/**
 * Waiting in tests: the one polling helper. Prefer awaiting the event itself (a promise, a fake's
 * `waitFor(count)`, a child's exit); poll only for state that announces nothing (a row, a file, a pane).
 */

export interface WaitOptions {
  /** Give up after this long. @default 10_000 */
  timeoutMs?: number;
  /** Time between probes. @default 25 */
  intervalMs?: number;
  /** Appended to the error on timeout (the last state seen, a pane, a log). */
  detail?: () => string;
}

/**
 * Probe until it returns a truthy value and return that value; throws `timed out after N ms waiting for
 * <what>` (plus `detail()`) when it never does. A probe that throws fails the wait at once.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 25 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) {
      const detail = options.detail?.();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `:\n${detail}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
