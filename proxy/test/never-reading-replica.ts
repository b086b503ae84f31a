/**
 * A replica on a raw socket that answers a POST with a body from its head and never reads that
 * connection again (a handler that answers early on a server that neither drains nor closes),
 * keeping it alive: the body's bytes stay on the connection, ahead of whatever the proxy pools
 * onto it next. Anything else gets a 200 and the next head is awaited.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { APP, rawRequest, startTestProxy, type testKeys } from './harness.ts';

type TestKeys = Awaited<ReturnType<typeof testKeys>>;

export interface NeverReadingReplica {
  readonly url: string;
  /** Connections the proxy opened to it. */
  readonly accepted: () => number;
  close(): Promise<void>;
}

/** `postAnswer`: the whole HTTP/1.1 answer (head and body) a POST with a body gets. */
export async function neverReadingReplica(postAnswer: string): Promise<NeverReadingReplica> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const serve = (s: Socket): void => {
    accepted += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.slice(0, end).toLowerCase();
      buf = buf.slice(end + 4);
      const length = /content-length: *(\d+)/.exec(head);
      if (head.startsWith('post ') && length !== null && Number(length[1]) > 0) {
        s.write(postAnswer);
        s.off('data', onData);
        s.pause();
        return;
      }
      s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: keep-alive\r\n\r\n{"ok":true}');
    };
    s.on('data', onData);
  };
  const server = createServer(serve);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted: () => accepted,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A keep-alive answer of `status` with a JSON `body`. */
export function keptAliveAnswer(status: string, body: string): string {
  return `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`;
}

/**
 * `n` POSTs of `body`, one after another, through a proxy to an HTTP replica that reads each and
 * answers `status`: the statuses seen and how many connections the proxy opened to the replica.
 */
export async function postsToAReadingReplica(keys: TestKeys, n: number, body: string, status: number): Promise<{ statuses: Set<number>; connections: number }> {
  let connections = 0;
  const http = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":false}'));
  });
  http.on('connection', () => (connections += 1));
  // Node's 5 s default closes an idle kept-alive connection (undici lets it go after 4 s): one
  // pause that long on a loaded CI machine opened a third connection and failed a run.
  http.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const via = await startTestProxy({ endpoints: [{ cluster: 'c1', url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` }], jwks: keys.jwks });
  const statuses = new Set<number>();
  try {
    for (let i = 0; i < n; i++) {
      const r = await rawRequest(`http://127.0.0.1:${via.port}`, { path: `/v4/${APP}/v1/chat/completions`, headers: { 'x-switchyard-token': await keys.mint() }, body });
      statuses.add(r.status);
    }
    return { statuses, connections };
  } finally {
    await via.close();
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  }
}
