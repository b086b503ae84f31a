import { describe, expect, it } from 'vitest';
import { closeReason, reconnectEvent, reconnectUrl } from './drain-handoff.ts';
import type { ProxyRuntime } from './runtime.ts';

const rt = (edgeUrl: string | null): ProxyRuntime => ({ config: { edgeUrl } }) as unknown as ProxyRuntime;
const short = { project: 'acme', app: 'chat', fn: 'v1/realtime' };
const long = { project: 'a'.repeat(40), app: 'b'.repeat(40), fn: 'v1/realtime' };

describe('drain hand-off', () => {
  it.each([
    ['full token route when it fits', 'https://edge.example.com', short, '{"reconnect":"https://edge.example.com/token/v4/acme/chat/v1/realtime","retryAfter":7}'],
    ['the edge origin when the route would not fit', 'https://edge.example.com/', long, '{"reconnect":"https://edge.example.com","retryAfter":7}'],
    ['only the wait when no edge is configured', null, short, '{"retryAfter":7}'],
    ['only the wait when even the origin would not fit', `https://${'e'.repeat(120)}.com`, short, '{"retryAfter":7}'],
  ])('WebSocket close reason: %s', (_what, edge, target, want) => {
    const reason = closeReason(rt(edge), target, 7);
    expect(reason).toBe(want);
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
  });

  it('HTTP reconnects at the app path, WebSockets at the token route, without the query', () => {
    expect(reconnectUrl(rt('http://127.0.0.1:8787'), short, false)).toBe('http://127.0.0.1:8787/v4/acme/chat/v1/realtime');
    expect(reconnectUrl(rt('http://127.0.0.1:8787'), short, true)).toBe('http://127.0.0.1:8787/token/v4/acme/chat/v1/realtime');
    expect(reconnectUrl(rt(null), short, true)).toBeNull();
  });

  it('the SSE event carries an OpenAI-format error so SDKs do not take the cut stream as complete', () => {
    const ev = reconnectEvent(rt('https://edge.example.com'), short, 3);
    expect(ev.startsWith('\n\nevent: switchyard.reconnect\ndata: ')).toBe(true);
    const data = JSON.parse(ev.trim().split('\n')[1]?.slice(6) ?? '') as { error: { code: string }; reconnect: string; retry_after: number };
    expect(data).toMatchObject({ error: { code: 'proxy_draining' }, reconnect: 'https://edge.example.com/v4/acme/chat/v1/realtime', retry_after: 3 });
  });
});
