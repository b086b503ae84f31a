import { afterEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../server.ts';
import { chatBody, rawRequest, startTestCluster, waitFor } from './harness.ts';

describe('slots full: 429 or queue', () => {
  let sim: SimCluster | undefined;
  afterEach(() => sim?.close());

  it('reject mode: refuses with 429, Retry-After and an OpenAI error body while every slot is busy', async () => {
    sim = await startTestCluster({ slots: 1, queue: 'reject', tokensPerSecond: 50, defaultMaxTokens: 100 });
    const s = sim;
    const busy = rawRequest(s.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 50 }) });
    await waitFor(() => s.control.snapshot().running === 1, 'the slot to be taken');
    const refused = await rawRequest(s.url, { path: '/v1/chat/completions', body: chatBody() });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.headers['x-sim-replica']).toBe('r0');
    expect(JSON.parse(refused.body)).toEqual({ error: { message: expect.stringContaining('slots') as unknown, type: 'rate_limit_error', param: null, code: 'slots_full' } });
    expect((await busy).status).toBe(200);
    expect(s.control.snapshot().counters).toMatchObject({ rejected: 1, completed: 1 });
  });

  it('queue mode: waits for a slot up to Q, then refuses the next', async () => {
    sim = await startTestCluster({ slots: 1, queue: 1, tokensPerSecond: 100 });
    const s = sim;
    const order: string[] = [];
    const first = rawRequest(s.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 100 }) }).then((r) => {
      order.push('first');
      return r;
    });
    await waitFor(() => s.control.snapshot().running === 1, 'the slot to be taken');
    const queued = rawRequest(s.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 2 }) }).then((r) => {
      order.push('queued');
      return r;
    });
    await waitFor(() => s.control.snapshot().waiting === 1, 'one request to queue');
    const refused = await rawRequest(s.url, { path: '/v1/chat/completions', body: chatBody() });
    expect(refused.status).toBe(429);
    const [a, b] = await Promise.all([first, queued]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    // The queued request is far shorter but only started once the first finished, so it ended later.
    expect(order).toEqual(['first', 'queued']);
    expect(s.control.snapshot()).toMatchObject({ running: 0, waiting: 0 });
  });
});
