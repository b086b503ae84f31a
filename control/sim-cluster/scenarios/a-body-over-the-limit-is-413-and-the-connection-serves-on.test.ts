/**
 * A body over the replica's 1 MiB is refused with 413 as soon as the limit is passed, and the rest
 * of it is read and dropped, so the kept-alive connection serves the next request. The replica
 * used to leave the rest unread: the next request on the connection waited behind it until the
 * keep-alive timeout reset the socket, and a proxy whose pooled connection that was answered its
 * next client 502 `upstream-reset` after ~6 s, counted against the replica.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../server.ts';
import { startTestCluster } from './harness.ts';

const BODY = 3 * 1024 * 1024;

describe('a body over the limit', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster();
  });
  afterAll(() => sim.close());

  it('is refused with 413 and the same connection answers the next request', async () => {
    const { port } = new URL(sim.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    let text = '';
    socket.setEncoding('latin1');
    const answers = (n: number): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if ((text.match(/HTTP\/1\.1 /g) ?? []).length >= n && text.trimEnd().endsWith('}'))
            resolve();
        };
        socket.on('data', (d: string) => {
          text += d;
          check();
        });
        socket.once('close', () => resolve());
      });
    const both = answers(2);
    // The whole upload and the next request at once, as a pooled connection carries them.
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: r\r\ncontent-type: application/json\r\ncontent-length: ${BODY}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(BODY, 0x61));
    socket.write('GET /health HTTP/1.1\r\nhost: r\r\n\r\n');
    const started = performance.now();
    await Promise.race([both, new Promise((r) => setTimeout(r, 8_000))]);
    socket.destroy();
    const [first, second] = text.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 413/);
    expect(first).toContain('body_too_large');
    expect(second).toMatch(/^HTTP\/1\.1 200/);
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
