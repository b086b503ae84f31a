/**
 * A managed stream that cannot go on ends with an OpenAI `error` event the client reads: it must
 * say what happened (the fault's code, the cluster) but never the replica's address or a raw
 * socket message — fleet internals are for operators (the outcome record keeps the detail).
 * Here the replica dies after one token and its only sibling refuses connections, so the
 * continuation's last fault is a `connect ECONNREFUSED <ip>:<port>`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startTestProxy } from './harness.ts';

const listen = async (s: Server): Promise<string> => {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

describe('stream error events name no replica address', () => {
  let dying: Server;
  let refusing: Server;
  let refusingUrl: string;
  let proxy: RunningProxy;
  beforeAll(async () => {
    dying = createServer((req, res) => {
      if (req.url === '/health') return void res.end('ok');
      req.resume();
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = { id: 'chatcmpl-1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello' }, finish_reason: null }] };
        res.write(`data: ${JSON.stringify(chunk)}\n\n`, () => setTimeout(() => res.socket?.destroy(), 50));
      }, 400);
    });
    refusing = createServer((_req, res) => res.end('ok'));
    const dyingUrl = await listen(dying);
    refusingUrl = await listen(refusing);
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', url: dyingUrl },
        { cluster: 'c1', url: refusingUrl },
      ],
      apps: [{ id: APP, requests: { streams: { heartbeats: true, heartbeatIntervalMs: 100, continuation: true } } }],
    });
    // The sibling goes away after the proxy knew it as healthy: connecting to it is refused.
    await new Promise((resolve) => {
      refusing.close(resolve);
      refusing.closeAllConnections();
    });
  });
  afterAll(async () => {
    await proxy.close();
    dying.closeAllConnections();
    await new Promise((resolve) => dying.close(resolve));
  });

  it('ends the stream with an error event that carries the code, not the address', async () => {
    const r = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody({ stream: true }) });
    expect(r.status).toBe(200);
    expect(r.body).toContain('Hello');
    const event = /event: error\ndata: (.*)\n\n/.exec(r.body);
    expect(event).not.toBeNull();
    const err = (JSON.parse(event?.[1] ?? '{}') as { error: { message: string; code: string } }).error;
    expect(err.code).toMatch(/^upstream-/);
    expect(err.message).toContain('c1');
    expect(err.message).not.toContain('127.0.0.1');
    expect(err.message).not.toContain(new URL(refusingUrl).port);
    expect(err.message).not.toMatch(/ECONN|UND_ERR/);
  });
});
