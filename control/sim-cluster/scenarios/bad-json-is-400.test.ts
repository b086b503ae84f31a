import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../server.ts';
import { rawRequest, startTestCluster } from './harness.ts';

describe('bad input is a 400 with an OpenAI error, never a crash', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster();
  });
  afterAll(() => sim.close());

  it.each([
    ['/v1/chat/completions', '{"model": ', 'invalid_json', null],
    ['/v1/chat/completions', '', 'invalid_json', null],
    ['/v1/chat/completions', '[1,2]', 'invalid_request', 'body'],
    ['/v1/chat/completions', '{"messages": []}', 'invalid_request', 'messages'],
    ['/v1/chat/completions', '{"messages": [{"role":"user","content":"x"}], "max_tokens": 0}', 'invalid_request', 'max_tokens'],
    ['/v1/completions', '{"prompt": 5}', 'invalid_request', 'prompt'],
    ['/v1/completions', '{"prompt": "x", "stream": "yes"}', 'invalid_request', 'stream'],
    ['/_control', 'nope', 'invalid_json', null],
  ])('%s %s → 400 %s', async (path, body, code, param) => {
    const r = await rawRequest(sim.url, { path, body });
    expect(r.status).toBe(400);
    expect(r.headers['x-sim-replica']).toBe('r0');
    expect(JSON.parse(r.body)).toEqual({ error: { message: expect.any(String) as unknown, type: 'invalid_request_error', param, code } });
  });

  it('unknown routes are 404 and wrong methods 405, and the server still serves', async () => {
    expect((await rawRequest(sim.url, { method: 'GET', path: '/v2/nothing' })).status).toBe(404);
    expect((await rawRequest(sim.url, { method: 'GET', path: '/v1/chat/completions' })).status).toBe(405);
    expect((await rawRequest(sim.url, { method: 'GET', path: '/health' })).status).toBe(200);
  });
});
