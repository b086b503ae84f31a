/**
 * The TLS listener holds its clients to the same deadlines as the cleartext one
 * (slow-header-clients-are-closed.test.ts): a client that never finishes its handshake is closed
 * at `sniffTimeoutMs`; one that finishes it and then sends nothing, drips its request head
 * (HTTP/1.1, or no ALPN) or stalls an HTTP/2 HEADERS block, at `headersTimeoutMs`; one that drips
 * its body gets a 408 at `requestTimeoutMs`. Normal requests keep being served meanwhile. Each
 * case would hold a file descriptor forever if its deadline were missing; a failed handshake used
 * to get an HTTP refusal and a lingering close, a second past its deadline.
 */
import https from 'node:https';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startReplica, startTestProxy, testKeys } from './harness.ts';
import { selfSignedCert } from './self-signed-cert.ts';

const SNIFF_TIMEOUT_MS = 500;
const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
/** Header and request deadlines are checked every headersTimeoutMs / 4 (listener.ts); TLS clients are timed from before their handshake. */
const SLACK_MS = 1500;
/** The handshake deadline is a timer of its own; the lingering close it used to get added a second (LINGER_IDLE_MS). */
const HANDSHAKE_SLACK_MS = 800;
const EACH = 20;

interface Watched {
  readonly socket: Socket;
  readonly openedAt: number;
  closedAt: number | null;
  got: string;
}

/** Opens a connection, resolves once it is open (TCP, or TLS when `alpn` is given), then runs `then`. */
function open(port: number, tls: { ca: Buffer; alpn: string[] | undefined } | null, then: (s: Socket) => void): Promise<Watched> {
  return new Promise((resolve, reject) => {
    const socket = tls === null ? tcpConnect(port, '127.0.0.1') : tlsConnect({ port, host: '127.0.0.1', ca: tls.ca, ALPNProtocols: tls.alpn });
    const w: Watched = { socket, openedAt: performance.now(), closedAt: null, got: '' };
    // Read, or the client never sees the proxy's FIN and 'close' never fires.
    socket.on('data', (d: Buffer) => (w.got += d.toString('latin1')));
    socket.on('close', () => (w.closedAt = performance.now()));
    socket.once(tls === null ? 'connect' : 'secureConnect', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      then(socket);
      resolve(w);
    });
    socket.once('error', reject);
  });
}

/** Writes `bytes()` every 200 ms until the connection closes: a slowloris drip. */
function drip(s: Socket, bytes: () => Buffer | string): void {
  const timer = setInterval(() => s.writable && s.write(bytes()), 200);
  s.once('close', () => clearInterval(timer));
}

function h2Frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/**
 * HTTP/2 preface and SETTINGS, then a HEADERS frame without END_HEADERS whose block is never
 * finished: `:method GET`, `:scheme https`, `:path /`, then an `:authority` said to be 100 bytes,
 * dripped one byte per CONTINUATION frame.
 */
