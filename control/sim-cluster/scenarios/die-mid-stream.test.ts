import OpenAI from 'openai';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SimCluster } from '../server.ts';
import { chatBody, rawRequest, sseEvents, startTestCluster } from './harness.ts';

describe('control: dieMidStream', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster();
    sim.control.setDieMidStream(true, 2);
  });
  afterAll(() => sim.close());

  it('SSE: the socket is destroyed after K tokens; the client sees an incomplete stream without [DONE]', async () => {
    const r = await rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody({ stream: true, max_tokens: 10 }) }).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    // Depending on timing Node reports either an aborted response or a reset socket; both mean "cut".
    if (r instanceof Error) expect(r.message).toMatch(/aborted|socket hang up|ECONNRESET/);
    else {
      expect(r.complete).toBe(false);
      const events = sseEvents(r.body.slice(0, r.body.lastIndexOf('\n\n') + 2));
      expect(events).toHaveLength(3); // role chunk + 2 tokens
      expect(events).not.toContain('[DONE]');
    }
    expect(sim.control.snapshot()).toMatchObject({ running: 0, counters: { died: 1 } });
  });

  it('SSE faster than the event loop: what was written before the cut still reaches the client', async () => {
    // At this rate every token is due at once, so the writes and the cut share one tick.
    const fast = await startTestCluster({ tokensPerSecond: 1_000_000 });
    try {
      fast.control.setDieMidStream(true, 2);
      const r = await rawRequest(fast.url, { path: '/v1/chat/completions', body: chatBody({ stream: true, max_tokens: 10 }) });
      expect(r.complete).toBe(false);
      expect(sseEvents(r.body.slice(0, r.body.lastIndexOf('\n\n') + 2))).toHaveLength(3); // role chunk + 2 tokens
    } finally {
      await fast.close();
    }
  });

  it('the openai SDK stream rejects instead of ending normally', async () => {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sim', maxRetries: 0 });
    const consume = async (): Promise<string> => {
      const stream = await client.chat.completions.create({ model: 'demo-llm', messages: [{ role: 'user', content: 'x' }], stream: true, max_tokens: 10 });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      return text;
    };
    await expect(consume()).rejects.toThrow();
  });

  it('non-streaming: the connection drops with no response', async () => {
    await expect(rawRequest(sim.url, { path: '/v1/completions', body: JSON.stringify({ prompt: 'x', max_tokens: 10 }) })).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it('WebSocket: terminated after K token messages', async () => {
    const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/v1/ws`);
    await once(ws, 'open');
    const tokens: unknown[] = [];
    ws.on('message', (d) => tokens.push(JSON.parse(d.toString())));
    ws.send(JSON.stringify({ prompt: 'x', max_tokens: 10 }));
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(1006); // abnormal closure: no close frame
    expect(tokens).toHaveLength(2);
  });

  it('jobs: the connection is cut after K heartbeats, before any result', async () => {
    const r = await rawRequest(sim.url, { path: '/v1/jobs', body: JSON.stringify({ durationMs: 2000, heartbeatMs: 20 }) }).catch((err: unknown) =>
      err instanceof Error ? err : new Error(String(err)),
    );
    if (r instanceof Error) expect(r.message).toMatch(/aborted|socket hang up|ECONNRESET/);
    else {
      expect(r.complete).toBe(false);
      expect(r.body).not.toContain('"result"');
      expect(r.body.match(/"heartbeat"/g)).toHaveLength(2);
    }
  });
});
