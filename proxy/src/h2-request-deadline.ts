/**
 * The request timeout (`requestTimeoutMs`) for HTTP/2 streams. Node enforces it on the HTTP/1.1
 * server only: a request whose body has not all arrived in time gets a 408 and its connection is
 * closed (lingering-close.ts). An HTTP/2 stream had no such deadline, so a client that opened
 * streams and dripped, or stopped sending, their bodies held the proxy's in-flight slots, its
 * app's concurrency and a replica's connection for as long as it liked. (A stream's headers
 * arrive whole, so the headers timeout has no per-stream part: the session's first-stream
 * deadline is in listener.ts.)
 */
import http2, { type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { clientErrorRefusal } from './lingering-close.ts';
import { refusalResponse } from './refusal-response.ts';

const { NGHTTP2_CANCEL } = http2.constants;

/**
 * Times the arrival of this stream's request body. Nothing stays on a stream once its body
 * arrived (a held stream lives for hours). Not for CONNECT streams: a WebSocket's (RFC 8441)
 * request side is the client's messages, open for the socket's life, as an HTTP/1.1 upgrade
 * leaves Node's request timeout.
 */
export function watchRequestDeadline(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, timeoutMs: number): void {
  if (timeoutMs <= 0 || stream.endAfterHeaders || headers[':method'] === 'CONNECT') return;
  const timer = setTimeout(requestTimedOut, timeoutMs, stream);
  const arrived = (): void => {
    clearTimeout(timer);
    stream.off('end', arrived);
    stream.off('close', arrived);
  };
  stream.on('end', arrived);
  stream.on('close', arrived);
}

/**
 * The HTTP/1.1 answer's HTTP/2 form: the same 408 refusal, then the stream reset (CANCEL: Node
 * sends no RST for NO_ERROR on a stream it has answered, and the client would go on sending). An
 * answer already under way is cut, as Node destroys an HTTP/1.1 connection in that case. The
 * exchange sees its client gone, as for any reset: its upstream attempt is aborted, no replica
 * is blamed.
 */
function requestTimedOut(stream: ServerHttp2Stream): void {
  if (stream.closed || stream.destroyed) return;
  if (!stream.headersSent) {
    const { body, headers } = refusalResponse(clientErrorRefusal('ERR_HTTP_REQUEST_TIMEOUT', 0));
    stream.respond({ ':status': 408, ...headers });
    stream.end(body);
  }
  stream.close(NGHTTP2_CANCEL);
}
