import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../server.ts';
import { chatBody, rawRequest, startTestCluster, waitFor } from './harness.ts';

/**
 * `apiLoopMsPerRequest`: vLLM's and SGLang's OpenAI servers are one asyncio loop that also
 * writes every running stream, so under load the small answers come late while generation
 * goes on. What a proxy's health check of a loaded replica meets.
 */
const LOOP_MS = 150;

describe("a loaded replica's API loop answers /health, /metrics and /v1/models late", () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster({ slots: 4, tokensPerSecond: 40, apiLoopMsPerRequest: LOOP_MS });
  });
  afterAll(() => sim.close());

  const answerMs = async (path: string): Promise<number> => {
    const t0 = performance.now();
    const res = await rawRequest(sim.url, { method: 'GET', path });
    expect(res.status).toBe(200);
    return performance.now() - t0;
  };

  it('idle: at once; 3 running: after 3 × the loop work; the streams still finish', async () => {
    await answerMs('/health'); // the first connection and a cold start of this process
    expect(await answerMs('/health')).toBeLessThan(LOOP_MS);
    const streams = [0, 1, 2].map(() => rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 120, stream: true }) }));
    await waitFor(() => sim.control.snapshot().running === 3, 'three generations');
    for (const path of ['/health', '/metrics', '/v1/models']) expect(await answerMs(path)).toBeGreaterThanOrEqual(3 * LOOP_MS - 5);
    for (const r of await Promise.all(streams)) expect(r.body).toContain('[DONE]');
    expect(await answerMs('/health')).toBeLessThan(LOOP_MS);
  });
});
