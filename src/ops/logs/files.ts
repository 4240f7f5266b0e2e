/**
 * The log files: the current `pipeline.log` and its rotations beside it (`pipeline.log.1`,
 * `pipeline.log.2.gz`, `pipeline.log.20260101.gz` ...), read oldest first, gzip transparently.
 */
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

export interface LogFile {
  path: string;
  mtimeMs: number;
  size: number;
  gzip: boolean;
}

/** Rotated files (oldest first, by modification time) then the current file. */
export function listLogFiles(logFile: string): LogFile[] {
  const dir = dirname(logFile);
  const name = basename(logFile);
  if (!existsSync(dir)) return [];
  const rotated = readdirSync(dir)
    .filter((f) => f.startsWith(`${name}.`) && f !== name)
    .map((f) => join(dir, f))
    .map((path) => ({ path, stat: statSync(path) }))
    .filter((f) => f.stat.isFile())
    .map((f) => ({ path: f.path, mtimeMs: f.stat.mtimeMs, size: f.stat.size, gzip: f.path.endsWith('.gz') }))
    .sort((a, b) => a.mtimeMs - b.mtimeMs || b.path.localeCompare(a.path));
  const current = existsSync(logFile) ? [{ path: logFile, mtimeMs: statSync(logFile).mtimeMs, size: statSync(logFile).size, gzip: false }] : [];
  return [...rotated, ...current];
}

/** Lines of one file, decompressing .gz. */
export async function* readFileLines(file: LogFile): AsyncGenerator<string> {
  const raw = createReadStream(file.path);
  const stream = file.gzip ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of lines) if (line.length > 0) yield line;
  } finally {
    lines.close();
    raw.destroy();
  }
}
