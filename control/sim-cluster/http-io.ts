/** Small HTTP helpers: read a JSON body with a size cap, send JSON and OpenAI errors, write with backpressure. */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badJson, bodyTooLarge, type SimHttpError } from './errors.ts';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Reads and parses the body; `emptyAs` is returned for an empty body when given. */
export async function readJsonBody(req: IncomingMessage, emptyAs?: unknown): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  // destroyOnReturn false: the 413 is answered at once while the rest of the body is read and
  // dropped, as a well-behaved server does. Left unread on a kept-alive connection, it stalled the
  // sender (the proxy) until the keep-alive timeout reset the connection.
  for await (const part of req.iterator({ destroyOnReturn: false })) {
    const buf = part as Buffer;
    size += buf.length;
    if (size > BODY_LIMIT_BYTES) break;
    parts.push(buf);
  }
  if (size > BODY_LIMIT_BYTES) {
    // After the loop: the iterator's listener is gone, so the stream flows (and drops) again.
    req.resume();
    throw bodyTooLarge(BODY_LIMIT_BYTES);
  }
  const text = Buffer.concat(parts).toString('utf8');
  if (text.trim() === '') {
    if (emptyAs !== undefined) return emptyAs;
    throw badJson('the body is empty; send a JSON object');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badJson(err instanceof Error ? err.message : String(err));
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Sends an OpenAI-style error; if a stream already started, the socket is cut instead. */
export function sendError(res: ServerResponse, err: SimHttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> =
    err.retryAfterS === null ? {} : { 'retry-after': String(err.retryAfterS) };
  sendJson(res, err.status, err.toBody(), headers);
}

/** Writes one piece and waits for `drain` when the client reads slowly (no unbounded buffering). */
export async function writeFlushed(
  res: ServerResponse,
  data: string,
  signal: AbortSignal,
): Promise<void> {
  if (!res.write(data)) await once(res, 'drain', { signal });
}

/** True when `err` is our abort (client gone or server closing) rather than a bug. */
export function isAbort(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err instanceof Error && err.name === 'AbortError');
}
