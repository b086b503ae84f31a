/**
 * The edge self-hosted on workerd (`switchyard edge --workerd`: the bundle `wrangler deploy`
 * would upload, served by the workerd binary with the same vars, secrets and libSQL URL) routes
 * real traffic: the unmodified OpenAI SDK streams a chat completion through it (forward mode),
 * and a token-mode client takes a routing token from it and streams straight from the proxy.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { CLIENTS, devLocation, useStack, waitForDecision } from './stack.ts';

const h = useStack(25_600, {}, { edge: 'workerd' });

interface TokenAnswer {
  token: string;
  url: string;
  expiresAt: number;
  decisionId: string;
}

/** Reads an SSE body, returning each `data:` payload's arrival time and the concatenated deltas. */
async function readSse(res: Response): Promise<{ arrivals: number[]; text: string; done: boolean }> {
  const reader = res.body?.getReader();
  if (reader === undefined) throw new Error('no body');
  const decoder = new TextDecoder();
  let buf = '';
  let text = '';
  let done = false;
  const arrivals: number[] = [];
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    buf += decoder.decode(r.value, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const event = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = event.replace(/^data: /, '');
      if (data === '[DONE]') {
        done = true;
        continue;
      }
      const delta = (JSON.parse(data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '';
      if (delta !== '') {
        arrivals.push(Date.now());
        text += delta;
      }
    }
  }
  return { arrivals, text, done };
}

describe('self-hosted edge on workerd', () => {
  it('runs the workerd binary on the deploy bundle, with no secret in its config file', async () => {
    const edge = h.stack().supervisor.running.find((c) => c.spec.name === 'edge');
    expect(edge?.spec.args).toEqual(expect.arrayContaining(['edge', '--workerd']));
    const config = await readFile(join(h.stack().stateDir, 'workerd', 'edge.capnp'), 'utf8');
    expect(config).toContain('fromEnvironment = "TOKEN_SIGNING_KEY"');
    expect(config).not.toContain(h.stack().libsqlAuthToken);
    expect(config).not.toContain(h.stack().operatorKey);
    expect(config).not.toContain('"d":'); // the private JWK's secret scalar
    const health = await fetch(`${h.stack().edgeUrl}/health`);
    expect(health.status).toBe(200);
  });

  it('streams a chat completion from the OpenAI SDK chunk by chunk (forward mode) and records the decision', async () => {
    const client = new OpenAI({
      baseURL: `${h.stack().edgeUrl}/v4/acme/chat/v1`,
      apiKey: h.stack().apiKey,
      maxRetries: 0,
      defaultHeaders: devLocation(CLIENTS.frankfurt),
    });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'demo-llm', stream: true, max_tokens: 12, messages: [{ role: 'user', content: 'stream via workerd' }] })
      .withResponse();
    const arrivals: number[] = [];
    let text = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content ?? '';
      if (delta !== '') {
        arrivals.push(Date.now());
        text += delta;
      }
    }
    expect(arrivals).toHaveLength(12);
    expect(text.length).toBeGreaterThan(0);
    // 25-40 tokens/s upstream: an unbuffered edge spreads the arrivals over time.
    expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThan(150);
    const decisionId = String(response.headers.get('x-switchyard-decision-id'));
    const row = await waitForDecision(h.db(), decisionId);
    expect(row['app_id']).toBe('acme/chat');
    expect(row['chosen_cluster']).toBe(response.headers.get('x-sim-cluster'));
  });

  it('hands out a routing token, and the named proxy streams the completion with it (token mode)', async () => {
    const res = await fetch(`${h.stack().edgeUrl}/token/v4/acme/chat/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.stack().apiKey}`, ...devLocation(CLIENTS.newYork) },
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as TokenAnswer;
    expect(Object.keys(answer).sort()).toEqual(['decisionId', 'expiresAt', 'token', 'url']);
    expect(h.stack().topology.proxies.some((p) => answer.url.startsWith(p.url))).toBe(true);

    const streamed = await fetch(answer.url, {
      method: 'POST',
      headers: { 'x-switchyard-token': answer.token, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo-llm', stream: true, max_tokens: 8, messages: [{ role: 'user', content: 'token mode' }] }),
    });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    const { arrivals, done } = await readSse(streamed);
    expect(arrivals).toHaveLength(8);
    expect(done).toBe(true);
    const row = await waitForDecision(h.db(), answer.decisionId);
    expect(row['chosen_cluster']).toBe(streamed.headers.get('x-sim-cluster'));
  });

  it('refuses a wrong API key with 401 before routing', async () => {
    const res = await fetch(`${h.stack().edgeUrl}/v4/acme/chat/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-wrong', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo-llm', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(401);
    await res.body?.cancel();
  });
});
