/**
 * A replica that greets a WebSocket client at once (the Realtime API's `session.created`) may
 * send that first message in the same TCP segment as its 101 — on a loaded machine the two
 * are routinely read together. `ws` emits such a message right after `open`, in a nextTick,
 * while the proxy is still completing the client's upgrade: it must be held until the bridge
 * relays it, never dropped (the cause of the Realtime SDK e2e hanging after the session opened).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startTestProxy } from './harness.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** An unmasked server text frame (payload < 126 bytes). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
}

describe("a replica's greeting sent with its 101", () => {
  let upstream: Server;
  let proxy: RunningProxy;
  beforeAll(async () => {
    upstream = createServer((sock) => {
      let seen = '';
      sock.on('data', (d: Buffer) => {
        if (seen.includes('\r\n\r\n')) return;
        seen += d.toString('latin1');
        if (!seen.includes('\r\n\r\n')) return;
        const key = /sec-websocket-key: *(\S+)/i.exec(seen)?.[1] ?? '';
        const accept = createHash('sha1').update(key + GUID).digest('base64');
        const head = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
        // One write: the 101 and two messages reach the proxy in one read.
        sock.write(Buffer.concat([Buffer.from(head, 'latin1'), textFrame('session.created'), textFrame('second')]));
      });
      sock.on('error', () => undefined);
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const { port } = upstream.address() as { port: number };
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: `http://127.0.0.1:${port}` }] });
  });
  afterAll(async () => {
    await proxy.close();
    upstream.close();
  });

  it('reaches the client, in order', async () => {
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v4/${APP}/v1/realtime`);
    const got: string[] = [];
    const both = new Promise<void>((resolve) =>
      ws.on('message', (d: Buffer) => {
        got.push(d.toString());
        if (got.length === 2) resolve();
      }),
    );
    await Promise.race([both, new Promise((r) => setTimeout(r, 3_000))]);
    expect(got).toEqual(['session.created', 'second']);
    ws.terminate();
  });
});
