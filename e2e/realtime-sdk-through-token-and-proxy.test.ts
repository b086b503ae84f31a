/**
 * The official `openai` SDK's Realtime WebSocket client (`openai/realtime/ws`),
 * unmodified, through the system the way WebSocket clients use it: ask the edge for a
 * routing token, point the SDK's base URL at the proxy the token names, hand the token
 * over in `options.headers` (the SDK's own pass-through to `ws`), and hold a text
 * session with the simulated cluster behind the proxy. The SDK only speaks wss, so the
 * proxies of this stack listen with TLS.
 */
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { describe, expect, it } from 'vitest';
import { useStack } from './stack.ts';

const h = useStack(25_000, {}, { proxyTls: true });

interface TokenAnswer {
  token: string;
  url: string;
}

async function routingToken(): Promise<TokenAnswer> {
  const res = await fetch(`${h.stack().edgeUrl}/token/v4/acme/chat/v1/realtime?model=demo-llm`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.stack().apiKey}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as TokenAnswer;
}

describe('OpenAI Realtime over WebSocket through edge token mode and a proxy', () => {
  it('the SDK round-trips a text conversation', async () => {
    const answer = await routingToken();
    expect(answer.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v4\/acme\/chat\/v1\/realtime\?model=demo-llm$/);
    // The SDK appends /realtime?model=… to its base URL itself.
    const baseURL = answer.url.slice(0, answer.url.indexOf('/realtime'));
    // The API key stops at the edge; the proxy needs only the routing token.
    const client = new OpenAI({ apiKey: 'not-needed-past-the-edge', baseURL });
    const rt = await OpenAIRealtimeWS.create(client, {
      model: 'demo-llm',
      options: { headers: { 'x-switchyard-token': answer.token }, ca: h.stack().proxyCa ?? undefined },
    });
    const errors: string[] = [];
    rt.on('error', (err) => errors.push(err.message));
    const cluster = new Promise<string>((resolve, reject) => {
      rt.socket.once('upgrade', (res) => resolve(String(res.headers['x-switchyard-cluster'])));
      rt.socket.once('unexpected-response', (_q, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    // A refused upgrade or a socket error fails the test at once with its reason (not at the 60 s timeout).
    const session = await Promise.race([
      new Promise<{ model?: string }>((resolve) => rt.once('session.created', (e) => resolve(e.session as { model?: string }))),
      cluster.then(() => new Promise<never>(() => undefined)),
      new Promise<never>((_resolve, reject) => rt.socket.once('error', reject)),
      new Promise<never>((_resolve, reject) => rt.socket.once('close', (code, reason) => reject(new Error(`closed before session.created: ${code} ${String(reason)}`)))),
    ]);
    expect(session.model).toBe('demo-llm');
    expect(await cluster).toMatch(/-\d$/);

    rt.send({ type: 'session.update', session: { type: 'realtime', instructions: 'answer briefly', output_modalities: ['text'] } });
    rt.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Say something about foxes.' }] },
    });
    let text = '';
    rt.on('response.output_text.delta', (e) => (text += e.delta));
    const done = new Promise<{ status?: string; usage?: { output_tokens?: number } }>((resolve) =>
      rt.once('response.done', (e) => resolve(e.response as { status?: string; usage?: { output_tokens?: number } })),
    );
    rt.send({ type: 'response.create', response: { max_output_tokens: 10 } });
    const response = await done;
    expect(response.usage?.output_tokens).toBe(10);
    expect(text).toBe('The quick brown fox jumps over the lazy dog.');

    // A second turn on the same connection: the session lives on the same replica.
    const second = new Promise<unknown>((resolve) => rt.once('response.done', resolve));
    rt.send({ type: 'response.create', response: { max_output_tokens: 3 } });
    await second;
    expect(errors).toEqual([]);
    const closed = new Promise<number>((resolve) => rt.socket.once('close', (code) => resolve(code)));
    rt.close({ code: 1000, reason: 'bye' });
    expect(await closed).toBe(1000);
  });

  it('without the routing token the proxy refuses the SDK at the handshake', async () => {
    const answer = await routingToken();
    const client = new OpenAI({ apiKey: 'sk-anything', baseURL: answer.url.slice(0, answer.url.indexOf('/realtime')) });
    const rt = await OpenAIRealtimeWS.create(client, { model: 'demo-llm', options: { ca: h.stack().proxyCa ?? undefined } });
    rt.on('error', () => undefined);
    const status = await new Promise<number>((resolve) => {
      rt.socket.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
      rt.socket.once('open', () => resolve(101));
    });
    rt.socket.terminate();
    expect(status).toBe(401);
  });
});
