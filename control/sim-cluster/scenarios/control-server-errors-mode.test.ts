import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../server.ts';
import { chatBody, rawRequest, startTestCluster } from './harness.ts';

describe('control: serverErrors mode (a gray failure)', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster();
  });
  afterAll(() => sim.close());

  it('inference answers 500 while /health stays 200, until turned off', async () => {
    const set = await rawRequest(sim.url, { path: '/_control', body: JSON.stringify({ serverErrors: true }) });
    expect(JSON.parse(set.body)).toMatchObject({ mode: { serverErrors: true, fail: false } });
    const chat = await rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody() });
    expect(chat.status).toBe(500);
    expect(JSON.parse(chat.body)).toMatchObject({ error: { code: 'injected_failure' } });
    const health = await rawRequest(sim.url, { method: 'GET', path: '/health' });
    expect([health.status, health.body]).toEqual([200, '{"status":"ok"}']);
    expect(sim.control.snapshot().counters.failed).toBe(1);

    sim.control.setServerErrors(false);
    expect((await rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 1 }) })).status).toBe(200);
  });

  it('hang mode also leaves /health at 200', async () => {
    sim.control.setHang(true);
    const health = await rawRequest(sim.url, { method: 'GET', path: '/health' });
    expect(health.status).toBe(200);
    sim.control.setHang(false);
  });
});
