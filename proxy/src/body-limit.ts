/**
 * Request bodies against the app's `requests.maxBodyBytes` and the handling of bodies the
 * proxy refuses. A declared length over the limit is a 413 before any upstream contact; a body
 * of unknown length (chunked, HTTP/2 without content-length) is counted as it streams and
 * stops with a 413 the moment it passes the limit, the upstream attempt cut, and the replica
 * never counted as failing (the fault is the client's).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { constants as h2 } from 'node:http2';
import type { Readable } from 'node:stream';
import type { ClientRequest, ClientResponse } from './client-io.ts';
import { ProxyError } from './errors.ts';

/** Refused bodies up to this size are read and dropped so keep-alive survives; bigger ones close. */
export const REFUSED_BODY_DRAIN_BYTES = 64 * 1024;

export function declaredLength(headers: IncomingHttpHeaders): number | null {
  const raw = headers['content-length'];
  if (raw === undefined) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/**
 * Whether the request carries a body: a length above 0, chunked, or an HTTP/2 stream (its body
 * has no header to announce it).
 */
export function carriesBody(req: ClientRequest): boolean {
  const length = declaredLength(req.headers);
  return length === null ? req.headers['transfer-encoding'] !== undefined || 'stream' in req : length > 0;
}

export function bodyTooLarge(appId: string, max: number, length: number | null): ProxyError {
  const size = length === null ? `more than ${max} bytes` : `${length} bytes`;
  return new ProxyError('body-too-large', 413, `the request body is ${size}; ${appId} accepts at most ${max}`);
}

/** The request may carry a body we have not seen the length of. */
function unknownLengthBody(req: ClientRequest): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  return req.httpVersionMajor === 2 && req.headers['content-length'] === undefined && !req.readableEnded;
}

/**
 * For a body of unknown length: makes iterating the request (how forward-http reads it) throw
 * `bodyTooLarge` once more than `max` bytes arrived, after marking the response to close the
 * connection (the rest of the body is never read).
 */
export function limitUnknownLengthBody(req: ClientRequest, res: ClientResponse, appId: string, max: number): void {
  if (!unknownLengthBody(req)) return;
  const readable = req as Readable;
  async function* limited(): AsyncGenerator<Buffer> {
    let bytes = 0;
    // destroyOnReturn false: the socket must survive to carry the 413.
    for await (const chunk of readable.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > max) {
        if (!res.headersSent && !('stream' in res)) res.setHeader('connection', 'close');
        throw bodyTooLarge(appId, max, null);
      }
      yield chunk;
    }
  }
  Object.defineProperty(req, Symbol.asyncIterator, { value: limited, configurable: true });
}

/**
 * What to do with the body of a request refused before forwarding: small declared bodies are
 * drained (the connection stays usable); anything else is never read — HTTP/1 answers with
 * `Connection: close`, HTTP/2 resets the stream (CANCEL: Node sends no RST for NO_ERROR on a
 * stream it has answered, and the client could keep sending) once the answer is written.
 */
export interface RefusedBody {
  /** Extra response headers. */
  readonly headers: Record<string, string>;
  /** Call after the refusal was written. */
  readonly afterResponse: () => void;
}

const NOTHING = (): void => undefined;

export function refuseBody(req: ClientRequest, res: ClientResponse): RefusedBody {
  const length = declaredLength(req.headers);
  const method = req.method ?? 'GET';
  const noBody =
    length === 0 ||
    (length === null && !unknownLengthBody(req) && (req.httpVersionMajor === 1 || method === 'GET' || method === 'HEAD'));
  if (noBody || (length !== null && length <= REFUSED_BODY_DRAIN_BYTES)) {
    req.resume();
    return { headers: {}, afterResponse: NOTHING };
  }
  if ('stream' in res) {
    return {
      headers: {},
      afterResponse: () => {
        if (!res.stream.destroyed && !req.readableEnded) res.stream.close(h2.NGHTTP2_CANCEL);
      },
    };
  }
  return { headers: { connection: 'close' }, afterResponse: NOTHING };
}
