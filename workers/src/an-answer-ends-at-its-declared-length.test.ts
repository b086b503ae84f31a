/**
 * A forwarded answer with a declared length ends at its last byte (watched-body.ts). workerd gives
 * a subrequest's answer its end only once the request body is sent, so a proxy's early refusal of
 * an upload the client had stopped sending (as curl stops at an error status) never ended at the
 * client, and the proxy closing after it was logged as a cut naming the cluster. Here the
 * upstream body stands in for that answer: its bytes arrive, its end never does (or an error
 * follows them).
 */
import { describe, expect, it } from 'vitest';
import { declaredBodyLength, watchBody } from './watched-body.ts';

const enc = new TextEncoder();

/** An upstream body that sends `bytes` and then `after`: never ends, errors, or ends. */
function upstream(bytes: string, after: 'hang' | 'error' | 'end'): { body: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    pull(c): Promise<void> | void {
      if (!sent) {
        sent = true;
        return c.enqueue(enc.encode(bytes));
      }
      if (after === 'end') return c.close();
      if (after === 'error') return c.error(new Error('Network connection lost.'));
      return new Promise<void>(() => undefined);
    },
    cancel(): void {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { body, cancelled: () => cancelled };
}

async function readAll(s: ReadableStream<Uint8Array>, ms = 1_000): Promise<string> {
  const text = new Response(s).text();
  const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no end within ${ms} ms`)), ms));
  return Promise.race([text, late]);
}

describe('a forwarded answer with a declared length', () => {
  const refusal = '{"error":{"code":"no-endpoints"}}';

  it.each([
    ['its end never comes (the upload still pending)', 'hang'],
    ['the proxy closes after it', 'error'],
    ['it ends', 'end'],
  ] as const)('ends at its last byte when %s, and is no cut', async (_name, after) => {
    const up = upstream(refusal, after);
    const cuts: string[] = [];
    const watched = watchBody(up.body, { format: 'opaque', length: refusal.length, onCut: (m) => cuts.push(m) });
    expect(await readAll(watched)).toBe(refusal);
    expect(cuts).toEqual([]);
    if (after !== 'end') expect(up.cancelled()).toBe(true);
  });

  it('without a length, an error after the bytes is still a cut', async () => {
    const cuts: string[] = [];
    const watched = watchBody(upstream('data: {"a":1}\n\n', 'error').body, { format: 'sse', onCut: (m) => cuts.push(m) });
    await expect(readAll(watched)).rejects.toThrow(/cut mid-stream/);
    expect(cuts).toHaveLength(1);
  });

  it.each([
    [{ 'content-length': '33' }, 33],
    [{ 'content-length': '0' }, 0],
    [{ 'content-length': '33', 'content-encoding': 'gzip' }, null],
    [{ 'content-length': '33', 'content-encoding': 'identity' }, 33],
    [{ 'transfer-encoding': 'chunked' }, null],
    [{ 'content-length': '1e3' }, null],
  ])('declared length of %o is %s', (headers, length) => {
    expect(declaredBodyLength(new Headers(headers))).toBe(length);
  });
});
