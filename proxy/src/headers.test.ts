import { describe, expect, it } from 'vitest';
import { downstreamResponseHeaders, stripHopByHop, upstreamRequestHeaders } from './headers.ts';

const facts = {
  clientIp: '10.0.0.7',
  proto: 'https',
  host: 'api.example',
  traceId: () => 'a'.repeat(32),
  spanId: () => 'b'.repeat(16),
};

describe('stripHopByHop', () => {
  it.each([
    [
      'connection-specific headers',
      {
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        te: 'trailers',
        upgrade: 'h2c',
        'x-ok': '1',
      },
      { 'x-ok': '1' },
    ],
    [
      'names listed in Connection',
      { connection: 'close, X-Secret ,x-other', 'x-secret': 's', 'x-other': 'o', 'x-ok': '1' },
      { 'x-ok': '1' },
    ],
    [
      'HTTP/2 pseudo-headers',
      { ':method': 'GET', ':path': '/', 'content-type': 'a/b' },
      { 'content-type': 'a/b' },
    ],
    [
      'proxy auth',
      { 'proxy-authorization': 'Basic x', 'proxy-authenticate': 'y', authorization: 'Bearer z' },
      { authorization: 'Bearer z' },
    ],
  ])('removes %s', (_name, input, expected) => {
    expect(stripHopByHop(input)).toEqual(expected);
  });
});

describe('upstreamRequestHeaders', () => {
  it.each([
    ['first hop', {}, '10.0.0.7', 'for=10.0.0.7;proto=https;host="api.example"'],
    [
      'appends to a chain',
      { 'x-forwarded-for': '1.2.3.4', forwarded: 'for=1.2.3.4' },
      '1.2.3.4, 10.0.0.7',
      'for=1.2.3.4, for=10.0.0.7;proto=https;host="api.example"',
    ],
  ])('%s', (_name, input, xff, fwd) => {
    const out = upstreamRequestHeaders(
      { host: 'api.example', 'x-switchyard-token': 'secret', ...input },
      facts,
    );
    expect(out['x-forwarded-for']).toBe(xff);
    expect(out['forwarded']).toBe(fwd);
    expect(out['x-forwarded-proto']).toBe('https');
    expect(out['x-forwarded-host']).toBe('api.example');
    expect(out['x-switchyard-token']).toBeUndefined();
    expect(out['host']).toBeUndefined();
  });

  it.each([
    [
      'keeps a valid traceparent',
      '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01',
      '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01',
    ],
    ['replaces a malformed one', 'garbage', `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`],
    ['generates one when absent', undefined, `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`],
  ])('%s', (_name, tp, expected) => {
    const out = upstreamRequestHeaders(tp === undefined ? {} : { traceparent: tp }, facts);
    expect(out['traceparent']).toBe(expected);
  });

  it.each([
    ['a quote cannot close the host string', 'a";for=6.6.6.6;x="', 'host="a\\";for=6.6.6.6;x=\\""'],
    ['a backslash is escaped', 'a\\b', 'host="a\\\\b"'],
    ['a plain host is unchanged', 'api.example:8443', 'host="api.example:8443"'],
  ])('Forwarded host: %s', (_name, host, expected) => {
    const fwd = upstreamRequestHeaders({}, { ...facts, host })['forwarded'];
    expect(fwd).toBe(`for=10.0.0.7;proto=https;${expected}`);
  });

  it.each([
    ['the operator key', 'x-switchyard-operator-key'],
    ['the routing token', 'x-switchyard-token'],
    ['the answer mode', 'x-switchyard-mode'],
  ])('never forwards %s', (_name, header) => {
    expect(upstreamRequestHeaders({ [header]: 'secret', 'x-ok': '1' }, facts)).toMatchObject({ 'x-ok': '1' });
    expect(upstreamRequestHeaders({ [header]: 'secret' }, facts)[header]).toBeUndefined();
  });

  it('quotes IPv6 client addresses in Forwarded', () => {
    expect(upstreamRequestHeaders({}, { ...facts, clientIp: '::1' })['forwarded']).toContain(
      'for="[::1]"',
    );
  });
});

describe('downstreamResponseHeaders', () => {
  it.each([
    ['hop-by-hop', { connection: 'close, x-l', 'x-l': '1', 'keep-alive': 't', 'x-ok': '1' }, { 'x-ok': '1' }],
    ['forged refusal', { 'x-switchyard-refused': 'not-started', 'x-ok': '1' }, { 'x-ok': '1' }],
    ['any x-switchyard-*, any case', { 'X-Switchyard-Cluster': 'c9', 'x-switchyard-x': 'y' }, {}],
    ['look-alikes kept', { 'x-switchyardish': '1', 'x-sy': '2' }, { 'x-switchyardish': '1', 'x-sy': '2' }],
  ])('%s', (_name, input, expected) => {
    expect(downstreamResponseHeaders(input, 'acme/chat')).toEqual(expected);
  });
});
