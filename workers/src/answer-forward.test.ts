import { describe, expect, it } from 'vitest';
import { forward, type ForwardTarget } from './answer-forward.ts';

const targets: ForwardTarget[] = ['a', 'b', 'c'].map((c) => ({ clusterId: c, proxyUrl: `https://${c}.proxy.test` }));

/** A forward of a GET whose client has left: each fetch fails as the runtime fails it, on the signal. */
async function forwardAfterAbort(): Promise<{ mints: number; fetches: number; lines: string[]; attempts: number; clientGone: boolean }> {
  const ac = new AbortController();
  const request = new Request('https://edge.test/v4/p/app/f', { method: 'GET', signal: ac.signal });
  ac.abort();
  let mints = 0;
  let fetches = 0;
  const lines: string[] = [];
  const result = await forward({
    request,
    upstreamPath: '/f',
    search: '',
    decisionId: 'd1',
    targets,
    mint: () => { mints++; return Promise.resolve('tok'); },
    fetcher: (() => { fetches++; return Promise.reject(new DOMException('The operation was aborted', 'AbortError')); }) as typeof fetch,
    log: (l) => lines.push(l),
  });
  return { mints, fetches, lines, attempts: result.attempts.length, clientGone: !result.ok && result.clientGone };
}

// L5: a client that left is not a cluster's fault, and trying the fallbacks for nobody costs a
// token and a connection each.
describe('forward after the client aborted', () => {
  it('stops at the first failure instead of walking every fallback', async () => {
    const r = await forwardAfterAbort();
    // ...and says the client left, so the edge does not log "every cluster refused".
    expect(r).toMatchObject({ mints: 1, fetches: 1, attempts: 1, clientGone: true });
  });
});
