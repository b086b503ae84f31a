import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SimCluster } from '../server.ts';
import { chatBody, rawRequest, startTestCluster, waitFor } from './harness.ts';

describe('client disconnect frees the slot', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster({ slots: 1, queue: 1, tokensPerSecond: 20 });
  });
  afterAll(() => sim.close());

  it('a streaming client that goes away stops generation and its slot serves the next request', async () => {
    const controller = new AbortController();
    const gone = rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody({ stream: true, max_tokens: 1000 }), signal: controller.signal }).catch(() => 'aborted');
    await waitFor(() => sim.control.snapshot().counters.generationTokens >= 2, 'tokens to flow');
    controller.abort();
    expect(await gone).toBe('aborted');
    await waitFor(() => sim.control.snapshot().running === 0, 'the slot to be freed');
    const tokensAtAbort = sim.control.snapshot().counters.generationTokens;
    expect(sim.control.snapshot().counters.aborted).toBe(1);

    const next = await rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 2 }) });
    expect(next.status).toBe(200);
    // Generation really stopped: only the new request's 2 tokens were added.
    expect(sim.control.snapshot().counters.generationTokens).toBe(tokensAtAbort + 2);
  });

  it('a queued client that goes away leaves the queue', async () => {
    const busy = rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 20 }) });
    await waitFor(() => sim.control.snapshot().running === 1, 'the slot to be taken');
    const controller = new AbortController();
    const queued = rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody(), signal: controller.signal }).catch(() => 'aborted');
    await waitFor(() => sim.control.snapshot().waiting === 1, 'a request to queue');
    controller.abort();
    await queued;
    await waitFor(() => sim.control.snapshot().waiting === 0, 'the queue to empty');
    expect((await busy).status).toBe(200);
    expect(sim.control.snapshot()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('a WebSocket closed mid-generation frees its slot', async () => {
    const abortedBefore = sim.control.snapshot().counters.aborted;
    const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/v1/ws`);
    await once(ws, 'open');
    ws.send(JSON.stringify({ prompt: 'x', max_tokens: 1000 }));
    await once(ws, 'message');
    expect(sim.control.snapshot().running).toBe(1);
    ws.close();
    await waitFor(() => sim.control.snapshot().running === 0, 'the slot to be freed');
    expect(sim.control.snapshot().counters.aborted).toBe(abortedBefore + 1);
  });
});
