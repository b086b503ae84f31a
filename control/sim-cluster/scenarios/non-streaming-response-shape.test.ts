import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../server.ts';
import { chatBody, rawRequest, startTestCluster } from './harness.ts';

describe('non-streaming response shape', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster({ defaultMaxTokens: 4 });
  });
  afterAll(() => sim.close());

  it('answers chat with one chat.completion body and usage', async () => {
    const res = await rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 3 }) });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({
      id: expect.stringMatching(/^chatcmpl-/) as unknown,
      object: 'chat.completion',
      created: expect.any(Number) as unknown,
      model: 'demo-llm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'The quick brown', refusal: null }, logprobs: null, finish_reason: 'length' }],
      usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
      system_fingerprint: null,
    });
  });

  it('uses the configured default length and finish_reason stop without max_tokens', async () => {
    const res = await rawRequest(sim.url, { path: '/v1/completions', body: JSON.stringify({ model: 'demo-llm', prompt: 'hello' }) });
    const body = JSON.parse(res.body) as { object: string; choices: { text: string; finish_reason: string }[]; usage: { completion_tokens: number } };
    expect(body.object).toBe('text_completion');
    expect(body.choices[0]).toMatchObject({ text: 'The quick brown fox', finish_reason: 'stop' });
    expect(body.usage.completion_tokens).toBe(4);
  });

  it('lists the model and echoes only the listed forwarding headers', async () => {
    const res = await rawRequest(sim.url, {
      method: 'GET',
      path: '/v1/models',
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer secret' },
    });
    expect(JSON.parse(res.body)).toMatchObject({ object: 'list', data: [{ id: 'demo-llm', object: 'model' }] });
    expect(JSON.parse(String(res.headers['x-sim-received-headers']))).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'x-forwarded-for': '203.0.113.9',
    });
  });
});
