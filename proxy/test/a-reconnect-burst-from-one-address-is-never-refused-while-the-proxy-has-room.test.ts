/**
 * A burst of new connections from one address (a NAT or balancer reconnecting all at once after
 * a proxy restart, the edge's shared egress reconnecting, a client pool connecting before it
 * sends) is unproven until each connection's first request has passed the gate. The per-address
 * cap (PROXY_MAX_CONNECTIONS_PER_ADDRESS) used to bind at any load, so such a burst past the cap
 * had the rest refused 429 `client-connections-limited` although the proxy held almost nothing.
 * Now the cap binds only once the process holds half its ceiling.
 *
 * Node (20, measured here) accepts one connection per loop turn and reads those it holds in between, so a cleartext
 * client that writes at once is often proven before the next is accepted; one whose first request
 * comes later than its connect (a TLS handshake's round trips, an asynchronous token check, a pool
 * that connects first) is not. The test takes that form deterministically: the process is stopped
 * (SIGSTOP, as a blocked event loop) while 150 connections from one address connect, runs again
 * and accepts them all, and only then does each send a valid request.
 *
 * Scaled down: a real proxy process with 1,024 open files, so its defaults are a ceiling of 412
 * and 103 per address (9,900 and 2,475 under 20,000). Before: 103 served, 47 refused 429 with 150
 * of 412 places in use.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peakQueue } from './accept-queue.ts';
import { APP, chatBody, waitFor } from './harness.ts';
import { metricSum, spawnProxy, type ProxyProcess } from './proxy-processes.ts';

const OPEN_FILES = 1_024;
/** The defaults under 1,024 files (shared/limits/in-flight-share.ts): 1,024 − 200 − 412; ⌈412 / 4⌉. */
const CEILING = 412;
const PER_ADDRESS = 103;
/** Past the cap, well below half the ceiling. */
const BURST = 150;

interface Conn {
  readonly socket: Socket;
  /** Everything received, latin1. */
  got: string;
  closed: boolean;
}

/** A connection from `from` that sends nothing yet. */
function reconnect(port: number, from: string): Conn {
  const socket = connect({ port, host: '127.0.0.1', localAddress: from });
  const c: Conn = { socket, got: '', closed: false };
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (c.got += d));
  socket.on('error', () => undefined);
  socket.on('close', () => (c.closed = true));
  return c;
}

/** Its first request, a valid one; resolves with the answer's status (0: none) once the connection closes. */
async function ask(c: Conn): Promise<number> {
  const body = chatBody();
  if (!c.closed)
    c.socket.write(
      `POST /v4/${APP}/v1/chat/completions HTTP/1.1\r\nhost: proxy\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  if (!c.closed) await once(c.socket, 'close');
  return Number(/^HTTP\/1\.1 (\d{3}) /.exec(c.got)?.[1] ?? 0);
}

async function scrape(p: ProxyProcess): Promise<string> {
  return (await fetch(`${p.adminUrl}/_switchyard/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
}

describe('a reconnect burst from one address against a stalled proxy with room', () => {
  let replica: Server;
  let proxy: ProxyProcess;
  let conns: Conn[] = [];
  beforeAll(async () => {
    replica = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 }).end('{"ok":true}'));
    });
    replica.listen(0, '127.0.0.1');
    await once(replica, 'listening');
    proxy = await spawnProxy([{ cluster: 'c1', url: `http://127.0.0.1:${(replica.address() as AddressInfo).port}` }], {}, [], undefined, OPEN_FILES);
  });
  afterAll(async () => {
    for (const c of conns) c.socket.destroy();
    proxy.child.kill('SIGCONT');
    proxy.child.kill('SIGKILL');
    await proxy.exited;
    replica.close();
  });

  it('serves every connection of the burst: none is refused for its address', async () => {
    const port = Number(new URL(proxy.url).port);
    // The proxy stops accepting, as a blocked event loop would; the burst queues in the kernel.
    expect(proxy.child.kill('SIGSTOP')).toBe(true);
    conns = Array.from({ length: BURST }, () => reconnect(port, '127.0.0.1'));
    expect(await peakQueue(port, BURST)).toBe(BURST);
    proxy.child.kill('SIGCONT');
    // Every connection of the burst accepted or refused, none of them proven yet.
    const settled = async (): Promise<boolean> => {
      const m = await scrape(proxy);
      return metricSum(m, 'switchyard_proxy_connections') + metricSum(m, 'switchyard_proxy_connection_refusals_total') === BURST;
    };
    await waitFor(settled, 'the burst accepted', 15_000);
    expect(BURST).toBeGreaterThan(PER_ADDRESS);
    expect(metricSum(await scrape(proxy), 'switchyard_proxy_connections')).toBeLessThan(CEILING / 2);

    const statuses = await Promise.all(conns.map(ask));
    const count = (s: number): number => statuses.filter((x) => x === s).length;
    // Before: { 200: 103, 429: 47 }.
    expect({ 200: count(200), 429: count(429) }).toEqual({ 200: BURST, 429: 0 });
    const metrics = await scrape(proxy);
    expect(metricSum(metrics, 'switchyard_proxy_connection_refusals_total')).toBe(0);
    expect(metricSum(metrics, 'switchyard_proxy_max_connections')).toBe(CEILING);
  }, 60_000);
});
