/**
 * Issue 12 #1: a replica that dies mid-stream must surface as an error at the client, through
 * the edge, in the official OpenAI SDK — never as a cleanly ended stream that looks complete.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { replicaUrls } from '../control/dev/topology.ts';
import { useStack } from './stack.ts';

const h = useStack(23_200);

async function everyReplica(body: unknown): Promise<void> {
  const urls = h.stack().topology.clusters.flatMap((c) => replicaUrls(c));
  await Promise.all(urls.map(async (u) => {
    const res = await fetch(`${u}/_control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${u}/_control: ${res.status}`);
  }));
}

describe('a replica dies mid-stream behind the edge', () => {
  it('makes the OpenAI SDK raise instead of ending the stream normally', async () => {
    const { edgeUrl, apiKey } = h.stack();
    const client = new OpenAI({ baseURL: `${edgeUrl}/v4/acme/chat/v1`, apiKey, maxRetries: 0 });
    // Healthy first: the same stream completes, so the failure below is the cut and nothing else.
    let full = 0;
    for await (const c of await client.chat.completions.create({ model: 'demo-llm', stream: true, max_tokens: 6, messages: [{ role: 'user', content: 'hi' }] })) {
      if ((c.choices[0]?.delta.content ?? '') !== '') full++;
    }
    expect(full).toBe(6);

    await everyReplica({ dieMidStream: true, dieAfterTokens: 3 });
    try {
      for (let i = 0; i < 3; i++) {
        let tokens = 0;
        const run = async (): Promise<void> => {
          const stream = await client.chat.completions.create({ model: 'demo-llm', stream: true, max_tokens: 20, messages: [{ role: 'user', content: `cut ${i}` }] });
          for await (const c of stream) if ((c.choices[0]?.delta.content ?? '') !== '') tokens++;
        };
        await expect(run()).rejects.toThrow();
        expect(tokens).toBeLessThan(20);
      }
    } finally {
      await everyReplica({ reset: true });
    }
  }, 60_000);

  it('ends a cut NDJSON answer with an error line, never cleanly', async () => {
    const { edgeUrl, apiKey } = h.stack();
    await everyReplica({ dieMidStream: true, dieAfterTokens: 2 });
    try {
      const res = await fetch(`${edgeUrl}/v4/acme/train/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ durationMs: 5_000, heartbeatMs: 100 }),
      });
      expect(res.status).toBe(200);
      // workerd ends the chunked answer without a transport error, so the last line says it all.
      const lines = (await res.text().catch(() => '')).trim().split('\n');
      expect(lines.some((l) => l.includes('"result"'))).toBe(false);
      expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({ error: { code: 'upstream-cut' } });
    } finally {
      await everyReplica({ reset: true });
    }
  }, 60_000);
});
