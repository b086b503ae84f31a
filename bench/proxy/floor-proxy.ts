/**
 * Floor proxies for bench/proxy-floor.ts (child process): what a Node proxy costs per request
 * with none of Switchyard's logic, to bound what a lighter server path could buy (issue 16 #3).
 * Not a proxy to run: no header rules, no errors, no limits, GET without body only.
 *
 *   FLOOR_MODE=http-undici  Node's HTTP server + one undici Agent dispatch (our I/O stack, no logic)
 *   FLOOR_MODE=raw-net      net server, the request head found by its blank line and written to a
 *                           kept-alive upstream socket, the answer (Content-Length framed) written
 *                           back: no IncomingMessage/ServerResponse, no undici, no llhttp
 * FLOOR_UPSTREAM=http://127.0.0.1:<port>. Prints {"port": N} once listening.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Agent, util, type Dispatcher } from 'undici';

const upstream = new URL(process.env['FLOOR_UPSTREAM'] ?? 'http://127.0.0.1:1');
const mode = process.env['FLOOR_MODE'] ?? 'http-undici';

function httpUndici(): net.Server {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: null, connect: { noDelay: true } });
  return http.createServer((req: IncomingMessage, res: ServerResponse) => {
    // undici's core handler interface, as proxy/src/upstream-call.ts uses; head then body
    // written as they come (writeHead + write + end, corked into one writev by Node).
    const handler = {
      onConnect: () => undefined,
      onHeaders: (statusCode: number, raw: Buffer[]) => {
        const h = util.parseHeaders(raw);
        res.writeHead(statusCode, { 'content-type': String(h['content-type'] ?? 'text/plain'), 'content-length': String(h['content-length'] ?? '0') });
        return true;
      },
      onData: (chunk: Buffer) => res.write(chunk),
      onComplete: () => res.end(),
      onError: () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      },
    };
    agent.dispatch({ origin: upstream.origin, path: '/', method: 'GET', headers: { 'x-forwarded-for': req.socket.remoteAddress ?? '' } }, handler as unknown as Dispatcher.DispatchHandler);
  });
}

/** One upstream socket per client connection; one request in flight per connection (no pipelining). */
function rawNet(): net.Server {
  const head = Buffer.from(`GET / HTTP/1.1\r\nhost: ${upstream.host}\r\n\r\n`);
  return net.createServer({ noDelay: true }, (client) => {
    const up = net.connect({ host: upstream.hostname, port: Number(upstream.port), noDelay: true });
    let reqBuf = '';
    let resBuf: Buffer = Buffer.alloc(0);
    client.on('data', (d: Buffer) => {
      reqBuf += d.toString('latin1');
      const end = reqBuf.indexOf('\r\n\r\n');
      if (end < 0) return;
      reqBuf = reqBuf.slice(end + 4);
      up.write(head);
    });
    up.on('data', (d: Buffer) => {
      resBuf = resBuf.length === 0 ? d : Buffer.concat([resBuf, d]);
      const end = resBuf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /content-length: *(\d+)/i.exec(resBuf.subarray(0, end).toString('latin1'));
      const total = end + 4 + Number(m?.[1] ?? 0);
      if (resBuf.length < total) return;
      client.write(resBuf.subarray(0, total));
      resBuf = resBuf.subarray(total);
    });
    const close = (): void => {
      client.destroy();
      up.destroy();
    };
    client.on('close', close).on('error', close);
    up.on('close', close).on('error', close);
  });
}

const server = mode === 'raw-net' ? rawNet() : httpUndici();
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, mode })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
