/**
 * Benchmark upstream (child process): the smallest fast HTTP/1.1 server.
 * `GET /` answers 2 bytes; `GET /sse` holds an event stream open and writes one
 * event per second to every open stream (one shared timer). Prints its port.
 * BENCH_UPSTREAM_H2C=1: the same port also speaks cleartext HTTP/2 (prior knowledge), told
 * apart by the client's first bytes, for proxies configured `PROXY_UPSTREAM_PROTOCOLS=*=h2`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';

interface Res {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string): unknown;
  end(chunk: string): unknown;
  once(event: 'close', f: () => void): unknown;
}

const streams = new Set<Res>();
function handle(req: { url?: string | undefined }, res: Res): void {
  if ((req.url ?? '').startsWith('/sse')) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('data: hello\n\n');
    streams.add(res);
    res.once('close', () => streams.delete(res));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
  res.end('ok');
}
const server = createServer((req: IncomingMessage, res: ServerResponse) => handle(req, res));
server.keepAliveTimeout = 60_000;
server.requestTimeout = 0;
server.headersTimeout = 0;
setInterval(() => {
  for (const s of streams) s.write('data: tick\n\n');
}, 1000).unref();

const PREFACE = Buffer.from('PRI * HTTP/2.0');
const h2 =
  process.env['BENCH_UPSTREAM_H2C'] === '1'
    ? http2.createServer({ settings: { maxConcurrentStreams: 100_000 } }, (req, res) => handle(req, res))
    : null;
const front =
  h2 === null
    ? server
    : // Nagle off, as Node's HTTP server does for its own sockets (HTTP/2 frames would wait for ACKs).
      net.createServer({ noDelay: true }, (socket) => {
        socket.once('data', (first: Buffer) => {
          socket.pause();
          socket.unshift(first);
          // One read holds the whole 24-byte preface on loopback.
          if (first.subarray(0, PREFACE.length).equals(PREFACE)) h2.emit('connection', socket);
          else {
            server.emit('connection', socket);
            socket.resume();
          }
        });
      });
front.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ port: (front.address() as AddressInfo).port })}\n`);
});
