/**
 * P1: one client cannot exhaust the proxy's open files for the others. The proxy had header,
 * request and keep-alive timeouts but no bound on how many connections it holds: a client opening
 * idle, slow-header or keep-alive-idle connections (each within its timeout, reopened as they
 * expire) took every file the process may open. Another tenant's new connection was then reset at
 * accept (libuv accepts and closes when out of files), a kept-alive connection's next request
 * failed its upstream connect with EMFILE (502/503), and the admin listener could not be scraped.
 *
 * Now each process has a connection ceiling (PROXY_MAX_CONNECTIONS, from the open-file limit by
 * default) and a per-address cap (PROXY_MAX_CONNECTIONS_PER_ADDRESS) on connections that have not
 * carried a verified request, binding once the process holds half its ceiling: one address's
 * flood against an idle proxy is held to half the ceiling, and every address to its cap past
 * that. Scaled down: the proxy runs as a real process with an open-file limit of 512 (production:
 * 20,000), so its defaults are a ceiling of 156 and 64 per address (9,900 and 2,475 at 20,000),
 * and the flood is 600 connections from one address (more than the limit), then 640 from ten
 * more. Its timeouts are raised to a minute so the flood holds for the
 * test's length, as a real one renews itself. The replica closes every connection after its
 * answer, so each request below needs a fresh upstream connect (a file of its own).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFUSALS_ANSWERED_AT_ONCE } from '../src/connection-limits.ts';
import { APP, chatBody, waitFor } from './harness.ts';
import { metricSum, spawnProxy, type ProxyProcess } from './proxy-processes.ts';

const OPEN_FILES = 512;
/** The defaults under 512 files (shared/limits/in-flight-share.ts): (512 − 200 − 156), ⌈156 / 4⌉ at least 64. */
const CEILING = 156;
const PER_ADDRESS = 64;
/** Open connections from which the per-address cap binds: ⌈156 / 2⌉, the most one address's flood takes. */
const HALF = 78;

interface Conn {
  readonly socket: Socket;
  /** Everything received, latin1. */
  got: string;
  closed: boolean;
  error: string | null;
}

/** Every connection the test opened: closed at the end, whatever failed. */
const clients: Conn[] = [];

/** A connection from `from`; resolves once connected or failed. `first`: what it sends at once. */
async function open(port: number, from: string, first: string): Promise<Conn> {
  const socket = connect({ port, host: '127.0.0.1', localAddress: from });
  const c: Conn = { socket, got: '', closed: false, error: null };
  clients.push(c);
  socket.on('data', (d: Buffer) => {
    c.got += d.toString('latin1');
    // A client told `connection: close` closes its side, as HTTP clients do.
    if (/^HTTP\/1\.1 (429|503) /.test(c.got)) socket.end();
  });
  socket.on('error', (e: NodeJS.ErrnoException) => (c.error = e.code ?? e.message));
  socket.on('close', () => (c.closed = true));
  await new Promise<void>((resolve) => {
    socket.once('connect', () => {
      if (first !== '') socket.write(first);
      resolve();
    });
    socket.once('close', () => resolve());
  });
  return c;
}

/** Three kinds of idle connection: silent, a request head never finished, a refused request then keep-alive. */
function attackerBytes(i: number): string {
  if (i % 3 === 0) return '';
  if (i % 3 === 1) return 'GET /v4/acme/chat/v1/models HTTP/1.1\r\nhost: proxy\r\n';
  // Refused before any credential is looked at (not an app path): the connection stays unproven.
  return 'GET /nothing-here HTTP/1.1\r\nhost: proxy\r\n\r\n';
}

async function flood(port: number, from: string, n: number): Promise<Conn[]> {
  const out: Conn[] = [];
  for (let i = 0; i < n; i += 50) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, k) => open(port, from, attackerBytes(i + k))))));
  }
  // Refusals are written at accept; let them arrive.
  await new Promise((r) => setTimeout(r, 300));
  return out;
}

