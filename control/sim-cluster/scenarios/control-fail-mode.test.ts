import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../server.ts';
import { chatBody, rawRequest, startTestCluster } from './harness.ts';

describe('control: fail mode', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster();
  });
  afterAll(() => sim.close());

  it('POST /_control {fail:true} turns health 503 and requests 500 until reset', async () => {
    expect((await rawRequest(sim.url, { method: 'GET', path: '/health' })).body).toBe('{"status":"ok"}');

    const set = await rawRequest(sim.url, { path: '/_control', body: JSON.stringify({ fail: true }) });
    expect(set.status).toBe(200);
    expect(JSON.parse(set.body)).toMatchObject({ mode: { fail: true, hang: false } });

    const health = await rawRequest(sim.url, { method: 'GET', path: '/health' });
    expect(health.status).toBe(503);
    expect(health.headers['x-sim-cluster']).toBe('test-cluster');
    const chat = await rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody() });
    expect(chat.status).toBe(500);
    expect(JSON.parse(chat.body)).toMatchObject({ error: { type: 'server_error', code: 'injected_failure' } });
    // Metrics and control keep answering so operators can see and undo the fault.
    expect((await rawRequest(sim.url, { method: 'GET', path: '/metrics' })).status).toBe(200);

    const got = await rawRequest(sim.url, { method: 'GET', path: '/_control' });
    expect(JSON.parse(got.body)).toMatchObject({ mode: { fail: true }, counters: { failed: 1 } });

    await rawRequest(sim.url, { path: '/_control', body: JSON.stringify({ reset: true }) });
    expect((await rawRequest(sim.url, { method: 'GET', path: '/health' })).status).toBe(200);
    expect((await rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 1 }) })).status).toBe(200);
    expect(sim.control.snapshot().counters).toMatchObject({ failed: 0, completed: 1 });
  });

  it('refuses unknown or mistyped control fields, naming the field', async () => {
    const bad = await rawRequest(sim.url, { path: '/_control', body: JSON.stringify({ fial: true }) });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: { param: 'fial' } });
    const typed = await rawRequest(sim.url, { path: '/_control', body: JSON.stringify({ slowdownMs: 'slow' }) });
    expect(JSON.parse(typed.body)).toMatchObject({ error: { param: 'slowdownMs' } });
  });

  it('slowdownMs delays the first token', async () => {
    sim.control.setSlowdown(200);
    const r = await rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 1, stream: true }) });
    expect(r.chunks[0]?.at).toBeGreaterThanOrEqual(190);
    sim.control.reset();
  });
});
