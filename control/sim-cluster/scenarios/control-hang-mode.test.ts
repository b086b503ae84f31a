import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../server.ts';
import { chatBody, rawRequest, startTestCluster, waitFor } from './harness.ts';

describe('control: hang mode', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster();
  });
  afterAll(() => sim.close());

  it('accepts and never answers, so the client must time out; control still answers', async () => {
    sim.control.setHang(true);
    const r = rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody(), signal: AbortSignal.timeout(300) });
    await expect(r).rejects.toMatchObject({ name: 'AbortError' });
    expect(sim.control.snapshot().counters.hung).toBe(1);
    const control = await rawRequest(sim.url, { method: 'GET', path: '/_control' });
    expect(JSON.parse(control.body)).toMatchObject({ mode: { hang: true } });
  });

  it('close() returns even while a request hangs', async () => {
    const other = await startTestCluster();
    other.control.setHang(true);
    const pending = rawRequest(other.url, { path: '/v1/completions', body: JSON.stringify({ prompt: 'x' }) }).catch((err: unknown) => err);
    await waitFor(() => other.control.snapshot().counters.hung === 1, 'the request to hang');
    await other.close();
    expect(await pending).toBeInstanceOf(Error);
  });

  it('turning hang off serves again', async () => {
    sim.control.setHang(false);
    expect((await rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 1 }) })).status).toBe(200);
  });
});
