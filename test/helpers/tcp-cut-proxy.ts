/**
 * A TCP proxy on 127.0.0.1:0 in front of a real server (PostgreSQL) whose path can be cut, as a database
 * restart or a dropped network path does: `cut()` resets every open connection and refuses new ones
 * (each is accepted and destroyed at once, so clients see ECONNRESET / "Connection terminated");
 * `restore()` lets new connections through again. (test/helpers/tcp-proxy.ts, on another branch, covers
 * the other failure: a path that hangs without closing.)
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface TcpCutProxy {
  port: number;
  cut(): void;
  restore(): void;
  readonly isCut: boolean;
  /** Connections refused while cut. */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startTcpCutProxy(target: { host: string; port: number }): Promise<TcpCutProxy> {
  const open = new Set<Socket>();
  let isCut = false;
  let refused = 0;
  const server: Server = createServer((client) => {
    client.on('error', () => client.destroy());
    if (isCut) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection(target);
    open.add(client).add(upstream);
    const end = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get isCut() {
      return isCut;
    },
    get refused() {
      return refused;
    },
    cut() {
      isCut = true;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    restore() {
      isCut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
