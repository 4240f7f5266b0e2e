/**
 * How much V8 compiles PGlite's WebAssembly (~10 MB of PostgreSQL) for this command's lifetime. V8 starts
 * every function with its baseline compiler (Liftoff) and recompiles hot ones with its optimising compiler
 * (TurboFan) on background threads. A command that opens the embedded database and exits within seconds
 * (`budget status`, `health`, `db migrate` with no owner running) paid for that recompilation and never
 * used it: `budget status --json` alone on an embedded home took 2.7–3.1 s of CPU, 1.5–1.7 s with Liftoff
 * only (docs/benchmarks.md). Long-lived processes (the console, the scheduler, `pipeline run`) keep both
 * tiers: they run the same statements for hours. A client of a running owner loads no WebAssembly at all.
 */
import v8 from 'node:v8';

/** Commands that run for long (their first words): they keep V8's optimising tier for PGlite. */
const LONG_LIVED: ReadonlyArray<readonly string[]> = [['console'], ['scheduler'], ['pipeline', 'run']];

/** True when the command line (process.argv) runs a long-lived command. */
export function isLongLived(argv: readonly string[]): boolean {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  return LONG_LIVED.some((prefix) => prefix.every((w, i) => words[i] === w));
}

/**
 * Liftoff only for a short command, unless Node was started with a tiering flag of its own (node
 * --no-liftoff-only ..., or in NODE_OPTIONS): an explicit choice wins. Must run before the database opens.
 */
export function chooseWasmTiers(argv: readonly string[], execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  if (isLongLived(argv)) return false;
  if ([...execArgv, ...nodeOptions.split(/\s+/)].some((flag) => /liftoff|wasm-tier|wasm-dynamic-tiering/.test(flag))) return false;
  v8.setFlagsFromString('--liftoff-only');
  return true;
}
