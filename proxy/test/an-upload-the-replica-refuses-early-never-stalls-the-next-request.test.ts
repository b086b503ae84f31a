/**
 * A replica that answers before it has read the whole body (the simulated one, like vLLM or
 * OpenAI, sends 413 once more than 1 MiB arrived): the proxy passes the 413 on while the rest of
 * the client's body is still arriving. It used to do so on a kept-alive connection and leave that
 * rest unread, so the next request on the connection was never parsed: it hung until the
 * keep-alive timeout reset it. Through the edge that next request can be anyone's (workerd pools
 * its connections to a proxy): it got a 502 after ~5 s. Now such an answer says `Connection:
 * close` and the proxy reads and drops what still comes (a lingering close), so the client reads
 * the whole 413 and opens a new connection for its next request. (When the whole body came
 * through before the answer, the connection stays open and serves the next request at once.)
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { APP } from './harness.ts';
import { useSignedProxy } from './signed-proxy-fixture.ts';

/** Over the replica's 1 MiB, under the app's default 8 MiB: the proxy forwards it. */
const BODY = 6 * 1024 * 1024;

describe('an upload the replica refuses early', () => {
  // The upload streams through as sent (it is no prompt: no salt, so not read whole first).
  const f = useSignedProxy({}, [{ id: APP, requests: { promptCache: 'shared' } }]);

  it('gets its 413 whole, and the connection never carries an unread body into the next request', async () => {
    const socket: Socket = connect(f.proxy.port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.on('error', () => undefined);
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    const head = async (): Promise<string> =>
      `POST /v4/${APP}/v1/chat/completions HTTP/1.1\r\nhost: p\r\ncontent-type: application/json\r\ncontent-length: ${BODY}\r\nx-switchyard-token: ${await f.keys.mint()}\r\n\r\n`;
    // The whole body at once (the kernel buffers take most of it), then, as a pooled connection
    // is reused, the next request right behind it.
    socket.write(await head());
    socket.write(Buffer.alloc(BODY, 0x61));
    const second = await head();
    await new Promise((r) => setTimeout(r, 300));
    if (socket.writable) socket.write(second);
    socket.write(Buffer.alloc(BODY, 0x61));
    const started = performance.now();
    const answers = (): number => text.split('HTTP/1.1 ').length - 1;
    // Either ends it: the connection closed, or (below) the next request answered on it.
    const settled = new Promise<void>((r) => {
      const check = setInterval(() => answers() >= 2 && (clearInterval(check), r()), 20);
      void closed.then(() => (clearInterval(check), r()));
    });
    await Promise.race([settled, new Promise((r) => setTimeout(r, 10_000))]);
    const first = text.split('\r\n\r\n');
    expect(first[0]).toMatch(/^HTTP\/1\.1 413/);
    expect(first[1]).toContain('body_too_large');
    if (first[0]?.toLowerCase().includes('connection: close') === true) {
      // The body was still arriving: closed within the linger, never left for the keep-alive timeout to reset.
      expect(socket.destroyed || socket.readableEnded).toBe(true);
    } else {
      // The whole body had already come through (the replica reads what it refuses; on a loaded
      // machine it can all pass before its answer does): nothing unread, so the connection serves
      // the next request at once.
      expect(answers()).toBeGreaterThanOrEqual(2);
    }
    // Was neither: the next request sat behind the unread body until the keep-alive timeout.
    expect(performance.now() - started).toBeLessThan(5_000);
    socket.destroy();
  });
});