/** One request on `c`; resolves with the raw answer once whole (content-length), or what came before the connection ended. */
function request(c: Conn, body = chatBody()): Promise<string> {
  const start = c.got.length;
  c.socket.write(
    `POST /v4/${APP}/v1/chat/completions HTTP/1.1\r\nhost: proxy\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  return new Promise((resolve) => {
    const check = (): void => {
      const text = c.got.slice(start);
      const head = text.indexOf('\r\n\r\n');
      const m = /content-length: (\d+)/i.exec(text);
      if ((head >= 0 && m !== null && text.length - head - 4 >= Number(m[1])) || c.closed) {
        clearInterval(timer);
        resolve(c.error !== null && text === '' ? `ERROR ${c.error}` : text === '' ? 'CLOSED' : text);
      }
    };
    const timer = setInterval(check, 10);
  });
}

/** A new connection from `from` and one request on it. */
async function newClient(port: number, from: string): Promise<{ conn: Conn; answer: string }> {
  const conn = await open(port, from, '');
  if (conn.closed) return { conn, answer: conn.error !== null ? `ERROR ${conn.error}` : 'CLOSED' };
  return { conn, answer: await request(conn) };
}

const statusOf = (answer: string): string => /^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1] ?? answer.slice(0, 40);

async function scrape(p: ProxyProcess): Promise<string> {
  return (await fetch(`${p.adminUrl}/_switchyard/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
}

describe('a flood of idle connections against a proxy with 512 open files', () => {
  let replica: Server;
  let proxy: ProxyProcess;
  let port: number;
  let attackers: Conn[] = [];
  beforeAll(async () => {
    replica = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11, connection: 'close' }).end('{"ok":true}'));
    });
    replica.listen(0, '127.0.0.1');
    await once(replica, 'listening');
    proxy = await spawnProxy(
      [{ cluster: 'c1', url: `http://127.0.0.1:${(replica.address() as AddressInfo).port}` }],
      { PROXY_SNIFF_TIMEOUT_MS: '60000', PROXY_HEADERS_TIMEOUT_MS: '60000', PROXY_REQUEST_TIMEOUT_MS: '60000', PROXY_KEEP_ALIVE_TIMEOUT_MS: '60000' },
      [],
      undefined,
      OPEN_FILES,
    );
    port = Number(new URL(proxy.url).port);
  });
  afterAll(async () => {
    for (const c of clients) c.socket.destroy();
    proxy.child.kill('SIGKILL');
    await proxy.exited;
    replica.close();
  });

  it('keeps one address to half the ceiling, and every other client served', async () => {
    // Another tenant's kept-alive connection, proven by a served request before the flood.
    const kept = await newClient(port, '127.0.0.2');
    expect(statusOf(kept.answer)).toBe('200');

    attackers = await flood(port, '127.0.0.1', 600);
    // Past its cap the flood is taken only while the proxy holds under half its ceiling, the kept
    // connection one of them.
    const mostHeld = HALF - 1;
    // Refused ones close after their answer (sooner or later on a loaded machine).
    await waitFor(() => attackers.filter((a) => !a.closed).length <= mostHeld, 'the refused connections closed', 15_000);
    const held = attackers.filter((a) => !a.closed);
    const refused = attackers.filter((a) => /^HTTP\/1\.1 429 /.test(a.got));
    // Before: every connection the files allowed (~470) was held, the rest reset unanswered.
    expect(held.length).toBe(mostHeld);
    // Every other one refused at accept: answered, or (past the refusals lingering at once)
    // closed unanswered; the first REFUSALS_ANSWERED_AT_ONCE always get their answer.
    expect(refused.length).toBeGreaterThanOrEqual(REFUSALS_ANSWERED_AT_ONCE);
    expect(attackers.filter((a) => a.closed).length).toBe(600 - mostHeld);
    const answer = refused[0]?.got ?? '';
    expect(answer).toMatch(/\r\nretry-after: 1\r\n/);
    expect(answer).toMatch(/\r\nx-switchyard-refused: not-started\r\n/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'client-connections-limited' } });

    // Another client's new connection, and the kept one (a fresh upstream connect each): served.
    const fresh = await newClient(port, '127.0.0.2');
    expect(statusOf(fresh.answer)).toBe('200');
    fresh.conn.socket.destroy();
    expect(statusOf(await request(kept.conn))).toBe('200');

    const metrics = await scrape(proxy);
    expect(metricSum(metrics, 'switchyard_proxy_connection_refusals_total', { reason: 'per-address' })).toBe(600 - mostHeld);
    expect(metricSum(metrics, 'switchyard_proxy_max_connections')).toBe(CEILING);
    kept.conn.socket.destroy();
  });

  it('at the ceiling refuses new connections with an answer, and still serves the connections it holds', async () => {
    const kept = await newClient(port, '127.0.0.2');
    expect(statusOf(kept.answer)).toBe('200');
    // Past half the ceiling (the flood's 77 and this one) a new address is held to its cap.
    const capped = await flood(port, '127.0.0.3', PER_ADDRESS + 10);
    attackers.push(...capped);
    await waitFor(() => capped.filter((a) => !a.closed).length <= PER_ADDRESS, 'the refused connections closed', 15_000);
    expect(capped.filter((a) => !a.closed).length).toBe(PER_ADDRESS);
    // Nine more addresses, a full cap each: past the ceiling in all.
    for (let a = 4; a <= 12; a += 1) attackers.push(...(await flood(port, `127.0.0.${a}`, PER_ADDRESS)));
    // Before: 600 + 640 connections against 512 files.
    await waitFor(async () => metricSum(await scrape(proxy), 'switchyard_proxy_connections') === CEILING, 'the ceiling held', 15_000);

    // A new client is told why, not reset: before, ECONNRESET (no file left to accept it).
    const late = await newClient(port, '127.0.0.200');
    expect(statusOf(late.answer)).toBe('503');
    expect(late.answer).toMatch(/\r\nretry-after: 1\r\n/);
    expect(late.answer).toMatch(/\r\nx-switchyard-refused: not-started\r\n/);
    expect(JSON.parse(late.answer.slice(late.answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'proxy-connections-full' } });
    // The files the ceiling keeps are there for upstream connects: before, 502/503 (EMFILE).
    expect(statusOf(await request(kept.conn))).toBe('200');
    const metrics = await scrape(proxy);
    expect(metricSum(metrics, 'switchyard_proxy_connection_refusals_total', { reason: 'ceiling' })).toBeGreaterThan(0);
    expect(proxy.child.exitCode).toBeNull();

    // The flood gone, its connections are given back: new clients are served again.
    for (const a of attackers.splice(0)) a.socket.destroy();
    kept.conn.socket.destroy();
    await waitFor(async () => metricSum(await scrape(proxy), 'switchyard_proxy_connections') === 0, 'every connection given back', 15_000);
    const after = await newClient(port, '127.0.0.1');
    expect(statusOf(after.answer)).toBe('200');
    after.conn.socket.destroy();
  });
});
