import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../server.ts';
import { chatBody, rawRequest, sseEvents, startTestCluster } from './harness.ts';

describe('streaming arrives token by token', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster({ tokensPerSecond: 20 });
  });
  afterAll(() => sim.close());

  it('sends one SSE event per token, spread in time at the configured rate, ending with [DONE]', async () => {
    const res = await rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody({ stream: true, max_tokens: 6 }) });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['x-sim-cluster']).toBe('test-cluster');
    expect(res.headers['x-sim-replica']).toBe('r0');
    const events = sseEvents(res.body);
    // role chunk + 6 tokens + finish chunk + [DONE]
    expect(events).toHaveLength(9);
    expect(events[0]).toMatchObject({ object: 'chat.completion.chunk', model: 'demo-llm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    expect(events[1]).toMatchObject({ choices: [{ delta: { content: 'The' }, finish_reason: null }] });
    expect(events[7]).toMatchObject({ choices: [{ delta: {}, finish_reason: 'length' }] });
    expect(events[8]).toBe('[DONE]');
    // 6 tokens at 20/s: 250 ms between first and last token; chunks must not arrive all at once.
    const tokenChunks = res.chunks.filter((c) => c.text.includes('"content":"') && !c.text.includes('"role"'));
    expect(tokenChunks.length).toBeGreaterThanOrEqual(5);
    const first = tokenChunks[0]?.at ?? 0;
    const last = tokenChunks[tokenChunks.length - 1]?.at ?? 0;
    expect(last - first).toBeGreaterThanOrEqual(200);
  });

  it('streams /v1/completions as text_completion chunks with usage when asked', async () => {
    const res = await rawRequest(sim.url, {
      path: '/v1/completions',
      body: JSON.stringify({ model: 'demo-llm', prompt: 'one two three', stream: true, max_tokens: 3, stream_options: { include_usage: true } }),
    });
    const events = sseEvents(res.body);
    expect(events.map((e) => (typeof e === 'string' ? e : (e as { choices: { text: string }[] }).choices[0]?.text ?? 'usage'))).toEqual([
      'The',
      ' quick',
      ' brown',
      '',
      'usage',
      '[DONE]',
    ]);
    expect(events[4]).toMatchObject({ object: 'text_completion', choices: [], usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } });
  });
});
