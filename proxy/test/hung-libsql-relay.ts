/**
 * A TCP relay in front of a real libSQL server that can play a hung one: while `hang` is set it
 * accepts connections and never answers (a stuck server, a half-open connection); otherwise it
 * forwards them. Setting `hang` closes the connections it forwarded (a client's pooled keep-alive
 * connection would otherwise bypass the hang). Connections it holds are destroyed on close.
 */
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface HungRelay {
  readonly url: string;
  hang: boolean;
  /** Connections held unanswered right now. */
  readonly held: ReadonlySet<Socket>;
  close(): Promise<void>;
}

export async function startRelay(target: { host: string; port: number }, hang = true): Promise<HungRelay> {
  const held = new Set<Socket>();
  const open = new Set<Socket>();
  const forwarded = new Set<Socket>();
  let hanging = hang;
  const server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => (open.delete(socket), held.delete(socket)));
    socket.on('error', () => socket.destroy());
    if (hanging) {
      held.add(socket);
      socket.resume();
      return;
    }
    const up = connect(target.port, target.host);
    open.add(up);
    forwarded.add(socket);
    socket.on('close', () => forwarded.delete(socket));
    up.on('close', () => (open.delete(up), socket.destroy()));
    up.on('error', () => up.destroy());
    socket.on('close', () => up.destroy());
    socket.pipe(up).pipe(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const relay: HungRelay = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get hang() {
      return hanging;
    },
    set hang(on: boolean) {
      hanging = on;
      if (on) for (const s of forwarded) s.destroy();
    },
    held,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
  return relay;
}
