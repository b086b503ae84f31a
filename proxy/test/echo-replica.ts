/**
 * A replica that answers with what it received (raw URL, headers, body size), for tests of what
 * the proxy passes on.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly method: string;
  readonly rawUrl: string;
  readonly headers: IncomingHttpHeaders;
  /** Body bytes read; -1 while the body is still arriving (or never completed). */
  bodyBytes: number;
}

export interface EchoReplica {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

export async function startEchoReplica(): Promise<EchoReplica> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const r: Received = { method: req.method ?? '', rawUrl: req.url ?? '', headers: req.headers, bodyBytes: -1 };
    received.push(r);
    if (req.url === '/health') {
      res.end('ok');
      return;
    }
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      r.bodyBytes = n;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ rawUrl: r.rawUrl, headers: r.headers, bodyBytes: n }));
    });
  });
  // Every header line the proxy sends, not Node's first 1,000.
  server.maxHeadersCount = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
