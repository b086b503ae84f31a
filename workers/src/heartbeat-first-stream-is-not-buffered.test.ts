/**
 * Issue 14 #1, edge side: a proxy's heartbeat stream opens with SSE comments and its first data
 * event may come minutes later. Forward mode must hand each comment to the client as it comes
 * (Cloudflare cuts a proxied connection that carries nothing for 100 s), never hold it back
 * until data arrives, and must not treat comments as anything but stream bytes.
 */
import { describe, expect, it } from 'vitest';
import { forward } from './answer-forward.ts';

const encoder = new TextEncoder();

describe('a heartbeat-first stream through forward mode', () => {
  it('passes each heartbeat on before the upstream sends anything else', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const upstream = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(encoder.encode(': heartbeat\n\n'));
        // The rest only once the client has read the heartbeat: a buffering edge would hang here.
        await gate;
        c.enqueue(encoder.encode('data: {"id":"x","choices":[]}\n\n'));
        c.enqueue(encoder.encode('data: [DONE]\n\n'));
        c.close();
      },
    });
    const result = await forward({
      request: new Request('https://edge.test/v4/p/app/v1/chat/completions', { method: 'POST', body: '{"stream":true}' }),
      upstreamPath: '/v1/chat/completions',
      search: '',
      decisionId: 'd1',
      targets: [{ clusterId: 'a', proxyUrl: 'https://a.proxy.test' }],
      mint: () => Promise.resolve('tok'),
      fetcher: (() => Promise.resolve(new Response(upstream, { headers: { 'content-type': 'text/event-stream' } }))) as typeof fetch,
      log: () => undefined,
    });
    expect(result.ok).toBe(true);
    const reader = result.ok && result.response.body !== null ? result.response.body.getReader() : null;
    const decoder = new TextDecoder();
    const first = await reader?.read();
    expect(decoder.decode(first?.value)).toBe(': heartbeat\n\n');
    release();
    let rest = '';
    for (;;) {
      const r = await reader?.read();
      if (r === undefined || r.done) break;
      rest += decoder.decode(r.value);
    }
    expect(rest).toBe('data: {"id":"x","choices":[]}\n\ndata: [DONE]\n\n');
  });
});
