import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEngineMetrics } from '../../../shared/engine-metrics/read-engine-metrics.ts';
import type { SimCluster } from '../server.ts';
import { rawRequest, startTestCluster } from './harness.ts';

// 1 000 words of system prompt at 5 000 tokens/s: a cold prefill takes ~200 ms, a cached one ~0.
const system = Array.from({ length: 1000 }, (_, i) => `w${i}`).join(' ');
const body = (user: string): string =>
  JSON.stringify({ model: 'demo-llm', max_tokens: 1, messages: [{ role: 'system', content: system }, { role: 'user', content: user }] });

async function timed(sim: SimCluster, user: string): Promise<{ ms: number; cached: number }> {
  const t0 = performance.now();
  const r = await rawRequest(sim.url, { path: '/v1/chat/completions', body: body(user) });
  expect(r.status).toBe(200);
  return { ms: performance.now() - t0, cached: Number(r.headers['x-sim-cached-tokens']) };
}

describe('a cached prompt prefix cuts time to first token; /metrics says so in vLLM or SGLang names', () => {
  let vllm: SimCluster;
  let sglang: SimCluster;
  beforeAll(async () => {
    vllm = await startTestCluster({ prefillTokensPerSecond: 5_000, kvBlocks: 1_000 });
    sglang = await startTestCluster({ prefillTokensPerSecond: 5_000, kvBlocks: 1_000, metricNames: 'sglang' });
  });
  afterAll(async () => {
    await vllm.close();
    await sglang.close();
  });

  it('pays the prefill once, then only for the uncached tail', async () => {
    const cold = await timed(vllm, 'first question');
    const warm = await timed(vllm, 'second question');
    expect(cold.cached).toBe(0);
    expect(warm.cached).toBeGreaterThanOrEqual(992);
    expect(cold.ms).toBeGreaterThan(150);
    expect(warm.ms).toBeLessThan(cold.ms / 2);
    const m = readEngineMetrics((await rawRequest(vllm.url, { method: 'GET', path: '/metrics' })).body);
    expect(m.ok && m.load).toMatchObject({ engine: 'vllm', kvCapacityTokens: 16_000, blockSize: 16, kvUsage: 0 });
    expect(m.ok && (m.load.prefixHitRate ?? 0)).toBeGreaterThan(0.45);
  });

  it('evicts least recently used blocks when the cache is full', async () => {
    const small = await startTestCluster({ prefillTokensPerSecond: 1_000_000, kvBlocks: 70 });
    try {
      await timed(small, 'a');
      const other = JSON.stringify({ model: 'demo-llm', max_tokens: 1, prompt: Array.from({ length: 1000 }, (_, i) => `z${i}`).join(' ') });
      expect((await rawRequest(small.url, { path: '/v1/completions', body: other })).status).toBe(200);
      expect((await timed(small, 'b')).cached).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('publishes SGLang names when asked', async () => {
    await timed(sglang, 'x');
    await timed(sglang, 'y');
    const m = readEngineMetrics((await rawRequest(sglang.url, { method: 'GET', path: '/metrics' })).body);
    expect(m.ok && m.load).toMatchObject({ engine: 'sglang', running: 0, waiting: 0, kvCapacityTokens: 16_000 });
    expect(m.ok && (m.load.prefixHitRate ?? 0)).toBeGreaterThan(0.45);
  });
});
