import { expect, test } from 'vitest';
import { DatabaseUnreachableError, networkReason, redactDatabaseUrl } from './database-unreachable.ts';

const coded = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });
/** What undici's fetch rejects with: a TypeError whose cause holds the socket's error. */
const fetchFailed = (cause: unknown): TypeError => new TypeError('fetch failed', { cause });

test.each([
  ['refused', fetchFailed(coded('ECONNREFUSED')), 'ECONNREFUSED', 'nothing listens there'],
  ['no such host', fetchFailed(coded('ENOTFOUND')), 'ENOTFOUND', 'the host name does not resolve'],
  // Node tries each address of a name (happy eyeballs) and reports them all at once.
  ['every address refused', fetchFailed(Object.assign(new AggregateError([coded('ECONNREFUSED')], ''), { code: undefined })), 'ECONNREFUSED', 'nothing listens there'],
  ['connect timeout', fetchFailed(coded('UND_ERR_CONNECT_TIMEOUT')), 'UND_ERR_CONNECT_TIMEOUT', 'no answer in time'],
  ['our own deadline', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'timeout', 'no answer in time'],
  ['a port fetch refuses', fetchFailed(new Error('bad port')), 'bad port', 'fetch refuses to connect to this port'],
  ['a certificate', fetchFailed(coded('DEPTH_ZERO_SELF_SIGNED_CERT')), 'DEPTH_ZERO_SELF_SIGNED_CERT', 'the TLS handshake failed'],
  // The WebSocket transport keeps only the socket error's text.
  ['a WebSocket refused', new Error('connect ECONNREFUSED 127.0.0.1:8080'), 'ECONNREFUSED', 'nothing listens there'],
  ['a WebSocket host unknown', new Error('getaddrinfo ENOTFOUND db.invalid'), 'ENOTFOUND', 'the host name does not resolve'],
  ['nothing named', fetchFailed(new Error('other')), null, 'check that the database server is running'],
])('%s: reason %j and what to check', (_name, err, reason, hint) => {
  expect(networkReason(err)).toBe(reason);
  const e = new DatabaseUnreachableError('http://127.0.0.1:8080', err);
  expect(e).toMatchObject({ code: 'database-unreachable', status: 503, reason, url: 'http://127.0.0.1:8080' });
  expect(e.message).toContain(`cannot reach the database at http://127.0.0.1:8080 (${reason ?? 'fetch failed'}): ${hint}`);
});

test.each([
  ['libsql://db-org.turso.io?authToken=secret', 'libsql://db-org.turso.io'],
  ['https://user:secret@db.example.com:8443/x#frag', 'https://db.example.com:8443/x'],
  ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
  ['not a url?authToken=secret', 'not a url'],
  ['file:/tmp/x.db', 'file:/tmp/x.db'],
])('redactDatabaseUrl(%j) leaves out credentials', (url, shown) => {
  expect(redactDatabaseUrl(url)).toBe(shown);
});
