/**
 * An app that opts in to managed streams (heartbeats / continuation) reads a request's body
 * whole before choosing a replica, to see `"stream": true` and to re-send it on a retry. That
 * is for JSON requests only: a large upload of the same app (multipart audio, files — up to
 * `maxBodyBytes`, which may be 1 GB) must stream through to the replica as it arrives, not be
 * held in the proxy's memory until its last byte.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startTestProxy, waitFor } from './harness.ts';

describe('managed streams never buffer uploads', () => {
  let upstream: Server;
  let proxy: RunningProxy;
  let receivedBytes = 0;
  beforeAll(async () => {
    upstream = createServer((req, res) => {
      if (req.url === '/health') return void res.end('ok');
      req.on('data', (c: Buffer) => (receivedBytes += c.length));
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` }],
      apps: [{ id: APP, requests: { maxBodyBytes: 64 * 1024 * 1024, streams: { heartbeats: true, continuation: true } } }],
    });
  });
  afterAll(async () => {
    await proxy.close();
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('a multipart upload reaches the replica while the client is still sending it', async () => {
    const total = 8 * 1024 * 1024;
    const half = Buffer.alloc(total / 2, 'a');
    const socket = connect(Number(new URL(proxy.url).port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST /v4/${APP}/v1/audio/transcriptions HTTP/1.1\r\nhost: x\r\ncontent-type: multipart/form-data; boundary=b\r\ncontent-length: ${total}\r\n\r\n`,
    );
    socket.write(half);
    try {
      await waitFor(() => receivedBytes > 0, 'the replica to see the first half of the upload', 3_000);
    } finally {
      socket.write(half);
      socket.destroy();
    }
    expect(receivedBytes).toBeGreaterThan(0);
  });
});
