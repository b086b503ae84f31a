/**
 * Benchmark upstream (child process): the smallest fast HTTP/1.1 server.
 * `GET /` answers 2 bytes; `GET /sse` holds an event stream open and writes one
 * event per second to every open stream (one shared timer). Prints its port.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const streams = new Set<ServerResponse>();
const server = createServer((req, res) => {
  if ((req.url ?? '').startsWith('/sse')) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('data: hello\n\n');
    streams.add(res);
    res.once('close', () => streams.delete(res));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
  res.end('ok');
});
server.keepAliveTimeout = 60_000;
server.requestTimeout = 0;
server.headersTimeout = 0;
setInterval(() => {
  for (const s of streams) s.write('data: tick\n\n');
}, 1000).unref();
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
