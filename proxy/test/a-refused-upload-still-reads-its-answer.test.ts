/**
 * A client still sending a large body when the proxy refuses it (413 over the app's limit, 401 for
 * a bad token) must be able to read the refusal. The proxy answers with `Connection: close` and
 * does not read the rest; if it then closed the socket with the client's bytes unread, the kernel
 * would answer with a RST and the client's kernel would drop the answer it had not read yet: the
 * client sees ECONNRESET or EPIPE, not the status that says what to fix. So the proxy half-closes
 * and keeps reading and dropping for a short while (a lingering close, as nginx and Apache do), and
 * still closes a connection whose client neither finishes nor leaves.
 *
 * The client here reads late on purpose (it writes for a while, then reads): that is the busy
 * client of a loaded machine, made deterministic.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { LINGER_IDLE_MS, LINGER_MAX_MS } from '../src/lingering-close.ts';
import { startEchoReplica, type EchoReplica } from './echo-replica.ts';
import { APP, startTestProxy, testKeys } from './harness.ts';
import { selfSignedCert } from './self-signed-cert.ts';

const LIMIT = 64 * 1024;
/** What the client declares (as a length, or as one chunk's size): more than it can send in the test's time. */
const BODY = 1e12;

interface Answer {
  readonly text: string;
  readonly error: string | null;
  /** ms from the first byte of the answer to the connection's end. */
  readonly closedAfterMs: number;
}

/** Sends `head`, writes body for `writeMs` as fast as it can (or slowly, for ever), then reads. */
function lateReader(url: string, head: string, writeMs: number, opts: { halfOpen?: boolean; probeAtMs?: number; slowly?: boolean; ca?: Buffer } = {}): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    // halfOpen: the client does not close its side when the proxy's FIN arrives (most clients do).
    const where = { port: Number(port), host: hostname, allowHalfOpen: opts.halfOpen === true };
    // ca: the proxy's TLS listener, HTTP/1.1 by ALPN.
    const socket: Socket = opts.ca === undefined ? connect(where) : tlsConnect({ ...where, ca: opts.ca, ALPNProtocols: ['http/1.1'] });
    const chunk = Buffer.alloc(64 * 1024, 120);
    let text = '';
    let error: string | null = null;
    let firstAt = 0;
    let writing = true;
    let sent = 0;
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => resolve({ text, error, closedAfterMs: firstAt === 0 ? -1 : performance.now() - firstAt }));
    socket.once(opts.ca === undefined ? 'connect' : 'secureConnect', () => {
      socket.pause(); // reads nothing until writeMs has passed
      socket.write(head);
      const pump = (): void => {
        if (opts.slowly === true) return;
        // Never past the declared body: more would be a second request, which the proxy rightly calls malformed.
        while (writing && sent + chunk.length <= BODY && socket.writable) {
          sent += chunk.length;
          if (!socket.write(chunk)) break;
        }
      };
      socket.on('drain', pump);
      pump();
      // slowly: 64 KiB every 50 ms for as long as the socket takes it (the proxy still reads at line rate otherwise).
      if (opts.slowly === true) {
        const t = setInterval(() => (socket.writable ? socket.write(chunk) : clearInterval(t)), 50);
        socket.once('close', () => clearInterval(t));
      }
      setTimeout(() => {
        writing = false;
        socket.on('data', (d: Buffer) => {
          if (firstAt === 0) firstAt = performance.now();
          text += d.toString('latin1');
        });
        socket.resume();
      }, writeMs);
      // A client that neither sends nor closes learns the proxy closed only when it writes again.
      // (The first write after the proxy closed draws its RST, the next one fails.)
      if (opts.probeAtMs !== undefined) for (const at of [0, 200, 400, 600]) setTimeout(() => socket.writable && socket.write('x'), opts.probeAtMs + at);
    });
  });
}

