/**
 * The per-address connection cap (PROXY_MAX_CONNECTIONS_PER_ADDRESS) counts only connections that
 * have not carried a request whose credential verified. The edge's forwards share their address
 * with whoever else sends from it (one host in a dev or self-hosted setup; on Cloudflare, the
 * egress every Worker fetches from): a flood of idle connections there fills the address's cap,
 * and must not refuse the edge's kept-alive connections, which carry verified tokens. A forged
 * token proves nothing; a trusted balancer (PROXY_TRUSTED_PROXIES) is not capped by address; a
 * TLS connection over the ceiling is closed before its handshake. Scaled down: a cap of 4 per
 * address and a ceiling of 30 (9,900 and 2,475 by default under 20,000 open files). The cap binds
 * once the proxy holds half its ceiling (below that a burst from one address is never refused:
 * a-reconnect-burst-from-one-address-is-never-refused-while-the-proxy-has-room.test.ts), so the
 * flood meets a proxy that other tenants' connections have taken there.
 */
import { once } from 'node:events';
import http2 from 'node:http2';
import https from 'node:https';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, scrapeMetrics, startReplica, startTestProxy, testKeys, waitFor } from './harness.ts';
import { metricSum } from './proxy-processes.ts';
import { selfSignedCert } from './self-signed-cert.ts';

const PER_ADDRESS = 4;
const CEILING = 30;

interface Conn {
  readonly socket: Socket;
  got: string;
  closed: boolean;
}

const clients: Socket[] = [];

async function open(port: number, from: string): Promise<Conn> {
  const socket = connect({ port, host: '127.0.0.1', localAddress: from });
  clients.push(socket);
  const c: Conn = { socket, got: '', closed: false };
  socket.on('data', (d: Buffer) => (c.got += d.toString('latin1')));
  socket.on('error', () => undefined);
  socket.on('close', () => (c.closed = true));
  await once(socket, 'connect');
  return c;
}

