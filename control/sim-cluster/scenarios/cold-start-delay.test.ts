import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../server.ts';
import { chatBody, rawRequest, startTestCluster, waitFor } from './harness.ts';

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
    // Both were sent before the load began, so both waited the whole load (client clock). The
    // server-side header counts from each request's own arrival: only the one that triggered the
    // load is sure to report all of it; a later arrival on a busy machine reports less.
    for (const r of [a, b]) {
      expect(r?.status).toBe(200);
      expect(r?.chunks[0]?.at).toBeGreaterThanOrEqual(290);
    }
    expect(Math.max(Number(a?.headers['x-sim-cold-start-ms']), Number(b?.headers['x-sim-cold-start-ms']))).toBeGreaterThanOrEqual(300);
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
    const idle = await startTestCluster({ coldStartMs: 50, idleUnloadMs: 300 });
    try {
      await rawRequest(idle.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 1 }) });
      expect(idle.control.snapshot().modelLoaded).toBe(true);
      // Idle time counts from the server's release, which a busy machine may run after the client
      // saw the response: poll for the unload instead of sleeping a fixed margin past it.
      await waitFor(() => !idle.control.snapshot().modelLoaded, 'the idle model to unload');
    } finally {
      await idle.close();
    }
  });
});
