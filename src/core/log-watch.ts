/**
 * Follow log rotation done by another process: when the log file is renamed away (a new inode, or no
 * file), reopen it. Long-lived processes (the scheduler, the console) call this so that a rotation by
 * the `maintenance.rotate-logs` job or `studio maintenance rotate-logs` in another process does not leave
 * them writing into the rotated file. Cheap: one stat per interval, on an unref'd timer.
 */
import { statSync } from 'node:fs';

/** @param intervalMs how often to look. @default 1000 */
export function watchLogFile(file: string, reopen: () => void, intervalMs = 1_000): () => void {
  const inode = () => {
    try {
      return statSync(file).ino;
    } catch {
      return undefined;
    }
  };
  let current = inode();
  const timer = setInterval(() => {
    const now = inode();
    if (now !== current) {
      reopen();
      current = inode();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
