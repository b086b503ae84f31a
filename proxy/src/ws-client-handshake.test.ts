import { describe, expect, it } from 'vitest';
import { clientHandshakeError } from './ws-client-handshake.ts';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

describe('clientHandshakeError', () => {
  it.each([
    ['valid, version 13', 'GET', { 'sec-websocket-key': KEY, 'sec-websocket-version': '13' }, null],
    ['valid, version 8', 'GET', { 'sec-websocket-key': KEY, 'sec-websocket-version': '8' }, null],
    ['POST', 'POST', { 'sec-websocket-key': KEY, 'sec-websocket-version': '13' }, 405],
    ['no method', undefined, { 'sec-websocket-key': KEY, 'sec-websocket-version': '13' }, 405],
    ['no key', 'GET', { 'sec-websocket-version': '13' }, 400],
    ['short key', 'GET', { 'sec-websocket-key': 'abc==', 'sec-websocket-version': '13' }, 400],
    ['key not base64', 'GET', { 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ!=', 'sec-websocket-version': '13' }, 400],
    ['duplicated key', 'GET', { 'sec-websocket-key': [KEY, KEY], 'sec-websocket-version': '13' }, 400],
    ['no version', 'GET', { 'sec-websocket-key': KEY }, 400],
    ['version 12', 'GET', { 'sec-websocket-key': KEY, 'sec-websocket-version': '12' }, 400],
    ['version 13 with junk', 'GET', { 'sec-websocket-key': KEY, 'sec-websocket-version': '13x' }, 400],
  ] as const)('%s', (_name, method, headers, status) => {
    const err = clientHandshakeError(method, headers);
    expect(err?.status ?? null).toBe(status);
    if (err !== null) expect(err.code).toBe('client-invalid');
  });
});
