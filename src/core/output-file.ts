/**
 * Where a command writes a file the operator named with `--out`, and how: a directory means "the default
 * name inside it", an existing file is replaced only with `--force`, and the file appears whole or not at
 * all (a temporary file beside it, renamed into place, removed when anything fails).
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InvalidInputError } from './errors.js';

/**
 * The file to write: `out` itself, or `defaultName` inside it when `out` is a directory (or ends in "/");
 * `defaultPath` when `out` is not given. Refuses (InvalidInputError, nothing written) an existing file
 * without `force`, and a path whose parent is a file. `what` names the command in the message.
 */
export function outputPath(what: string, out: string | undefined, defaultPath: string, options: { force?: boolean } = {}): string {
  if (out === undefined) return defaultPath;
  const defaultName = defaultPath.split(/[\\/]/).pop()!;
  const isDir = /[\\/]$/.test(out) || (existsSync(out) && statSync(out).isDirectory());
  const path = resolve(isDir ? join(out, defaultName) : out);
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) throw new InvalidInputError(`${what}: ${path} is a directory; give a file name or another --out`);
    if (!options.force) throw new InvalidInputError(`${what}: ${path} exists; add --force to replace it, or give another --out`);
  }
  const parent = dirname(path);
  if (existsSync(parent) && !statSync(parent).isDirectory()) throw new InvalidInputError(`${what}: ${parent} is not a directory`);
  return path;
}

/** Write `content` to `path` whole: a temporary file beside it renamed into place; nothing is left on failure. */
export function writeFileWhole(path: string, content: string | Uint8Array, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(temp, content, mode === undefined ? undefined : { mode });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
