import { describe, expect, it } from 'vitest';
import { upstreamHeaders, withoutHopByHop } from './hop-by-hop.ts';

describe('withoutHopByHop', () => {
  it.each([
    [{ connection: 'keep-alive, x-trace', 'x-trace': '1', 'keep-alive': 'timeout=5', accept: 'text/event-stream' }, ['accept']],
    [{ te: 'trailers', upgrade: 'h2c', 'content-type': 'application/json' }, ['content-type']],
    [{ 'proxy-authorization': 'x', 'set-cookie': 'a=b' }, ['set-cookie']],
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

  const client = { authorization: 'Bearer sy-key', cookie: 'session=1', 'proxy-authorization': 'x', host: 'edge', accept: '*/*' };
  it.each([
    ['strips credentials by default', undefined, ['accept']],
    ['keeps them when the app forwards them', { forwardCredentials: true }, ['accept', 'authorization', 'cookie']],
  ])('%s', (_name, policy, kept) => {
    const h = upstreamHeaders(new Headers(client), 't', 'd', policy);
    expect([...h.keys()].filter((k) => !k.startsWith('x-switchyard-')).sort()).toEqual(kept);
  });
});

describe('the operator key (a credential of ours) never goes upstream', () => {
  it.each([
    ['by default', undefined],
    ['even when the app forwards client credentials', { forwardCredentials: true }],
  ])('%s', (_name, policy) => {
    const h = upstreamHeaders(new Headers({ 'x-switchyard-operator-key': 'op-secret', accept: '*/*' }), 't', 'd', policy);
    expect(h.get('x-switchyard-operator-key')).toBeNull();
    expect(h.get('accept')).toBe('*/*');
  });
});
