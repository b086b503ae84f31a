/**
 * A drain closes what has nothing more to do, as nginx and HAProxy do on a graceful stop: a real
 * proxy process (one process, and a primary with two workers) gets SIGTERM with one idle
 * keep-alive client connection and one request in flight. The idle connection is closed at once
 * (no answer on it), the request in flight completes with `Connection: close`, and the process
 * exits right after that last answer. Idle connections used to be left to their keep-alive timeout
 * (5 s by default), holding every drain, and so every step of a rolling deploy, that long.
 */
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP } from './harness.ts';
import { startHoldingUpstream, type HoldingUpstream } from './holding-upstream.ts';
import { spawnProxy } from './proxy-processes.ts';

interface Answer {
  readonly head: string;
  readonly body: string;
}

/** Bytes in, split into answers framed by Content-Length or chunks. */
class RawConnection {
  readonly socket: net.Socket;
  private buf = '';
  private waiting: ((a: Answer) => void) | null = null;
  /** When the proxy closed the connection (ms, Date.now), or null while open. */
  closedAt: number | null = null;
  /** Bytes that arrived after the last answer that was taken. */
  get unread(): string {
    return this.buf;
  }

  constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.socket = net.connect(Number(port), hostname);
    this.socket.setEncoding('latin1');
    this.socket.on('data', (d: string) => {
      this.buf += d;
      this.take();
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => (this.closedAt = Date.now()));
  }

  send(method: string, path: string, body = ''): Promise<Answer> {
    const headers = [`${method} ${path} HTTP/1.1`, 'host: proxy', `content-length: ${Buffer.byteLength(body)}`];
    if (body !== '') headers.push('content-type: application/json');
    const answer = new Promise<Answer>((resolve) => (this.waiting = resolve));
    this.socket.write(`${headers.join('\r\n')}\r\n\r\n${body}`);
    return answer;
  }

  private take(): void {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0 || this.waiting === null) return;
    const head = this.buf.slice(0, end);
    // Chunked (these bodies are small): up to the last chunk; else Content-Length bytes.
    const last = /\r\ntransfer-encoding: *chunked/i.test(head) ? this.buf.indexOf('0\r\n\r\n', end + 4) : -1;
    const length = last >= 0 ? last + 5 - (end + 4) : Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (/\r\ntransfer-encoding: *chunked/i.test(head) && last < 0) return;
    if (this.buf.length < end + 4 + length) return;
    const body = this.buf.slice(end + 4, end + 4 + length);
    this.buf = this.buf.slice(end + 4 + length);
    const resolve = this.waiting;
    this.waiting = null;
    resolve({ head, body });
  }
}

// What `at once` allows: a slow exit on a loaded 2-core machine (1.6-1.9 s seen beside two busy
// loops; 0.1-0.7 s otherwise), far from the keep-alive timeout a drain used to wait out.
const AT_ONCE_MS = 5_000;

describe.each<{ processes: string; env: Record<string, string> }>([
  { processes: 'one process', env: {} },
  { processes: 'a primary and two workers', env: { PROXY_WORKERS: '2' } },
])('a drain of $processes closes idle keep-alive connections at once', ({ env }) => {
  let upstream: HoldingUpstream;
  beforeAll(async () => {
    upstream = await startHoldingUpstream();
  });
  afterAll(() => upstream.close());

  it('closes the idle one, answers the busy one with Connection: close, and exits after it', async () => {
    const proxy = await spawnProxy([{ cluster: 'c1', url: upstream.url }], {
      ...env,
      // Three times the default (5 s), so that waiting it out stands far apart from a slow exit;
      // the POST is never cut.
      PROXY_KEEP_ALIVE_TIMEOUT_MS: '15000',
      PROXY_DRAIN_DEADLINE_MS: '20000',
    });
    const idle = new RawConnection(proxy.url);
    const busy = new RawConnection(proxy.url);
    try {
      const first = await idle.send('GET', `/v4/${APP}/v1/models`);
      expect(first.head).toMatch(/^HTTP\/1\.1 200/);
      expect(first.head).not.toMatch(/connection: close/i);
      const answer = busy.send('POST', `/v4/${APP}/v1/chat/completions`, '{"model":"m"}');
      await waitUntil(() => upstream.held.length === 1);

      const signalledAt = Date.now();
      proxy.child.kill('SIGTERM');
      await once(idle.socket, 'close');
      // Closed at once, with nothing written on it (a 503 there would answer no request).
      expect((idle.closedAt ?? Infinity) - signalledAt).toBeLessThan(AT_ONCE_MS);
      expect(idle.unread).toBe('');
      expect(busy.closedAt).toBeNull();

      // Every process is draining (the primary signals its workers one by one) before the answer.
      await untilRefused(proxy.url);
      upstream.releaseHeld();
      const last = await answer;
      const answeredAt = Date.now();
      expect(last.head).toMatch(/^HTTP\/1\.1 200/);
      expect(last.head).toMatch(/\r\nconnection: close/i);
      expect(last.body).toContain('{"call":1}');
      await once(busy.socket, 'close');
      const code = await proxy.exited;
      expect(code).toBe(0);
      // Process exit included; it waited out the idle one's keep-alive timeout before.
      expect(Date.now() - answeredAt).toBeLessThan(AT_ONCE_MS);
    } finally {
      idle.socket.destroy();
      busy.socket.destroy();
      if (proxy.child.exitCode === null) proxy.child.kill('SIGKILL');
    }
  }, 30_000);
});

/** Resolves when the port refuses connections: every process listening on it has closed its listener. */
async function untilRefused(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  for (let i = 0; i < 200; i += 1) {
    const probe = net.connect(Number(port), hostname);
    const refused = await new Promise<boolean>((resolve) => {
      probe.once('connect', () => resolve(false));
      probe.once('error', () => resolve(true));
    });
    // A probe a process still took is closed at once: it must not hold that drain.
    probe.destroy();
    if (refused) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the proxy still accepts connections');
}

async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i += 1) await new Promise((r) => setTimeout(r, 25));
  expect(ok()).toBe(true);
}
