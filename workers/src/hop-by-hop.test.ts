import { describe, expect, it } from 'vitest';
import { stripHopByHop, upstreamHeaders, withoutHopByHop } from './hop-by-hop.ts';

const RESPONSE_CASES: Array<[Record<string, string>, string[]]> = [
  [
    {
      connection: 'keep-alive, x-trace',
      'x-trace': '1',
      'keep-alive': 'timeout=5',
      accept: 'text/event-stream',
    },
    ['accept'],
  ],
  [{ te: 'trailers', upgrade: 'h2c', 'content-type': 'application/json' }, ['content-type']],
  [{ 'proxy-authorization': 'x', 'set-cookie': 'a=b' }, ['set-cookie']],
  [
    {
      connection: 'X-Listed',
      'x-listed': '1',
      'transfer-encoding': 'chunked',
      'x-sim-cluster': 'c',
    },
    ['x-sim-cluster'],
  ],
];

describe('withoutHopByHop', () => {
  it.each(RESPONSE_CASES)('%j keeps %j', (input, kept) => {
    expect([...withoutHopByHop(new Headers(input)).keys()].sort()).toEqual(kept.sort());
  });
});

// The relay's in-place variant: the same rule, so the same table.
describe('stripHopByHop', () => {
  it.each(RESPONSE_CASES)('%j keeps %j', (input, kept) => {
    const h = new Headers(input);
    stripHopByHop(h);
    expect([...h.keys()].sort()).toEqual(kept.sort());
  });
});

describe('upstreamHeaders', () => {
  it('replaces a client-supplied token with the edge one', () => {
    const h = upstreamHeaders(
      new Headers({ 'x-switchyard-token': 'forged', 'x-switchyard-mode': 'forward' }),
      'real',
      'd1',
    );
    expect(h.get('x-switchyard-token')).toBe('real');
    expect(h.get('x-switchyard-mode')).toBeNull();
    expect(h.get('x-switchyard-decision-id')).toBe('d1');
  });

  // `Expect` is answered by each hop (workerd here): passed on, the proxy's `100 Continue` became the answer.
  const client = {
    authorization: 'Bearer sy-key',
    cookie: 'session=1',
    'proxy-authorization': 'x',
    host: 'edge',
    accept: '*/*',
    expect: '100-continue',
  };
  it.each([
    ['strips credentials by default', undefined, ['accept']],
    [
      'keeps them when the app forwards them',
      { forwardCredentials: true },
      ['accept', 'authorization', 'cookie'],
    ],
  ])('%s', (_name, policy, kept) => {
    const h = upstreamHeaders(new Headers(client), 't', 'd', policy);
    expect([...h.keys()].filter((k) => !k.startsWith('x-switchyard-')).sort()).toEqual(kept);
  });
});

describe("what the client asks of the proxy reaches it, the proxy's own credential never", () => {
  it('passes the async-job and webhook headers on, drops the job-runner credential', () => {
    const h = upstreamHeaders(
      new Headers({
        'x-switchyard-async': '1',
        'x-switchyard-webhook': 'https://hooks.example/done',
        'x-switchyard-job-runner': 'forged',
      }),
      't',
      'd',
    );
    // Were stripped: an async job asked for by header got a synchronous answer through the edge.
    expect(h.get('x-switchyard-async')).toBe('1');
    expect(h.get('x-switchyard-webhook')).toBe('https://hooks.example/done');
    expect(h.get('x-switchyard-job-runner')).toBeNull();
  });

  it("keeps them off the hop when the client's Connection lists them (hop-by-hop by its own word)", () => {
    const h = upstreamHeaders(
      new Headers({ connection: 'x-switchyard-async', 'x-switchyard-async': '1', 'x-switchyard-webhook': 'https://hooks.example/done' }),
      't',
      'd',
    );
    expect(h.get('x-switchyard-async')).toBeNull();
    expect(h.get('x-switchyard-webhook')).toBe('https://hooks.example/done');
  });
});

describe('the operator key (a credential of ours) never goes upstream', () => {
  it.each([
    ['by default', undefined],
    ['even when the app forwards client credentials', { forwardCredentials: true }],
  ])('%s', (_name, policy) => {
    const h = upstreamHeaders(
      new Headers({ 'x-switchyard-operator-key': 'op-secret', accept: '*/*' }),
      't',
      'd',
      policy,
    );
    expect(h.get('x-switchyard-operator-key')).toBeNull();
    expect(h.get('accept')).toBe('*/*');
  });
});
