/**
 * A stdin for driving Ink without a terminal: a TTY in raw mode whose `write(keys)` is read as typed
 * input. Used by the console tests and the console bench.
 */
import { EventEmitter } from 'node:events';

export class FakeKeyboard extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(data: string) {
    this.data = data;
    this.emit('readable');
  }
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}
