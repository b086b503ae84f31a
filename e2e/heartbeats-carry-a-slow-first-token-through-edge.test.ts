/**
 * Issue 14 #1, end to end: a model whose first token comes long after the request streams to
 * completion through the edge (forward mode) and a regional proxy when its app opts in to
 * heartbeats — and the same request without heartbeats is cut by an idle-cutting middlebox.
 *
 * Scale: Cloudflare cuts a proxied connection that carries no byte for 100 s, and the issue's
 * model takes 150 s (1.5×) for its first token. CI runs the same shape shrunk: an idle cut of
 * IDLE_CUT_MS (default 2 s) and a first token after 2.5 × that (default 5 s), heartbeats every
 * 500 ms. `E2E_IDLE_CUT_MS=100000 E2E_FIRST_TOKEN_MS=150000` runs it at full scale (heartbeats
 * every 15 s): passed on 2026-11-30 in 453 s — the SDK's first token after 150.6 s through a
 * 100 s idle cut, and the stream without heartbeats cut at 100.1 s.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replicaUrls } from '../control/dev/topology.ts';
import { startIdleCutRelay, type IdleCutRelay } from './idle-cut-relay.ts';
import { CLIENTS, devLocation, sleep, useStack } from './stack.ts';

const IDLE_CUT_MS = Number(process.env['E2E_IDLE_CUT_MS'] ?? 2_000);
const FIRST_TOKEN_MS = Number(process.env['E2E_FIRST_TOKEN_MS'] ?? 2.5 * IDLE_CUT_MS);
const HEARTBEAT_MS = Math.min(15_000, Math.max(100, Math.floor(IDLE_CUT_MS / 4)));
const TEST_MS = FIRST_TOKEN_MS * 2 + 30_000;

const h = useStack(24_800);

async function everyReplica(body: unknown): Promise<void> {
  const urls = h.stack().topology.clusters.flatMap((c) => replicaUrls(c));
  await Promise.all(urls.map(async (u) => {
    const res = await fetch(`${u}/_control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${u}/_control: ${res.status}`);
  }));
}

describe('heartbeats carry a slow first token through the edge', () => {
  let relay: IdleCutRelay;
  beforeAll(async () => {
    // acme/eu-chat opts in (its budget covers the slow first token); acme/chat stays as it was.
    const rules = { functions: ['v1/*'], ttfbBudgetMs: FIRST_TOKEN_MS + 10_000, streams: { heartbeats: true, heartbeatIntervalMs: HEARTBEAT_MS } };
    await h.db().execute({ sql: "UPDATE apps SET requests_json = ? WHERE id = 'acme/eu-chat'", args: [JSON.stringify(rules)] });
    await h.db().execute({ sql: "UPDATE apps SET requests_json = ? WHERE id = 'acme/chat'", args: [JSON.stringify({ functions: ['v1/*'], ttfbBudgetMs: FIRST_TOKEN_MS + 10_000 })] });
    await everyReplica({ firstTokenDelayMs: FIRST_TOKEN_MS });
    // Proxies re-read app rules every 2 s, the edge its snapshot every REFRESH_MS.
    await sleep(3_000);
    relay = await startIdleCutRelay(h.stack().edgeUrl, IDLE_CUT_MS);
  }, 30_000);
  afterAll(async () => {
    await relay.close();
    await everyReplica({ reset: true });
  });

  const client = (app: string, location: Record<string, string>): OpenAI =>
    new OpenAI({ baseURL: `${relay.url}/v4/acme/${app}/v1`, apiKey: h.stack().apiKey, maxRetries: 0, timeout: TEST_MS, defaultHeaders: location });

  it('streams every token to the OpenAI SDK, heartbeats holding the idle connection', async () => {
    const started = Date.now();
    const stream = await client('eu-chat', devLocation(CLIENTS.frankfurt)).chat.completions.create({
      model: 'demo-llm', stream: true, max_tokens: 8, messages: [{ role: 'user', content: 'take your time' }],
    });
    let tokens = 0;
    let firstAt = 0;
    for await (const c of stream) {
      if ((c.choices[0]?.delta.content ?? '') === '') continue;
      tokens += 1;
      firstAt ||= Date.now() - started;
    }
    expect(tokens).toBe(8);
    expect(firstAt).toBeGreaterThanOrEqual(FIRST_TOKEN_MS - 200);
    expect(relay.cuts()).toBe(0);
  }, TEST_MS);

  it('delivers the heartbeats through the edge as they are sent, not buffered', async () => {
    const started = Date.now();
    const res = await fetch(`${relay.url}/v4/acme/eu-chat/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.stack().apiKey}`, 'content-type': 'application/json', ...devLocation(CLIENTS.frankfurt) },
      body: JSON.stringify({ model: 'demo-llm', stream: true, max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(FIRST_TOKEN_MS / 2);
    const beats: number[] = [];
    let text = '';
    const decoder = new TextDecoder();
    for await (const part of res.body ?? []) {
      const s = decoder.decode(part as Uint8Array, { stream: true });
      for (let i = 0; i < s.split(': heartbeat').length - 1; i++) beats.push(Date.now() - started);
      text += s;
    }
    expect(text).toContain('data: [DONE]');
    expect(beats.length).toBeGreaterThanOrEqual(Math.floor(FIRST_TOKEN_MS / HEARTBEAT_MS) - 2);
    // Spread over the wait: the edge passed each one on when it came.
    expect((beats.at(-1) ?? 0) - (beats[0] ?? 0)).toBeGreaterThan(FIRST_TOKEN_MS / 2);
  }, TEST_MS);

  it('without heartbeats the same stream is cut by the idle timeout', async () => {
    const run = async (): Promise<number> => {
      const stream = await client('chat', devLocation(CLIENTS.newYork)).chat.completions.create({
        model: 'demo-llm', stream: true, max_tokens: 8, messages: [{ role: 'user', content: 'take your time' }],
      });
      let tokens = 0;
      for await (const c of stream) if ((c.choices[0]?.delta.content ?? '') !== '') tokens += 1;
      return tokens;
    };
    const cutsBefore = relay.cuts();
    const started = Date.now();
    await expect(run()).rejects.toThrow();
    // Cut by the relay's idle timeout, before the first token would have come.
    expect(relay.cuts()).toBeGreaterThan(cutsBefore);
    expect(Date.now() - started).toBeLessThan(FIRST_TOKEN_MS);
  }, TEST_MS);
});
