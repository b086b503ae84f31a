/**
 * In-region calls (issue 18 #1): app A, inside us-east, calls app B (`acme/chat`) straight at
 * its region's proxy — `/v4/acme/chat/<fn>`, no edge, no token — with a service key of B.
 * Real processes: libSQL, sim clusters, the regional proxies. Without a key, with a key of
 * another app or a revoked key it is refused; an app with no cluster in the region is refused
 * with a 4xx naming the regions it has; the decision is the shared core's, recorded as
 * in-region, among the region's clusters only; SSE and WebSocket work the same way.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { createServiceKey, revokeServiceKey } from '../control/cli/commands/service-keys.ts';
import { useSharedStack } from './stack.ts';

const h = useSharedStack();
const proxyUrl = (id: string): string => h.stack().topology.proxies.find((p) => p.id === id)?.url ?? '';
const CHAT = { model: 'demo-llm', max_tokens: 3, messages: [{ role: 'user', content: 'hi from app A' }] };

async function call(proxy: string, app: string, key: string | null, body: unknown = CHAT): Promise<Response> {
  return fetch(`${proxyUrl(proxy)}/v4/acme/${app}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
    body: JSON.stringify(body),
  });
}

async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { error?: { code?: string; message?: string } };
  return `${body.error?.code ?? '?'}: ${body.error?.message ?? ''}`;
}

describe('app A calls app B in its region through the proxy', () => {
  it('is served in-region with a service key of B, and the decision record says in-region', async () => {
    const key = await createServiceKey(h.db(), 'acme/chat', 'svc-a-to-chat', Date.now());
    for (let i = 0; i < 4; i++) {
      const res = await call('proxy-us-east', 'chat', key.key);
      expect(res.status, await res.clone().text()).toBe(200);
      // acme/chat also runs in eu-west, eu-central and ap-southeast: only us-east-1 is in-region.
      expect(res.headers.get('x-sim-cluster')).toBe('us-east-1');
      await res.text();
    }
    const deadline = Date.now() + 10_000;
    let rows: Array<Record<string, unknown>> = [];
    while (rows.length === 0 && Date.now() < deadline) {
      rows = (await h.db().execute(`SELECT * FROM decisions WHERE app_id = 'acme/chat' AND input_json LIKE '%"scope":"in-region"%'`)).rows as unknown as Array<Record<string, unknown>>;
      if (rows.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(rows.length).toBeGreaterThan(0);
    const row = rows[0] ?? {};
    expect(row['chosen_cluster']).toBe('us-east-1');
    const explanation = JSON.parse(String(row['explanation_json'])) as { summary: string; candidates: Array<{ clusterId: string }> };
    expect(explanation.summary).toMatch(/^in-region \(us-east\)/);
    expect(explanation.candidates.map((c) => c.clusterId)).toEqual(['us-east-1']);
  });

  it('is refused without a key, with a key of another app, and once the key is revoked', async () => {
    const none = await call('proxy-us-east', 'chat', null);
    expect(none.status).toBe(401);
    expect(await errorCode(none)).toMatch(/^missing-key/);
    const garbage = await call('proxy-us-east', 'chat', 'not-a-key-at-all-0000000000');
    expect(garbage.status).toBe(401);
    await garbage.text();

    const trainKey = await createServiceKey(h.db(), 'acme/train', undefined, Date.now());
    const wrongApp = await call('proxy-us-east', 'chat', trainKey.key);
    expect(wrongApp.status).toBe(403);
    expect(await errorCode(wrongApp)).toMatch(/^wrong-app/);

    const key = await createServiceKey(h.db(), 'acme/chat', undefined, Date.now());
    const ok = await call('proxy-us-east', 'chat', key.key);
    expect(ok.status).toBe(200);
    await ok.text();
    expect(await revokeServiceKey(h.db(), key.id)).toBe(true);
    // The proxy re-reads a cached key within PROXY_IN_REGION_REFRESH_MS (1 s by default).
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (status !== 403 && Date.now() < deadline) {
      const res = await call('proxy-us-east', 'chat', key.key);
      status = res.status;
      await res.text();
      if (status !== 403) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(403); // revoked-key, as at the edge
  });

  it('takes the project API key too (the edge\'s key store and rules)', async () => {
    const res = await call('proxy-eu-west', 'chat', h.stack().apiKey);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-sim-cluster')).toBe('eu-west-1');
    await res.text();
  });

  it('refuses an app with no cluster in the region, naming the regions it has', async () => {
    // acme/train runs in us-east-1 and eu-central-1: nothing in eu-west.
    const res = await call('proxy-eu-west', 'train', h.stack().apiKey);
    expect(res.status).toBe(421);
    const msg = await errorCode(res);
    expect(msg).toMatch(/^not-in-region/);
    expect(msg).toContain('eu-central, us-east');
  });

  it('streams SSE in-region', async () => {
    const key = await createServiceKey(h.db(), 'acme/chat', undefined, Date.now());
    const res = await call('proxy-us-east', 'chat', key.key, { ...CHAT, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text).toContain('data: [DONE]');
  });

  it('carries a WebSocket in-region with a service key, and refuses it without one', async () => {
    const key = await createServiceKey(h.db(), 'acme/chat', undefined, Date.now());
    const wsUrl = `${proxyUrl('proxy-us-east').replace(/^http/, 'ws')}/v4/acme/chat/v1/ws`;
    const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${key.key}` } });
    const tokens: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => ws.send(JSON.stringify({ prompt: 'hello in-region', max_tokens: 4, id: 'p1' })));
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString()) as { type: string; text?: string };
        if (m.type === 'token') tokens.push(m.text ?? '');
        if (m.type === 'done') resolve();
        if (m.type === 'error') reject(new Error(data.toString()));
      });
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, r) => reject(new Error(`upgrade refused: ${r.statusCode}`)));
    });
    ws.close();
    expect(tokens).toHaveLength(4);

    const bare = new WebSocket(wsUrl);
    const status = await new Promise<number>((resolve) => {
      bare.once('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0));
      bare.once('open', () => resolve(101));
      bare.once('error', () => resolve(-1));
    });
    bare.terminate();
    expect(status).toBe(401); // missing-key
  });
});
