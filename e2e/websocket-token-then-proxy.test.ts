/**
 * A WebSocket client the way the edge tells it to work: ask the edge for a routing
 * token, then connect straight to the regional proxy with it and stream tokens.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { useSharedStack } from './stack.ts';

const h = useSharedStack();

interface TokenAnswer {
  token: string;
  url: string;
  expiresAt: number | string;
  decisionId: string;
}

describe('WebSocket through a token', () => {
  it('the edge refuses to upgrade and points to the token route', async () => {
    const edgeWs = `${h.stack().edgeUrl.replace(/^http/, 'ws')}/v4/acme/chat/v1/ws`;
    const ws = new WebSocket(edgeWs, { headers: { authorization: `Bearer ${h.stack().apiKey}` } });
    const refusal = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      ws.once('unexpected-response', (_req, r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      ws.once('open', () => reject(new Error('the edge accepted a WebSocket upgrade')));
      ws.once('error', (e) => reject(e));
    });
    ws.terminate();
    expect(refusal.status).toBe(426);
    expect(refusal.body).toContain('/token/v4/acme/chat/v1/ws');
  });

  it('streams tokens over a WebSocket held by the proxy the token names', async () => {
    const res = await fetch(`${h.stack().edgeUrl}/token/v4/acme/chat/v1/ws`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.stack().apiKey}` },
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as TokenAnswer;
    expect(answer.token.split('.')).toHaveLength(3);
    const proxy = h.stack().topology.proxies.find((p) => answer.url.startsWith(p.url));
    expect(proxy, `token url ${answer.url} should be one of the stack's proxies`).toBeDefined();

    const wsUrl = answer.url.replace(/^http/, 'ws');
    const ws = new WebSocket(wsUrl, { headers: { 'x-switchyard-token': answer.token } });
    const messages: Array<{ type: string; text?: string }> = [];
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => ws.send(JSON.stringify({ prompt: 'hello over ws', max_tokens: 6, id: 'p1' })));
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString()) as { type: string; text?: string };
        messages.push(m);
        if (m.type === 'done') resolve();
        if (m.type === 'error') reject(new Error(data.toString()));
      });
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, r) => reject(new Error(`upgrade refused: ${r.statusCode}`)));
    });
    ws.close();
    expect(messages.filter((m) => m.type === 'token')).toHaveLength(6);
  });

  it('the proxy refuses the same WebSocket without a token', async () => {
    const url = h.stack().topology.proxies[0]?.url ?? '';
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v4/acme/chat/v1/ws`);
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0));
      ws.once('open', () => resolve(101));
      ws.once('error', () => resolve(-1));
    });
    ws.terminate();
    expect(status).toBe(401);
  });
});
