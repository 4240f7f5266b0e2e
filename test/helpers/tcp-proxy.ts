/**
 * A TCP proxy on 127.0.0.1:0 in front of a real server (PostgreSQL) that can stop answering, as a
 * database host does under `kill -STOP` or a dead network path: `hang()` keeps every connection open but
 * passes nothing either way (and new connections are accepted and left waiting); `resume()` lets it flow.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Stop passing bytes (both ways, all connections, new ones too). */
  hang(): void;
  resume(): void;
  readonly hung: boolean;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let hung = false;
  const waiting: Array<() => void> = [];
  const flushers = new Set<() => void>();

  const server: Server = createServer((client) => {
    const connect = () => {
      const upstream = createConnection(target);
      const pair: [Socket, Socket] = [client, upstream];
      pairs.add(pair);
      // bytes are held (not dropped) while hung, and delivered in order on resume
      const forward = (from: Socket, to: Socket) => {
        const held: Buffer[] = [];
        from.on('data', (chunk: Buffer) => {
          if (hung || held.length > 0) held.push(chunk);
          else to.write(chunk);
        });
        flushers.add(() => {
          for (const chunk of held.splice(0)) to.write(chunk);
        });
      };
      forward(client, upstream);
      forward(upstream, client);
      const end = () => {
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    };
    client.on('error', () => client.destroy());
    if (hung) waiting.push(connect);
    else connect();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get hung() {
      return hung;
    },
    hang() {
      hung = true;
    },
    resume() {
      hung = false;
      for (const flush of flushers) flush();
      for (const connect of waiting.splice(0)) connect();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
