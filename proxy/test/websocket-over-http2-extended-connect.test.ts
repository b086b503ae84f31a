/**
 * RFC 8441 with a real HTTP/2 client (node:http2, h2c prior knowledge on the proxy's one port):
 * the proxy advertises SETTINGS_ENABLE_CONNECT_PROTOCOL, an extended CONNECT with the routing
 * token opens a WebSocket to the replica (its subprotocol and cluster in the 200), RFC 6455
 * frames flow both ways on the stream, and the usual refusals apply (no token → 401, a plain
 * CONNECT → 405, a missing version → 400) before any replica is contacted.
 */
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startReplica, startTestProxy, testKeys } from './harness.ts';

/** A client's RFC 6455 frame: FIN, masked (a client must mask; the key need not be secret here). */
function frame(opcode: number, payload: Buffer): Buffer {
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const len = payload.length < 126 ? Buffer.from([0x80 | payload.length]) : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.from(payload.map((b, i) => b ^ (key[i % 4] ?? 0)));
  return Buffer.concat([Buffer.from([0x80 | opcode]), len, key, masked]);
}

/** The server's frames (unmasked, unfragmented) as they arrive on the stream. */
function frames(stream: ClientHttp2Stream, onFrame: (opcode: number, payload: Buffer) => void): void {
  let buf = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const short = (buf[1] ?? 0) & 0x7f;
      const head = short === 126 ? 4 : 2;
      if (buf.length < head) return;
      const len = short === 126 ? buf.readUInt16BE(2) : short;
      if (buf.length < head + len) return;
      onFrame((buf[0] ?? 0) & 0x0f, buf.subarray(head, head + len));
      buf = buf.subarray(head + len);
    }
  });
}

function connect(session: ClientHttp2Session, headers: Record<string, string>): Promise<{ stream: ClientHttp2Stream; head: IncomingHttpHeaders }> {
  const stream = session.request({ ':method': 'CONNECT', ':path': `/v4/${APP}/v1/ws`, ...headers });
  return new Promise((resolve, reject) => {
    stream.once('response', (head) => resolve({ stream, head }));
    stream.once('error', reject);
  });
}

describe('WebSocket over HTTP/2 (RFC 8441 extended CONNECT)', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  let session: ClientHttp2Session;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 500 });
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], jwks: keys.jwks });
    session = http2.connect(proxy.url);
    await once(session, 'remoteSettings');
  });
  afterAll(async () => {
    session.close();
    await proxy.close();
    await sim.close();
  });

  it('the proxy advertises extended CONNECT', () => {
    expect(session.remoteSettings.enableConnectProtocol).toBe(true);
  });

  it('round-trips prompts and tokens over one h2 stream', async () => {
    const token = await keys.mint({ fn: 'v1/ws' });
    const { stream, head } = await connect(session, {
      ':protocol': 'websocket',
      'sec-websocket-version': '13',
      'x-switchyard-token': token,
    });
    expect(head[':status']).toBe(200);
    expect(head['x-switchyard-cluster']).toBe('c1');
    const got: Array<{ type: string }> = [];
    let closeCode = 0;
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    const done = new Promise<void>((resolve, reject) => {
      frames(stream, (opcode, payload) => {
        if (opcode === 8) closeCode = payload.readUInt16BE(0);
        if (opcode !== 1) return;
        const m = JSON.parse(payload.toString()) as { type: string };
        got.push(m);
        if (m.type === 'done') resolve();
        if (m.type === 'error') reject(new Error(payload.toString()));
      });
    });
    stream.write(frame(1, Buffer.from(JSON.stringify({ prompt: 'over h2', max_tokens: 5 }))));
    await done;
    expect(got.filter((m) => m.type === 'token')).toHaveLength(5);
    // Close handshake: the proxy answers our 1000 with its own and ends the stream.
    const code = Buffer.alloc(2);
    code.writeUInt16BE(1000);
    stream.write(frame(8, code));
    await closed;
    expect(closeCode).toBe(1000);
  });

  it.each([
    ['no token', { ':protocol': 'websocket', 'sec-websocket-version': '13' }, 401],
    ['no WebSocket version', { ':protocol': 'websocket' }, 400],
    ['another protocol', { ':protocol': 'connect-udp', 'sec-websocket-version': '13' }, 501],
  ])('refuses %s before any replica is contacted', async (_what, headers, status) => {
    const before = sim.control.snapshot().counters.requests;
    const token = status === 401 ? null : await keys.mint({ fn: 'v1/ws' });
    const { stream, head } = await connect(session, { ...headers, ...(token === null ? {} : { 'x-switchyard-token': token }) });
    expect(head[':status']).toBe(status);
    stream.close();
    expect(sim.control.snapshot().counters.requests).toBe(before);
  });
});