/** One request on `c` with `token`; the answer's status, or 0 when the connection ended unanswered. */
async function ask(c: Conn, token: string): Promise<number> {
  const start = c.got.length;
  const body = chatBody();
  c.socket.write(
    `POST /v4/${APP}/v1/chat/completions HTTP/1.1\r\nhost: proxy\r\ncontent-type: application/json\r\nx-switchyard-token: ${token}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  await waitFor(() => {
    const text = c.got.slice(start);
    const head = text.indexOf('\r\n\r\n');
    const m = /content-length: (\d+)/i.exec(text);
    return c.closed || (head >= 0 && m !== null && text.length - head - 4 >= Number(m[1]));
  }, 'an answer');
  return Number(/^HTTP\/1\.1 (\d{3}) /.exec(c.got.slice(start))?.[1] ?? 0);
}

/** A connection that opens and sends nothing: accepted and held, or refused at once. */
async function idle(port: number, from: string): Promise<Conn> {
  const c = await open(port, from);
  await new Promise((r) => setTimeout(r, 50));
  return c;
}

const refusedWith = (c: Conn, status: number, code: string): boolean =>
  c.got.startsWith(`HTTP/1.1 ${status} `) && c.got.includes('x-switchyard-refused: not-started') && c.got.includes(`"code":"${code}"`);

describe("a flood at the edge's address", () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0');
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      jwks: keys.jwks,
      config: {
        maxConnections: CEILING,
        maxConnectionsPerAddress: PER_ADDRESS,
        // A balancer: its connections carry many clients.
        trustedProxies: '127.0.0.3',
        // Long enough that nothing here is closed for idling.
        sniffTimeoutMs: 60_000,
        keepAliveTimeoutMs: 60_000,
      },
    });
  });
  afterAll(async () => {
    for (const s of clients) s.destroy();
    await proxy.close();
    await sim.close();
  });

  it("caps the address's unproven connections, never the edge's proven ones", async () => {
    const { port } = proxy;
    // The edge opens its connections one by one, each carrying a verified token: more than the cap.
    const edge: Conn[] = [];
    for (let i = 0; i < PER_ADDRESS + 3; i += 1) {
      const c = await open(port, '127.0.0.1');
      expect(await ask(c, await keys.mint())).toBe(200);
      edge.push(c);
    }
    expect(proxy.runtime.connectionLimits?.unprovenOf('127.0.0.1')).toBe(0);
    // Other tenants' connections take the proxy to half its ceiling, where the cap binds.
    const tenants = await Promise.all(Array.from({ length: CEILING / 2 - edge.length }, (_, i) => idle(port, `127.0.3.${i + 1}`)));
    expect(proxy.runtime.connectionLimits?.open).toBe(CEILING / 2);

    // A flood of idle connections from the edge's address: the cap's worth held, the rest refused.
    const flood = await Promise.all(Array.from({ length: 10 }, () => idle(port, '127.0.0.1')));
    await waitFor(() => flood.filter((c) => c.got !== '').length >= 10 - PER_ADDRESS, 'the refusals', 15_000);
    const held = flood.filter((c) => !c.closed && c.got === '');
    expect(held.length).toBe(PER_ADDRESS);
    const refused = flood.filter((c) => refusedWith(c, 429, 'client-connections-limited'));
    expect(refused.length).toBe(10 - PER_ADDRESS);
    expect(refused[0]?.got).toMatch(/\r\nretry-after: 1\r\n/);

    // A forged token on a held connection proves nothing: it stays counted.
    expect(await ask(held[0] as Conn, await keys.forge())).toBe(401);
    expect(proxy.runtime.connectionLimits?.unprovenOf('127.0.0.1')).toBe(PER_ADDRESS);

    // The edge's kept-alive connections are served through the flood.
    for (const c of edge) expect(await ask(c, await keys.mint())).toBe(200);
    // A new connection from the flooded address is refused, not-started: the edge re-sends elsewhere.
    const newFromEdge = await idle(port, '127.0.0.1');
    await waitFor(() => newFromEdge.got !== '', 'its refusal', 15_000);
    expect(refusedWith(newFromEdge, 429, 'client-connections-limited')).toBe(true);
    // Another address is untouched.
    const other = await open(port, '127.0.0.2');
    expect(await ask(other, await keys.mint())).toBe(200);

    // A trusted balancer is not capped by address.
    const balancer = await Promise.all(Array.from({ length: 2 * PER_ADDRESS }, () => idle(port, '127.0.0.3')));
    expect(balancer.filter((c) => !c.closed && c.got === '').length).toBe(2 * PER_ADDRESS);

    const m = await scrapeMetrics(proxy);
    expect(metricSum(m, 'switchyard_proxy_connection_refusals_total', { reason: 'per-address' })).toBe(10 - PER_ADDRESS + 1);
    // The edge's 7 and the tenants' 8, the flood's 4, one other, the balancer's 8.
    expect(metricSum(m, 'switchyard_proxy_connections')).toBe(CEILING / 2 + PER_ADDRESS + 1 + 2 * PER_ADDRESS);

    // Closed connections give their counts back.
    for (const c of [...edge, ...tenants, ...flood, newFromEdge, other, ...balancer]) c.socket.destroy();
    await waitFor(() => proxy.runtime.connectionLimits?.open === 0, 'every connection given back', 15_000);
    expect(proxy.runtime.connectionLimits?.unprovenOf('127.0.0.1')).toBe(0);
    const again = await open(port, '127.0.0.1');
    expect(await ask(again, await keys.mint())).toBe(200);
    again.socket.destroy();
    await waitFor(() => proxy.runtime.connectionLimits?.open === 0, 'its connection given back');
  });

  it('an HTTP/2 (h2c) session is proven by its verified request too', async () => {
    const session = http2.connect(`http://127.0.0.1:${proxy.port}`);
    await once(session, 'connect');
    expect(proxy.runtime.connectionLimits?.unprovenOf('127.0.0.1')).toBe(1);
    const stream = session.request({ ':method': 'POST', ':path': `/v4/${APP}/v1/chat/completions`, 'content-type': 'application/json', 'x-switchyard-token': await keys.mint() });
    stream.end(chatBody());
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    stream.resume();
    await once(stream, 'end');
    expect(headers[':status']).toBe(200);
    expect(proxy.runtime.connectionLimits?.unprovenOf('127.0.0.1')).toBe(0);
    expect(proxy.runtime.connectionLimits?.open).toBe(1);
    session.destroy();
    await waitFor(() => proxy.runtime.connectionLimits?.open === 0, 'its connection given back');
  });

  it('at the ceiling answers new connections 503, whatever their address', async () => {
    const { port } = proxy;
    const conns = await Promise.all(Array.from({ length: CEILING }, (_, i) => idle(port, `127.0.1.${i + 1}`)));
    expect(conns.every((c) => !c.closed && c.got === '')).toBe(true);
    const late = await idle(port, '127.0.2.1');
    await waitFor(() => late.closed, 'the refused connection closed', 15_000);
    expect(refusedWith(late, 503, 'proxy-connections-full')).toBe(true);
    expect(late.got).toMatch(/\r\nretry-after: 1\r\n/);
    for (const c of conns) c.socket.destroy();
    await waitFor(() => proxy.runtime.connectionLimits?.open === 0, 'every connection given back', 15_000);
  });
});

