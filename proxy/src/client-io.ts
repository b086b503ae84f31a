/**
 * The client side of an exchange, whatever protocol it arrived on: HTTP/1.1
 * `ServerResponse` and HTTP/2 compat `Http2ServerResponse` behind one shape,
 * plus the two ways an exchange can end: a JSON refusal or an abort that a
 * client can never mistake for a clean end.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { constants as h2, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { ProxyError } from './errors.ts';
import { lingerIfBodyUnread } from './lingering-close.ts';
import { refusalResponse } from './refusal-response.ts';

export type ClientRequest = IncomingMessage | Http2ServerRequest;
export type ClientResponse = ServerResponse | Http2ServerResponse;

/** End a response abnormally: HTTP/2 RST_STREAM, HTTP/1.1 socket destroyed (no chunked terminator). */
export function abortResponse(res: ClientResponse): void {
  if ('stream' in res) {
    if (!res.stream.destroyed) res.stream.close(h2.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  res.destroy();
  res.socket?.destroy();
}

/** Send a refusal as JSON; if headers already went out, abort instead. */
export function sendError(
  res: ClientResponse,
  err: ProxyError,
  extra: OutgoingHttpHeaders = {},
): void {
  if (res.headersSent) {
    abortResponse(res);
    return;
  }
  const { body, headers: base } = refusalResponse(err);
  const headers: OutgoingHttpHeaders = { ...base, ...extra };
  // A refusal that closes the connection while the client is still sending: let it read the answer.
  if (headers['connection'] === 'close' || res.getHeader('connection') === 'close') lingerIfBodyUnread(res.req, res);
  res.writeHead(err.status, headers);
  res.end(body);
}

export function isHttp2(req: ClientRequest): boolean {
  return req.httpVersionMajor === 2;
}

export function clientProto(req: ClientRequest): string {
  const sock = req.socket as { encrypted?: boolean } | null;
  return sock !== null && sock.encrypted === true ? 'https' : 'http';
}

export function clientHost(req: ClientRequest): string {
  const h = req.headers[':authority'] ?? req.headers['host'];
  return (Array.isArray(h) ? h[0] : h) ?? '';
}

/** `write` on either response kind (their overloads do not unify in TypeScript). */
export function writeChunk(res: ClientResponse, chunk: Buffer): boolean {
  return (res as { write(chunk: Buffer): boolean }).write(chunk);
}
