/**
 * Continuation (issue 14) applies to HTTP/2 upstreams unchanged: a chat stream whose h2c
 * connection dies mid-answer (the replica's front drops every HTTP/2 connection) is continued on
 * a sibling replica and reaches the client as one complete stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, sseData, startReplica, startTestProxy, testKeys } from './harness.ts';

describe('a stream whose h2c upstream connection dies is continued on a sibling', () => {
  let sims: SimCluster[];
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sims = [
      await startReplica('c1', 'r0', { tokensPerSecond: 100, h2cMaxStreams: 100 }),
      await startReplica('c1', 'r1', { tokensPerSecond: 100, h2cMaxStreams: 100 }),
    ];
    proxy = await startTestProxy({
      endpoints: sims.map((s) => ({ cluster: 'c1', url: s.url })),
      apps: [{ id: APP, requests: { streams: { continuation: true } } }],
      jwks: keys.jwks,
      config: { upstreamProtocols: 'c1=h2' },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all(sims.map((s) => s.close()));
  });

  it('one complete stream, continued on the other replica', async () => {
    let victim: SimCluster | undefined;
    let contentEvents = 0;
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ stream: true, max_tokens: 60 }),
      headers: { 'x-switchyard-token': await keys.mint() },
      onChunk: (text) => {
        contentEvents += (text.match(/"content":"[^"]/g) ?? []).length;
        if (contentEvents >= 20 && victim === undefined) {
          victim = sims.find((s) => s.control.snapshot().running > 0);
          victim?.dropH2Connections(false);
        }
      },
    });
    expect(victim).toBeDefined();
    expect(r.status).toBe(200);
    expect(r.complete).toBe(true);
    expect(r.body).toMatch(/: switchyard: the replica died mid-stream; continued on c1/);
    expect(sseData(r.body).at(-1)).toBe('[DONE]');
    expect(sims.every((s) => s.connections().h2 >= 1)).toBe(true);
  });
});
