/**
 * A drain must never answer `x-switchyard-refused: not-started` for an exchange already sent to
 * a replica: the edge would send the POST again to another cluster (a double run). A
 * non-streaming POST sends no byte until its generation is done, so it looks "unstarted" to the
 * proxy for its whole life. In flight when the drain begins, it either completes (it ends before
 * the deadline) or, cut at the deadline, gets 503 with `x-switchyard-refused: 1` (may have
 * started: the edge re-sends only idempotent requests). Either way the replica ran it once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

describe('a drain never says not-started for a dispatched POST', () => {
  let sim: SimCluster | undefined;
  let proxy: RunningProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    await sim?.close();
  });

  async function postThenDrain(deadlineMs: number): Promise<Awaited<ReturnType<typeof rawRequest>>> {
    // 40 tokens at 20/s: 2 s of generation, no byte before the end (stream: false).
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 20 });
    const keys = await testKeys();
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      jwks: keys.jwks,
      config: { drainStartGraceMs: 300 },
    });
    const token = await keys.mint({ fn: 'v1/chat/completions' });
    const answer = rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      headers: { 'x-switchyard-token': token },
      body: chatBody({ stream: false, max_tokens: 40 }),
    });
    await new Promise((r) => setTimeout(r, 400)); // the replica is generating
    const drained = proxy.drain(deadlineMs);
    const r = await answer;
    await drained;
    return r;
  }

  it('completes when the generation ends before the deadline (not cut at the start grace)', async () => {
    const r = await postThenDrain(10_000);
    expect(r.headers['x-switchyard-refused']).toBeUndefined();
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toHaveProperty('choices');
    expect(sim?.control.snapshot().counters.requests).toBe(1);
  }, 20_000);

  it('cut at the deadline, it is refused as may-have-started, never not-started', async () => {
    const r = await postThenDrain(800);
    expect(r.status).toBe(503);
    expect(r.headers['x-switchyard-refused']).toBe('1');
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'draining-cut' } });
    expect(sim?.control.snapshot().counters.requests).toBe(1);
  }, 20_000);
});
