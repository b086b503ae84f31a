import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, chatBody, rawRequest, sseData, startReplica, testKeys } from './harness.ts';
import { spawnProxy } from './proxy-processes.ts';

describe('SIGTERM drains a real proxy process without cutting a stream, then exits 0', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 20 });
  });
  afterAll(() => sim.close());

  it('finishes the stream that was in flight when the signal arrived', async () => {
    const keys = await testKeys();
    // A real process with edge tokens required (spawnProxy defaults to auth off).
    const { child, url } = await spawnProxy([{ cluster: 'c1', url: sim.url }], { PROXY_AUTH_DISABLED: 'false', PROXY_JWKS: keys.jwks, PROXY_DRAIN_DEADLINE_MS: '3000' });
    let firstChunk: () => void = () => undefined;
    const started = new Promise<void>((r) => (firstChunk = r));
    const stream = rawRequest(url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ stream: true, max_tokens: 12 }),
      headers: { 'x-switchyard-token': await keys.mint() },
      onChunk: () => firstChunk(),
    });
    await started;
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    child.kill('SIGTERM');
    const r = await stream;
    expect(r.complete).toBe(true);
    expect(sseData(r.body).at(-1)).toBe('[DONE]');
    const [code] = await exited;
    expect(code).toBe(0);
  }, 20_000);
});
