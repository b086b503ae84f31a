import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../server.ts';
import { chatBody, rawRequest, startTestCluster } from './harness.ts';

describe('cold start delay', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster({ coldStartMs: 300 });
  });
  afterAll(() => sim.close());

  it('the first request pays the cold start once (shared by concurrent ones); later requests do not', async () => {
    expect(sim.control.snapshot().modelLoaded).toBe(false);
    const models = await rawRequest(sim.url, { method: 'GET', path: '/v1/models' });
    expect(JSON.parse(models.body)).toMatchObject({ data: [{ loaded: false }] });

    const [a, b] = await Promise.all([0, 1].map(() => rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 1 }) })));
    // Both wait for the one load; the one that arrived a moment later waits that much less.
    for (const r of [a, b]) {
      expect(r?.status).toBe(200);
      expect(Number(r?.headers['x-sim-cold-start-ms'])).toBeGreaterThanOrEqual(250);
      expect(r?.chunks[0]?.at).toBeGreaterThanOrEqual(250);
    }
    expect(Math.max(Number(a?.headers['x-sim-cold-start-ms']), Number(b?.headers['x-sim-cold-start-ms']))).toBeGreaterThanOrEqual(290);
    expect(sim.control.snapshot()).toMatchObject({ modelLoaded: true, coldStarts: 1 });

    const warm = await rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 1 }) });
    expect(warm.headers['x-sim-cold-start-ms']).toBe('0');
  });

  it('unloading the model makes the next request pay again', async () => {
    sim.control.unloadModel();
    const r = await rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 1 }) });
    expect(Number(r.headers['x-sim-cold-start-ms'])).toBeGreaterThanOrEqual(290);
    expect(sim.control.snapshot().coldStarts).toBe(2);
  });

  it('an idle model unloads after idleUnloadMs', async () => {
    const idle = await startTestCluster({ coldStartMs: 50, idleUnloadMs: 100 });
    try {
      await rawRequest(idle.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 1 }) });
      expect(idle.control.snapshot().modelLoaded).toBe(true);
      await new Promise((r) => setTimeout(r, 150));
      expect(idle.control.snapshot().modelLoaded).toBe(false);
    } finally {
      await idle.close();
    }
  });
});
