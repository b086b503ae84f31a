/**
 * A non-streaming generation sends no byte until it is done, so its time to first byte is its
 * whole run. The app's `ttfbBudgetMs` (here 300 ms) must not turn a 4 s non-streaming
 * generation into a 504 and a replica fault: such requests get `nonStreamingTtfbBudgetMs`
 * (default 10 min). A streaming request (`Accept: text/event-stream`) stuck in the replica's
 * queue past the budget is still a hung attempt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy } from './harness.ts';

describe('a long non-streaming generation is not a hung replica', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  beforeAll(async () => {
    // One slot, 20 tokens/s: an 80-token generation takes ~4 s and holds the slot, long enough that
    // the queued stream waits past its budget even when a loaded machine delays its arrival.
    sim = await startReplica('c1', 'r0', { slots: 1, queue: 8, tokensPerSecond: 20 });
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      apps: [{ id: APP, requests: { ttfbBudgetMs: 300 } }],
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('answers the non-streaming request in full, and times out only the queued stream', async () => {
    const long = rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ stream: false, max_tokens: 80 }),
    });
    // Wait until the long generation holds the replica's one slot (a fixed sleep raced on a loaded CI box).
    const deadline = Date.now() + 5_000;
    while (!/vllm:num_requests_running\S* 1\b/.test(await (await fetch(`${sim.url}/metrics`)).text())) {
      if (Date.now() > deadline) throw new Error('the long generation never started on the replica');
      await new Promise((r) => setTimeout(r, 20));
    }
    const queuedStream = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      headers: { accept: 'text/event-stream' },
      body: chatBody({ stream: true, max_tokens: 2 }),
    });
    expect(queuedStream.status).toBe(504);
    const r = await long;
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toHaveProperty('choices');
    expect(proxy.runtime.outliers.isEjected(APP, sim.url, Date.now())).toBe(false);
  });
});
