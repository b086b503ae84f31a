import { describe, expect, it } from 'vitest';
import { forward } from './answer-forward.ts';

const targets = ['c1', 'c2', 'c3'].map((clusterId) => ({ clusterId, proxyUrl: `https://${clusterId}.example` }));

describe('forward: a client that left stops the walk over fallbacks', () => {
  it.each([
    ['client aborted: one attempt, no more mints', true, 1],
    ['network error, client still there: every fallback (GET)', false, 3],
  ])('%s', async (_name, abort, expected) => {
    const ac = new AbortController();
    const request = new Request('https://edge.example/v4/acme/chat/v1/models', { signal: ac.signal });
    let fetches = 0;
    let mints = 0;
    const fetcher = (async () => {
      fetches += 1;
      if (abort) ac.abort();
      throw new TypeError('network error');
    }) as unknown as typeof fetch;
    const r = await forward({
      request,
      upstreamPath: '/v4/acme/chat/v1/models',
      search: '',
      decisionId: 'd1',
      targets,
      mint: async () => (mints += 1, 'token'),
      fetcher,
      log: () => undefined,
    });
    expect(r.ok).toBe(false);
    expect([fetches, mints]).toEqual([expected, expected]);
  });
});
