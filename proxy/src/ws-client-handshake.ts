/**
 * The client's side of a WebSocket opening handshake, checked before any
 * replica is contacted: the same checks `ws`'s `handleUpgrade` makes (RFC 6455
 * §4.2.1). `ws` makes them only after our upstream handshake is done, and
 * refuses without calling back, which would leave the replica's socket open.
 */
import { ProxyError } from './errors.ts';

/** 16 random bytes, base64: what `ws` (and RFC 6455) accept as Sec-WebSocket-Key. */
const KEY = /^[+/0-9A-Za-z]{22}==$/;

export function clientHandshakeError(
  method: string | undefined,
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
): ProxyError | null {
  if (method !== 'GET')
    return new ProxyError('client-invalid', 405, 'a WebSocket upgrade must be a GET request');
  const key = headers['sec-websocket-key'];
  if (typeof key !== 'string' || !KEY.test(key))
    return new ProxyError('client-invalid', 400, 'missing or invalid Sec-WebSocket-Key header');
  const version = headers['sec-websocket-version'];
  if (version !== '13' && version !== '8')
    return new ProxyError(
      'client-invalid',
      400,
      'missing or unsupported Sec-WebSocket-Version header (13 or 8)',
    );
  return null;
}
