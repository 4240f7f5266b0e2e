import { EventEmitter } from 'node:events';

/** A 160x48 TTY for Ink that writes nowhere and says 'frame' at every write (the benches' stdout). */
export class Terminal extends EventEmitter {
  isTTY = true;
  columns = 160;
  rows = 48;
  write = (_data: string) => {
    this.emit('frame');
    return true;
  };
}