describe('a TLS listener at its ceiling', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let ca: Buffer;
  beforeAll(async () => {
    sim = await startReplica('c1', 'r0');
    const cert = await selfSignedCert();
    ca = cert.ca;
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      config: { maxConnections: 2, tlsCertFile: cert.certFile, tlsKeyFile: cert.keyFile },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('closes a connection past it before the handshake, and takes one again once a place is free', async () => {
    const handshake = (): Promise<{ socket: Socket; ok: boolean }> =>
      new Promise((resolve) => {
        const socket = tlsConnect({ port: proxy.port, host: '127.0.0.1', ca });
        socket.once('secureConnect', () => resolve({ socket, ok: true }));
        socket.once('error', () => resolve({ socket, ok: false }));
        socket.once('close', () => resolve({ socket, ok: false }));
      });
    const a = await handshake();
    const b = await handshake();
    expect([a.ok, b.ok]).toEqual([true, true]);
    const c = await handshake();
    expect(c.ok).toBe(false);
    expect(metricSum(await scrapeMetrics(proxy), 'switchyard_proxy_connection_refusals_total', { reason: 'ceiling' })).toBe(1);
    a.socket.destroy();
    await waitFor(() => proxy.runtime.connectionLimits?.open === 1, 'the closed one given back');
    const d = await handshake();
    expect(d.ok).toBe(true);
    for (const s of [b, c, d]) s.socket.destroy();
    await waitFor(() => proxy.runtime.connectionLimits?.open === 0, 'every connection given back', 15_000);
  });

  it('proves a TLS connection by its request, HTTP/1.1 and HTTP/2 alike', async () => {
    const agent = new https.Agent({ keepAlive: true, ca });
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: proxy.port, method: 'POST', path: `/v4/${APP}/v1/chat/completions`, agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(chatBody());
    });
    expect(status).toBe(200);
    expect(proxy.runtime.connectionLimits?.open).toBe(1);
    expect(proxy.runtime.connectionLimits?.unprovenOf('127.0.0.1')).toBe(0);
    agent.destroy();
    await waitFor(() => proxy.runtime.connectionLimits?.open === 0, 'its connection given back');

    const session = http2.connect(`https://127.0.0.1:${proxy.port}`, { ca });
    await once(session, 'connect');
    expect(proxy.runtime.connectionLimits?.unprovenOf('127.0.0.1')).toBe(1);
    const stream = session.request({ ':method': 'POST', ':path': `/v4/${APP}/v1/chat/completions`, 'content-type': 'application/json' });
    stream.end(chatBody());
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    stream.resume();
    await once(stream, 'end');
    expect(headers[':status']).toBe(200);
    expect(proxy.runtime.connectionLimits?.unprovenOf('127.0.0.1')).toBe(0);
    session.destroy();
    await waitFor(() => proxy.runtime.connectionLimits?.open === 0, 'its connection given back');
  });
});
