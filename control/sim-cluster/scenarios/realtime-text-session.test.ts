/**
 * The Realtime text subset over a real WebSocket: session.created first, items are
 * acknowledged, a response streams deltas framed by response.created … response.done,
 * a second response.create while one runs is an error event (not a close), and an
 * unknown model is refused at the handshake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SimCluster } from '../server.ts';
import { startTestCluster } from './harness.ts';

type Ev = { type: string; [k: string]: unknown };

function open(url: string): Promise<{ ws: WebSocket; events: Ev[]; next: (type: string) => Promise<Ev> }> {
  const ws = new WebSocket(url);
  const events: Ev[] = [];
  const waiters: Array<{ type: string; resolve: (e: Ev) => void }> = [];
  ws.on('message', (d) => {
    const e = JSON.parse(d.toString()) as Ev;
    events.push(e);
    for (const w of [...waiters]) if (w.type === e.type) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e); }
  });
  const next = (type: string): Promise<Ev> => {
    const seen = events.find((e) => e.type === type && !consumed.has(e));
    if (seen !== undefined) { consumed.add(seen); return Promise.resolve(seen); }
    return new Promise((resolve) => waiters.push({ type, resolve: (e) => { consumed.add(e); resolve(e); } }));
  };
  const consumed = new Set<Ev>();
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, events, next }));
    ws.once('unexpected-response', (_q, r) => reject(new Error(`refused ${r.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('Realtime text session on the simulated cluster', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster({ tokensPerSecond: 200 });
  });
  afterAll(async () => {
    await sim.close();
  });
  const url = (): string => `${sim.url.replace(/^http/, 'ws')}/v1/realtime?model=demo-llm`;

  it('streams a text response framed the way the SDK expects', async () => {
    const { ws, events, next } = await open(url());
    const created = await next('session.created');
    expect((created['session'] as { model: string }).model).toBe('demo-llm');
    ws.send(JSON.stringify({ type: 'session.update', session: { type: 'realtime', instructions: 'be brief' } }));
    await next('session.updated');
    ws.send(JSON.stringify({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } }));
    await next('conversation.item.added');
    ws.send(JSON.stringify({ type: 'response.create', response: { max_output_tokens: 12 } }));
    ws.send(JSON.stringify({ type: 'response.create', event_id: 'second' }));
    const busy = await next('error');
    expect((busy['error'] as { code: string; event_id: string }).code).toBe('conversation_already_has_active_response');
    const done = await next('response.done');
    const deltas = events.filter((e) => e.type === 'response.output_text.delta');
    expect(deltas).toHaveLength(12);
    const response = done['response'] as { status: string; usage: { output_tokens: number }; output: Array<{ content: Array<{ text: string }> }> };
    expect(response.usage.output_tokens).toBe(12);
    expect(response.output[0]?.content[0]?.text).toBe(deltas.map((d) => d['delta']).join(''));
    const order = events.map((e) => e.type).filter((t) => t.startsWith('response.') && t !== 'response.output_text.delta');
    expect(order).toEqual(['response.created', 'response.output_item.added', 'response.content_part.added', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.done']);
    ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: '' }));
    expect(((await next('error'))['error'] as { code: string }).code).toBe('unknown_event');
    ws.close();
  });

  it('cancels a running response and keeps the session', async () => {
    const { ws, next } = await open(url());
    await next('session.created');
    ws.send(JSON.stringify({ type: 'response.create', response: { max_output_tokens: 4000 } }));
    await next('response.output_text.delta');
    ws.send(JSON.stringify({ type: 'response.cancel' }));
    const done = await next('response.done');
    expect((done['response'] as { status: string }).status).toBe('cancelled');
    ws.close();
  });

  it('refuses a model it does not serve at the handshake', async () => {
    await expect(open(`${sim.url.replace(/^http/, 'ws')}/v1/realtime?model=other`)).rejects.toThrow('refused 404');
  });
});
