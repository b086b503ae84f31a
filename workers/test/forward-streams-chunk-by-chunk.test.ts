import { describe, expect, it } from 'vitest';
import { call, control, seenByProxies } from './helpers.ts';

describe('forward answer', () => {
  it('streams an event stream back chunk by chunk, unbuffered', async () => {
    const res = await call('/v4/acme/chat/stream', { init: { headers: { accept: 'text/event-stream' } } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('x-switchyard-decision-id')).not.toBeNull();
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    // The fake proxy sends chunk N+1 only after we release it: if the edge buffered the
    // response, chunk 1 would never arrive here and this test would time out.
    for (let i = 1; i <= 3; i++) {
      while (!text.includes(`chunk-${i}`)) {
        const { value, done } = await reader.read();
        expect(done).toBe(false);
        text += decoder.decode(value, { stream: true });
      }
      expect(text).not.toContain(`chunk-${i + 1}`);
      if (i < 3) await control('/stream/release', {});
    }
    expect((await reader.read()).done).toBe(true);
  });

  it('forwards method, body and headers with a token, and strips hop-by-hop headers', async () => {
    const res = await call('/v4/acme/chat/v1/chat/completions?x=1&sy_mode=forward', {
      init: {
        method: 'POST',
        body: JSON.stringify({ prompt: 'hi' }),
        headers: { 'content-type': 'application/json', 'x-switchyard-token': 'forged', 'x-custom': 'kept' },
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('keep-alive')).toBeNull();
    expect(res.headers.get('x-proxy')).not.toBeNull();
    const echo = (await res.json()) as { method: string; path: string; query: string; token: string; body: string };
    expect(echo.method).toBe('POST');
    expect(echo.path).toBe('/v4/acme/chat/v1/chat/completions');
    expect(echo.query).toBe('?x=1');
    expect(echo.body).toBe('{"prompt":"hi"}');
    expect(echo.token).not.toBe('forged');
    expect(echo.token.split('.')).toHaveLength(3);
  });
});

describe('forwarded-for', () => {
  it('appends the connecting client address (CF-Connecting-IP) to the client-supplied x-forwarded-for', async () => {
    const res = await call('/v4/acme/eu-only/generate', { init: { headers: { 'x-forwarded-for': '198.51.100.7', 'cf-connecting-ip': '203.0.113.9' } } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { xff: string }).xff).toBe('198.51.100.7, 203.0.113.9');
  });

  it('sets x-forwarded-for to the connecting address when the client sent none', async () => {
    const res = await call('/v4/acme/eu-only/generate', { init: { headers: { 'cf-connecting-ip': '203.0.113.9' } } });
    expect(((await res.json()) as { xff: string }).xff).toBe('203.0.113.9');
  });
});

describe('forward fallback', () => {
  it('tries the next cluster when the chosen proxy refuses with x-switchyard-refused', async () => {
    // A small body of known length (as real clients send it) can be replayed to the fallback.
    const res = await call('/v4/acme/refusal/generate', { init: { method: 'POST', body: 'payload', headers: { 'content-length': '7' } } });
    if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
    expect(res.status).toBe(200);
    const echo = (await res.json()) as { proxy: string; body: string };
    expect(echo).toMatchObject({ proxy: 'eu', body: 'payload' });
    const seen = await seenByProxies();
    expect(seen.some((s) => s.proxy === 'refuse' && s.body === 'payload')).toBe(true);
  });

  it('tries the next cluster when the chosen proxy is unreachable', async () => {
    const res = await call('/v4/acme/dead/generate');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { proxy: string }).proxy).toBe('us');
  });
});
