import { describe, expect, it } from 'vitest';
import { call, seenByProxies } from './helpers.ts';

// A prompt of declared length goes to the proxy as bytes with its Content-Length, not as a
// chunked stream: the proxy takes a body that has fully arrived at once (its fast path needs the
// declared length) instead of piping it chunk by chunk before the replica sees the request head.
const post = (body: string): RequestInit => ({ method: 'POST', body, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } });

describe('forward: a small body goes upstream with its length', () => {
  it('sends a prompt of declared length with Content-Length, unchanged', async () => {
    const body = JSON.stringify({ model: 'chat-70b', messages: [{ role: 'user', content: 'length-payload' }] });
    const res = await call('/v4/acme/chat/v1/chat/completions', { init: post(body) });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const seen = (await seenByProxies()).filter((s) => s.body === body);
    expect(seen.map((s) => s.framing)).toEqual([`length ${body.length}`]);
  });

  it('sends the same bytes, with their length, to a fallback after a not-started refusal', async () => {
    const res = await call('/v4/acme/refusal/generate', { init: post('retry-length-payload') });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ proxy: 'eu', body: 'retry-length-payload' });
    const seen = (await seenByProxies()).filter((s) => s.body === 'retry-length-payload');
    expect(seen.map((s) => [s.proxy, s.framing])).toEqual([['refuse', 'length 20'], ['eu', 'length 20']]);
  });

  it('still streams a body of unknown length (one attempt, chunked)', async () => {
    const parts = ['stream-', 'of-unknown-', 'length'];
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        const p = parts.shift();
        if (p === undefined) c.close();
        else c.enqueue(new TextEncoder().encode(p));
      },
    });
    const res = await call('/v4/acme/chat/generate', { init: { method: 'POST', body: stream } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const seen = (await seenByProxies()).filter((s) => s.body === 'stream-of-unknown-length');
    expect(seen.map((s) => s.framing)).toEqual(['chunked']);
  });
});
