import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../server.ts';
import { startTestCluster, waitFor } from './harness.ts';

describe('the official openai SDK works unmodified', () => {
  let sim: SimCluster;
  let client: OpenAI;
  beforeAll(async () => {
    sim = await startTestCluster();
    client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sim', maxRetries: 0 });
  });
  afterAll(() => sim.close());

  it('chat, non-streaming', async () => {
    const r = await client.chat.completions.create({ model: 'demo-llm', messages: [{ role: 'user', content: 'hi there' }], max_tokens: 5 });
    expect(r.choices[0]?.message.content).toBe('The quick brown fox jumps');
    expect(r.usage).toEqual({ prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 });
  });

  it('chat, streaming with usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'demo-llm',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 4,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let total = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      total = chunk.usage?.total_tokens ?? total;
    }
    expect(text).toBe('The quick brown fox');
    expect(finish).toBe('length');
    expect(total).toBe(5);
  });

  it('completions, both ways, and models.list', async () => {
    const r = await client.completions.create({ model: 'demo-llm', prompt: 'a b', max_tokens: 2 });
    expect(r.choices[0]?.text).toBe('The quick');
    const stream = await client.completions.create({ model: 'demo-llm', prompt: 'a b', max_tokens: 2, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe('The quick');
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['demo-llm']);
  });

  it('surfaces a 429 as the SDK RateLimitError', async () => {
    const busy = [0, 1].map(() => client.chat.completions.create({ model: 'demo-llm', messages: [{ role: 'user', content: 'x' }], max_tokens: 1000 }));
    // Both slots busy for ~1 s; the third is refused at once (queue: reject).
    await waitFor(() => sim.control.snapshot().running === 2, 'both slots busy');
    await expect(client.chat.completions.create({ model: 'demo-llm', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    await Promise.all(busy);
  });
});
