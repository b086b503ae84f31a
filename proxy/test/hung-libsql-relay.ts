/**
 * A TCP relay in front of a real libSQL server that can play a hung one: while `hang` is set it
 * accepts connections and never answers (a stuck server, a half-open connection); otherwise it
 * forwards them. Setting `hang` closes the connections it forwarded (a client's pooled keep-alive
 * connection would otherwise bypass the hang). Connections it holds are destroyed on close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { startHranaServer } from '../../control/hrana/server.ts';
import { migrate } from '../../control/store/index.ts';
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

export interface LibsqlBehindRelay {
  /** Straight to the server: the test's own reads and seeding. */
  readonly direct: Client;
  /** In front of the same server: what the code under test is given (`relay.url`). */
  readonly relay: HungRelay;
  close(): Promise<void>;
}

/** The project's libSQL server on a fresh migrated file, with a relay in front of it (hung from the start). */
export async function startLibsqlBehindRelay(prefix: string): Promise<LibsqlBehindRelay> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const server = await startHranaServer({ dbPath: join(dir, 'db.sqlite'), port: 0 });
  const direct = createClient({ url: server.url });
  await migrate(direct, { now: 1 });
  const relay = await startRelay({ host: '127.0.0.1', port: server.port });
  return {
    direct,
    relay,
    close: async () => {
      await relay.close();
      direct.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
