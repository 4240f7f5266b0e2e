/**
 * The demo backend (src/app/demo) as the console's tests use it: every call it answers is recorded
 * (method and arguments), so a test can ask what the console did. The recording is test
 * instrumentation only; the demo itself records nothing.
 */
import type { ConsoleApi } from '../../src/core/console-api.js';
import { createDemoBackend, type DemoBackendOptions } from '../../src/app/demo/backend.js';

/** One call the api answered: method and arguments (progress callbacks left out). */
export interface DemoCall {
  method: string;
  args: unknown[];
}

export type DemoApi = ConsoleApi & { calls: DemoCall[] };
export type DemoApiOptions = DemoBackendOptions;

/** `api` with every method recorded in `calls` when it is called (before it runs), in call order. */
export function recordCalls<A extends ConsoleApi>(api: A): A & { calls: DemoCall[] } {
  const calls: DemoCall[] = [];
  const recorded = { ...api, calls } as A & { calls: DemoCall[] };
  for (const [method, value] of Object.entries(api)) {
    if (typeof value !== 'function') continue;
    (recorded as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      calls.push({ method, args: args.filter((arg) => typeof arg !== 'function') });
      return (value as (...a: unknown[]) => unknown).apply(api, args);
    };
  }
  return recorded;
}

/** The demo backend with its calls recorded. */
export function createDemoApi(options: DemoApiOptions = {}): DemoApi {
  return recordCalls(createDemoBackend(options));
}
