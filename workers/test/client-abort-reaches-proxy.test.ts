import { describe, expect, it } from 'vitest';
import { call, control, eventually } from './helpers.ts';

const abortedAtProxy = async (id: string): Promise<true | undefined> =>
  ((await control('/proxy/aborted')) as string[]).includes(id) ? true : undefined;

// A client that leaves must not leave a generation running behind the edge (issue 12 #2): the
// edge's connection to the proxy closes too, so the proxy can stop the replica's work.
describe('client aborts reach the proxy', () => {
  it('before the proxy has answered', async () => {
    const ac = new AbortController();
    const pending = call('/v4/acme/chat/hang-headers?id=pre-headers', { init: { signal: ac.signal } }).catch((e: unknown) => e);
    setTimeout(() => ac.abort(), 200);
    await pending;
    await eventually(() => abortedAtProxy('pre-headers'));
  });

  it('while the answer streams', async () => {
    const res = await call('/v4/acme/chat/hang?id=mid-stream');
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('first');
    await reader.cancel();
    await eventually(() => abortedAtProxy('mid-stream'));
  });
});
