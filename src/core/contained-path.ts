/**
 * Paths read back from data (a backup manifest's `file`, a catalog row, an idea's artifact path) are data,
 * not instructions: before anything reads, restores or deletes through one, it must resolve inside the
 * folder it belongs to, symbolic links included (the real path of the target, or of its nearest existing
 * parent, is compared with the real path of the folder). Otherwise it is refused with an error that says
 * what was refused and why, and the caller reports it and goes on with the rest.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AppError } from './errors.js';

/** A path from data that resolves outside its folder. Exit code 1. */
export class UnsafePathError extends AppError {
  readonly path: string;
  readonly folder: string;
  constructor(message: string, path: string, folder: string) {
    super('UNSAFE_PATH', message);
    this.path = path;
    this.folder = folder;
  }
}

/** The real path of `path`, or of its nearest existing ancestor with the rest appended. */
function realPathDeep(path: string): string {
  const rest: string[] = [];
  let current = resolve(path);
  for (;;) {
    try {
      return join(realpathSync(current), ...rest.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return resolve(path);
      rest.push(basename(current));
      current = parent;
    }
  }
}

/** Is `path` (absolute, or relative to `folder`) inside `folder` once links are followed? */
export function isInside(folder: string, path: string): boolean {
  const root = realPathDeep(folder);
  const target = realPathDeep(isAbsolute(path) ? path : join(folder, path));
  const rel = relative(root, target);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * `path` (absolute, or relative to `folder`) resolved, when it is inside `folder` with links followed;
 * else an UnsafePathError naming `what` ("the backup file of manifest X").
 */
export function resolveInside(folder: string, path: string, what: string): string {
  const full = isAbsolute(path) ? resolve(path) : resolve(folder, path);
  if (!isInside(folder, full)) {
    throw new UnsafePathError(`${what}: ${path} resolves outside ${folder} (links followed); refused, nothing read or deleted through it`, full, folder);
  }
  return full;
}
