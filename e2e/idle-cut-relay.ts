/**
 * A TCP relay that behaves like Cloudflare in front of a proxied origin: a connection on which
 * no byte flowed either way for `idleCutMs` is cut (Cloudflare's is 100 s; tests shrink it).
 * Put in front of the edge, it makes "a stream that sends nothing for a while" observable.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface IdleCutRelay {
  readonly url: string;
  /** Connections the relay cut for idleness. */
  readonly cuts: () => number;
  close(): Promise<void>;
}

export async function startIdleCutRelay(target: string, idleCutMs: number): Promise<IdleCutRelay> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let cuts = 0;
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    let timer = setTimeout(cut, idleCutMs);
    function cut(): void {
      cuts += 1;
      client.destroy();
      upstream.destroy();
    }
    const touch = (): void => {
      clearTimeout(timer);
      timer = setTimeout(cut, idleCutMs);
    };
    client.on('data', touch);
    upstream.on('data', touch);
    client.pipe(upstream);
    upstream.pipe(client);
    const stop = (): void => clearTimeout(timer);
    client.once('close', () => (stop(), upstream.destroy()));
    upstream.once('close', () => (stop(), client.destroy()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    cuts: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
