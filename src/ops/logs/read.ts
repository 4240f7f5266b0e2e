/**
 * Reading the logs: every file oldest first, filtered; the last N matches; and following the current
 * file as it grows (surviving rotation: when the file shrinks or is replaced it is read from the start).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { listLogFiles, readFileLines } from './files.js';
import { matches, parseEntry, type LogEntry, type LogFilter } from './entries.js';

/** Every matching entry across current and rotated files, oldest first; keeps only the last `tail` when given. */
export async function readLogs(logFile: string, filter: LogFilter, options: { tail?: number; onEntry?: (entry: LogEntry) => void } = {}): Promise<LogEntry[]> {
  const files = listLogFiles(logFile);
  const out: LogEntry[] = [];
  for (const file of files) {
    // a rotated file last written before `since` holds nothing newer
    if (filter.since && file.path !== logFile && file.mtimeMs < filter.since.getTime()) continue;
    for await (const line of readFileLines(file)) {
      const entry = parseEntry(line);
      if (!matches(entry, filter)) continue;
      if (options.onEntry) options.onEntry(entry);
      else {
        out.push(entry);
        if (options.tail && out.length > options.tail * 2) out.splice(0, out.length - options.tail);
      }
    }
  }
  return options.tail ? out.slice(-options.tail) : out;
}

/** Call `onEntry` for each new matching line appended to the file until `signal` aborts. Polls every `intervalMs`. */
export async function followLog(logFile: string, filter: LogFilter, onEntry: (entry: LogEntry) => void, options: { signal: AbortSignal; intervalMs?: number }): Promise<void> {
  let position = safeSize(logFile);
  let inode = safeInode(logFile);
  let partial = '';
  while (!options.signal.aborted) {
    // one abort listener per wait, removed when the wait ends by time: following for hours adds none
    await new Promise<void>((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        options.signal.removeEventListener('abort', onAbort);
        resolve();
      }, options.intervalMs ?? 500);
      options.signal.addEventListener('abort', onAbort, { once: true });
    });
    const size = safeSize(logFile);
    const currentInode = safeInode(logFile);
    if (currentInode !== inode || size < position) {
      // rotated: the file was moved away and a new one started
      position = 0;
      partial = '';
      inode = currentInode;
    }
    if (size <= position) continue;
    const fd = openSync(logFile, 'r');
    try {
      const buffer = Buffer.alloc(size - position);
      readSync(fd, buffer, 0, buffer.length, position);
      position = size;
      const text = partial + buffer.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line) continue;
        const entry = parseEntry(line);
        if (matches(entry, filter)) onEntry(entry);
      }
    } finally {
      closeSync(fd);
    }
  }
}

function safeSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function safeInode(path: string): number {
  try {
    return statSync(path).ino;
  } catch {
    return -1;
  }
}
