import { describe, expect, it } from 'vitest';
import { upstreamHeaders, withoutHopByHop } from './hop-by-hop.ts';

describe('withoutHopByHop', () => {
  it.each([
    [{ connection: 'keep-alive, x-trace', 'x-trace': '1', 'keep-alive': 'timeout=5', accept: 'text/event-stream' }, ['accept']],
    [{ te: 'trailers', upgrade: 'h2c', 'content-type': 'application/json' }, ['content-type']],
    [{ 'proxy-authorization': 'x', authorization: 'Bearer k' }, ['authorization']],
  ])('%j keeps %j', (input, kept) => {
    expect([...withoutHopByHop(new Headers(input)).keys()].sort()).toEqual(kept.sort());
  });
});

describe('upstreamHeaders', () => {
  it('replaces a client-supplied token with the edge one', () => {
    const h = upstreamHeaders(new Headers({ 'x-switchyard-token': 'forged', 'x-switchyard-mode': 'forward' }), 'real', 'd1');
    expect(h.get('x-switchyard-token')).toBe('real');
    expect(h.get('x-switchyard-mode')).toBeNull();
    expect(h.get('x-switchyard-decision-id')).toBe('d1');
  });
});
