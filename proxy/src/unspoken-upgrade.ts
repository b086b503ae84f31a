/**
 * An Upgrade the proxy does not speak is ignored, as RFC 9110 §7.8 lets a server do, and the
 * request served over HTTP/1.1 (nginx and HAProxy do the same): `curl --http2` and Java's
 * HttpClient offer `Upgrade: h2c` on an http:// URL, and were refused 400. Node 20 hands every
 * request that asks for an upgrade to the 'upgrade' listener with the connection's parser already
 * detached, and has no way to decline (`shouldUpgradeCallback` came later); so the head is written
 * back without the upgrade and the socket given to the HTTP/1 server again as a new connection,
 * which parses that head and the requests that follow it.
 */
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { asksForWebSocket } from '../../shared/http/header-rules.ts';
import { ProxyError } from './errors.ts';

const UPGRADE_TOKENS = new Set(['upgrade', 'http2-settings']);

/** The request's head as it came (latin1, as Node decoded it), less Upgrade and what names it. */
export function headWithoutUpgrade(req: IncomingMessage): Buffer {
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    if (UPGRADE_TOKENS.has(lower)) continue;
    if (lower === 'connection') {
      const kept = value.split(',').map((t) => t.trim()).filter((t) => t !== '' && !UPGRADE_TOKENS.has(t.toLowerCase()));
      if (kept.length > 0) lines.push(`${name}: ${kept.join(', ')}`);
      continue;
    }
    lines.push(`${name}: ${value}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/**
 * Fed again only when nothing else rides on the bytes: no body (a Node whose parser reads an
 * upgrade request's body itself would leave the rebuilt head's length to the next request's bytes),
 * nothing pipelined after it (`head`), no answer to an earlier request still going out (the new
 * connection state would queue this one behind an answer it never sees end), and the socket
 * itself. Anything else is refused by `onUpgrade` (400 `upgrade-unsupported`), never forwarded.
 */
export function canServeWithoutUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
  const length = req.headers['content-length'];
  const bodiless = (length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined;
  const busy = (socket as { _httpMessage?: unknown })._httpMessage;
  return bodiless && head.length === 0 && socket instanceof Socket && (busy === undefined || busy === null);
}

/** The answer to an offer `canServeWithoutUpgrade` turned down, which reaches `onUpgrade`. */
export function unspokenUpgradeRefusal(req: IncomingMessage): ProxyError {
  return new ProxyError(
    'upgrade-unsupported',
    400,
    `Upgrade: ${req.headers.upgrade ?? ''} is not spoken here, and is ignored only on a request without a body that is alone on its connection: send this one without the Upgrade header (or speak HTTP/2 with prior knowledge)`,
  );
}

/** `onUpgrade` for WebSockets; any other upgrade is fed back to the HTTP/1 server without it. */
export function upgradeOrServe(
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
  feedAgain: (socket: Duplex) => void,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    if (asksForWebSocket(req.headers.upgrade) || !canServeWithoutUpgrade(req, socket, head)) return onUpgrade(req, socket, head);
    socket.pause();
    socket.unshift(headWithoutUpgrade(req));
    feedAgain(socket);
    socket.resume();
  };
}
