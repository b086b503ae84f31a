import { describe, expect, it } from 'vitest';
import { ProxyError } from './errors.ts';
import { rawRefusal, refusalResponse } from './refusal-response.ts';

/** Splits raw HTTP/1.1 bytes into status line, lower-cased headers and body. */
function parse(raw: Buffer): { statusLine: string; headers: Record<string, string>; body: string } {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { statusLine, headers, body: raw.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1')).toString('utf8') };
}

describe('a refusal written on a raw socket says what one written through a response says', () => {
  it.each([
    ['plain 400', new ProxyError('malformed-request', 400, 'bad framing — «é»'), 'HTTP/1.1 400 Bad Request', {}],
    ['retryable 503', new ProxyError('draining', 503, 'm', true, 5, false, 'wss://p2/x'), 'HTTP/1.1 503 Service Unavailable', { 'x-switchyard-refused': 'not-started', 'retry-after': '5', 'x-switchyard-reconnect': 'wss://p2/x' }],
    ['may have started', new ProxyError('upstream-reset', 502, 'm', true), 'HTTP/1.1 502 Bad Gateway', { 'x-switchyard-refused': '1' }],
    ['unknown status', new ProxyError('odd', 599, 'm'), 'HTTP/1.1 599 odd', {}],
  ])('%s', (_name, err, statusLine, special) => {
    const raw = parse(rawRefusal(err));
    const viaResponse = refusalResponse(err);
    expect(raw.statusLine).toBe(statusLine);
    expect(raw.headers).toEqual({ ...Object.fromEntries(Object.entries(viaResponse.headers).map(([k, v]) => [k, String(v)])), connection: 'close' });
    expect(raw.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...special });
    expect(Number(raw.headers['content-length'])).toBe(Buffer.byteLength(raw.body));
    expect(JSON.parse(raw.body)).toEqual({ error: { code: err.code, message: err.message } });
  });
});
