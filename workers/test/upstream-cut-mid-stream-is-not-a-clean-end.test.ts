import { describe, expect, it } from 'vitest';
import { call } from './helpers.ts';

/** Reads a body to its end; resolves with the text, or rejects when the stream errors. */
async function readAll(res: Response): Promise<string> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
}

// A proxy whose replica dies mid-answer cuts its connection to the edge. The client must learn
// that the answer is incomplete: a cleanly ended body would pass for a complete one.
describe('upstream cut mid-stream', () => {
  it('errors a JSON body instead of ending it cleanly', async () => {
    const res = await call('/v4/acme/chat/die-json', { init: { method: 'POST', body: '{}', headers: { 'content-length': '2' } } });
    expect(res.status).toBe(200);
    await expect(readAll(res)).rejects.toThrow();
  });

  it('ends an event stream with an error event, then errors it', async () => {
    const res = await call('/v4/acme/chat/die-sse', { init: { method: 'POST', body: '{}', headers: { 'content-length': '2' } } });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    let failed = false;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      failed = true;
    }
    expect(text).toContain('data: {"n":1}');
    expect(text).toMatch(/event: error\ndata: \{"error":\{"code":"upstream-cut"/);
    expect(failed).toBe(true);
  });

  it('ends a JSON-lines stream with an error line, then errors it', async () => {
    const res = await call('/v4/acme/chat/die-ndjson', { init: { method: 'POST', body: '{}', headers: { 'content-length': '2' } } });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    let failed = false;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      failed = true;
    }
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('{"n":1}');
    expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({ error: { code: 'upstream-cut' } });
    expect(failed).toBe(true);
  });
});
