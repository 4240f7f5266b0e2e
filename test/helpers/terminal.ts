/**
 * A TTY for Ink and the console's screen writer (src/ui/screen.ts): any size, every write recorded and
 * followed by a 'data' event, so a test can wait for output.
 */
import { EventEmitter } from 'node:events';

export class FakeTerminal extends EventEmitter {
  isTTY = true;
  writes: string[] = [];
  constructor(
    public columns = 160,
    public rows = 48,
  ) {
    super();
  }
  write = (data: string) => {
    this.writes.push(String(data));
    this.emit('data');
    return true;
  };
}

/** The rows a write moved to (`ESC [ row ; col H`). */
// eslint-disable-next-line no-control-regex
export const rowsOf = (write: string) => [...write.matchAll(/\x1b\[(\d+);\d+H/g)].map((m) => Number(m[1]));
