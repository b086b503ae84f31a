import { describe, expect, it } from 'vitest';
import { asksForWebSocket } from './header-rules.ts';

// One rule for the edge (token mode only) and the proxy (holds the socket, counts it as a
// WebSocket when draining): both read the same request as the same kind.
describe('asksForWebSocket', () => {
  it.each([
    ['HTTP/1.1 Upgrade: websocket', 'websocket', undefined, true],
    ['the token is case-insensitive', 'WebSocket', undefined, true],
    ['HTTP/2 extended CONNECT', undefined, 'websocket', true],
    ['an h2c offer', 'h2c', undefined, false],
    ['a list of offers is not a WebSocket handshake', 'websocket, h2c', undefined, false],
    ['no Upgrade (Headers.get)', null, undefined, false],
    ['no Upgrade (Node headers)', undefined, undefined, false],
    ['another :protocol', undefined, 'connect-udp', false],
  ])('%s', (_name, upgrade, protocol, expected) => {
    expect(asksForWebSocket(upgrade, protocol)).toBe(expected);
  });
});
