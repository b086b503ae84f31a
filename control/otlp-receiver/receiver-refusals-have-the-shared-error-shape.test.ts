import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTempStore, type TempStore } from '../store/test-fixtures.ts';
import { startOtlpReceiver, type RunningReceiver } from './receiver.ts';

// The receiver answered `{"error":"…"}` while the edge, the proxy and the dashboard answer
// `{"error":{"code","message"}}` (new-user walkthrough L9): one shape, the statuses kept.
let store: TempStore;
let rx: RunningReceiver;
const TOKEN = 'receiver-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };

beforeAll(async () => {
  store = await openTempStore();
  rx = await startOtlpReceiver({ db: store.client, port: 0, token: TOKEN, maxBodyBytes: 1024 });
});
afterAll(async () => {
  await rx.close();
  store.dispose();
});

describe('every refusal of the OTLP receiver is {"error":{"code","message"}} with its status', () => {
  it.each([
    ['another path', '/v1/logs', { method: 'POST' }, 404, 'not-found', /POST \/v1\/traces/],
    ['another method', '/v1/traces', { method: 'GET' }, 405, 'method-not-allowed', /use POST/],
    ['no token', '/v1/traces', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 401, 'unauthorized', /Bearer/],
    ['protobuf', '/v1/traces', { method: 'POST', headers: { ...auth, 'content-type': 'application/x-protobuf' }, body: 'x' }, 415, 'unsupported-media-type', /http\/json/],
    ['not JSON', '/v1/traces', { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'x' }, 415, 'unsupported-media-type', /application\/json/],
    ['too large', '/v1/traces', { method: 'POST', headers: json, body: 'x'.repeat(2048) }, 413, 'body-too-large', /1024 bytes/],
    ['corrupt gzip', '/v1/traces', { method: 'POST', headers: { ...json, 'content-encoding': 'gzip' }, body: 'not gzip' }, 400, 'bad-request', /gzip/],
    ['invalid JSON', '/v1/traces', { method: 'POST', headers: json, body: '{not json' }, 400, 'bad-request', /not valid JSON/],
    ['a malformed export', '/v1/traces', { method: 'POST', headers: { ...json, 'content-encoding': 'gzip' }, body: gzipSync('{"resourceSpans":"x"}') }, 400, 'bad-request', /resourceSpans must be a list/],
  ])('%s', async (_name, path, init, status, code, message) => {
    const res = await fetch(`${rx.url}${path}`, init as RequestInit);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
  });
});