function stallHeaders(s: Socket): void {
  s.write(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
  s.write(h2Frame(0x4, 0, 0, Buffer.alloc(0)));
  s.write(h2Frame(0x1, 0, 1, Buffer.from([0x82, 0x87, 0x84, 0x41, 100])));
  drip(s, () => h2Frame(0x9, 0, 1, Buffer.from('x')));
}

describe('slow and silent TLS clients are closed within the deadlines while normal traffic is served', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let token: string;
  let ca: Buffer;
  beforeAll(async () => {
    const keys = await testKeys();
    token = await keys.mint();
    const cert = await selfSignedCert();
    ca = cert.ca;
    sim = await startReplica('c1', 'r0');
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      jwks: keys.jwks,
      config: {
        tlsCertFile: cert.certFile,
        tlsKeyFile: cert.keyFile,
        sniffTimeoutMs: SNIFF_TIMEOUT_MS,
        headersTimeoutMs: HEADERS_TIMEOUT_MS,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
      },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  function served(): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = https.request(`${proxy.url}/v4/${APP}/v1/models`, { ca, agent: false, headers: { 'x-switchyard-token': token } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('closes each kind of slow client at its deadline, serving every normal request', async () => {
    const port = proxy.port;
    const many = (f: () => Promise<Watched>): Promise<Watched[]> => Promise.all(Array.from({ length: EACH }, f));
    const head = `GET /v4/${APP}/v1/models HTTP/1.1\r\nhost: p\r\nx-slow: `;
    const body = `POST /v4/${APP}/v1/chat/completions HTTP/1.1\r\nhost: p\r\nx-switchyard-token: ${token}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{`;
    const cases: Record<string, { deadline: number; slack: number; clients: Watched[] }> = {
      'never handshakes': { deadline: SNIFF_TIMEOUT_MS, slack: HANDSHAKE_SLACK_MS, clients: await many(() => open(port, null, () => undefined)) },
      'drips its ClientHello': {
        deadline: SNIFF_TIMEOUT_MS,
        slack: HANDSHAKE_SLACK_MS,
        // A handshake record said to be 512 bytes long, its body dripped.
        clients: await many(() => open(port, null, (s) => (s.write(Buffer.from([0x16, 3, 1, 2, 0])), drip(s, () => Buffer.from([1]))))),
      },
      'silent after the handshake (http/1.1)': { deadline: HEADERS_TIMEOUT_MS, slack: SLACK_MS, clients: await many(() => open(port, { ca, alpn: ['http/1.1'] }, () => undefined)) },
      'silent after the handshake (no ALPN)': { deadline: HEADERS_TIMEOUT_MS, slack: SLACK_MS, clients: await many(() => open(port, { ca, alpn: undefined }, () => undefined)) },
      'silent after the handshake (h2)': { deadline: HEADERS_TIMEOUT_MS, slack: SLACK_MS, clients: await many(() => open(port, { ca, alpn: ['h2'] }, () => undefined)) },
      'drips its request head (http/1.1)': {
        deadline: HEADERS_TIMEOUT_MS,
        slack: SLACK_MS,
        clients: await many(() => open(port, { ca, alpn: ['http/1.1'] }, (s) => (s.write(head), drip(s, () => 'x')))),
      },
      'drips its request head (no ALPN)': {
        deadline: HEADERS_TIMEOUT_MS,
        slack: SLACK_MS,
        clients: await many(() => open(port, { ca, alpn: undefined }, (s) => (s.write(head), drip(s, () => 'x')))),
      },
      'stalls an HTTP/2 HEADERS block': { deadline: HEADERS_TIMEOUT_MS, slack: SLACK_MS, clients: await many(() => open(port, { ca, alpn: ['h2'] }, stallHeaders)) },
      'drips its request body (http/1.1)': {
        deadline: REQUEST_TIMEOUT_MS,
        slack: SLACK_MS,
        clients: await many(() => open(port, { ca, alpn: ['http/1.1'] }, (s) => (s.write(body), drip(s, () => ' ')))),
      },
    };
    const started = performance.now();
    let normal = 0;
    while (performance.now() - started < REQUEST_TIMEOUT_MS + SLACK_MS) {
      expect(await served()).toBe(200);
      normal += 1;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(normal).toBeGreaterThan(10);
    // Per case, how long each client that outlived its deadline lasted (null: still open).
    const late: Record<string, (number | null)[]> = {};
    for (const [name, c] of Object.entries(cases)) {
      const lasted = c.clients.map((w) => (w.closedAt === null ? null : Math.round(w.closedAt - w.openedAt)));
      late[name] = lasted.filter((ms) => ms === null || ms > c.deadline + c.slack);
      for (const w of c.clients) w.socket.destroy();
    }
    expect(late).toEqual(Object.fromEntries(Object.keys(cases).map((name) => [name, []])));
    // The dripped body is refused with a 408 that names the deadline, not just dropped.
    for (const w of cases['drips its request body (http/1.1)']?.clients ?? []) expect(w.got).toMatch(/^HTTP\/1\.1 408 .*requestTimeoutMs/s);
  });
});