describe('a client uploading a large body it will not be allowed reads its refusal', () => {
  let replica: EchoReplica;
  let proxy: RunningProxy;
  let tlsProxy: RunningProxy;
  let ca: Buffer;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    replica = await startEchoReplica();
    const tls = await selfSignedCert();
    ca = tls.ca;
    // Started side by side: with SY_TEST_PROXY_WORKERS each is a cluster of processes to spawn.
    [tlsProxy, proxy] = await Promise.all([
      startTestProxy({
        endpoints: [{ cluster: 'c1', url: replica.url }],
        apps: [{ id: APP, requests: { maxBodyBytes: LIMIT } }],
        jwks: keys.jwks,
        config: { tlsCertFile: tls.certFile, tlsKeyFile: tls.keyFile },
      }),
      startTestProxy({
        endpoints: [{ cluster: 'c1', url: replica.url }],
        apps: [{ id: APP, requests: { maxBodyBytes: LIMIT } }],
        jwks: keys.jwks,
      }),
    ]);
  });
  afterAll(async () => {
    await tlsProxy.close();
    await proxy.close();
    await replica.close();
  });

  const head = (extra: string): string => `POST /v4/${APP}/v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n${extra}\r\n`;

  it.each([
    ['a declared length over the limit: 413', async () => `content-length: ${BODY}\r\nx-switchyard-token: ${await keys.mint()}\r\n`, '413'],
    ['a chunked body that passes the limit: 413', async () => `transfer-encoding: chunked\r\nx-switchyard-token: ${await keys.mint()}\r\n`, '413'],
    ['a forged token on a large upload: 401', async () => `content-length: ${BODY}\r\nx-switchyard-token: not-a-token\r\n`, '401'],
  ])('%s', async (_name, extra, status) => {
    // Chunked: the body is one never-ending chunk, which the proxy counts past the limit.
    const h = head(await extra());
    const a = await lateReader(proxy.url, h.includes('chunked') ? `${h}${(BODY).toString(16)}\r\n` : h, 300);
    expect(a.text.slice(0, 12), `connection error ${a.error}`).toBe(`HTTP/1.1 ${status}`);
    expect(a.text.toLowerCase()).toContain('connection: close');
    expect(a.text).toContain('"error"');
  });

  it('headers over the limit: 431, with what to fix', async () => {
    // 64 KiB of one header (the proxy's default limit is 16 KiB), then the body the client goes on sending.
    const a = await lateReader(proxy.url, head(`content-length: ${BODY}\r\nx-big: ${'a'.repeat(64 * 1024)}\r\n`), 300);
    expect(a.text.slice(0, 12), `connection error ${a.error}`).toBe('HTTP/1.1 431');
    expect(a.text).toMatch(/"code":"headers-too-large"/);
  });

  it('a request the parser cannot read: 400, with what was wrong', async () => {
    const a = await lateReader(proxy.url, `POST /v4/${APP}/v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 12\r\ncontent-length: 13\r\n\r\n`, 300);
    expect(a.text.slice(0, 12), `connection error ${a.error}`).toBe('HTTP/1.1 400');
    expect(a.text).toMatch(/"code":"malformed-request"/);
  });

  it('over TLS (HTTP/1.1 by ALPN) too: 413', async () => {
    const a = await lateReader(tlsProxy.url, head(`content-length: ${BODY}\r\nx-switchyard-token: ${await keys.mint()}\r\n`), 300, { ca });
    expect(a.text.slice(0, 12), `connection error ${a.error}`).toBe('HTTP/1.1 413');
  });

  // The two ends of a lingering close wait out real linger timers (LINGER_MAX_MS, 2 × LINGER_IDLE_MS),
  // each on its own connection: they wait side by side.
  describe.concurrent('a lingering close ends', () => {
    it('still closes a connection whose client keeps sending and never reads to the end', async () => {
      const a = await lateReader(proxy.url, head(`content-length: ${BODY}\r\nx-switchyard-token: ${await keys.mint()}\r\n`), 100, { halfOpen: true, slowly: true });
      expect(a.text.slice(0, 12)).toBe('HTTP/1.1 413');
      // Closed by the proxy's cap on lingering, not left open for as long as the client likes.
      expect(a.closedAfterMs).toBeGreaterThan(LINGER_MAX_MS / 2);
      expect(a.closedAfterMs).toBeLessThan(LINGER_MAX_MS + 3_000);
    }, 30_000);

    it('closes a lingering connection once its client stops sending, even if it never closes its side', async () => {
      const a = await lateReader(proxy.url, head(`content-length: ${BODY}\r\nx-switchyard-token: ${await keys.mint()}\r\n`), 100, { halfOpen: true, probeAtMs: 2 * LINGER_IDLE_MS + 600 });
      expect(a.text.slice(0, 12)).toBe('HTTP/1.1 413');
      // Quiet for one check (LINGER_IDLE_MS apart), closed at the next: the probe finds it closed.
      expect(a.error).toMatch(/EPIPE|ECONNRESET/);
      expect(a.closedAfterMs).toBeLessThan(2 * LINGER_IDLE_MS + 1_500);
    });
  });
});
