/** Reading bounded request bodies and writing JSON answers on node:http. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, payloadTooLarge, type HranaError } from './errors.ts';

/** Read and parse a JSON body of at most `limit` bytes. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw payloadTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > limit) throw payloadTooLarge(limit);
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw badRequest(`Request body is not valid JSON (${reason})`);
  }
}

// JSON.stringify cannot encode BigInt; protocol values are already strings, so
// any BigInt here would be a bug we still prefer to answer rather than crash on.
const replacer = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? value.toString() : value;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body, replacer);
  // Exactly "application/json": @libsql/client only parses error bodies with that type.
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

export function sendError(res: ServerResponse, err: HranaError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // After an oversized body we stop reading it; close so the socket is not reused.
  if (err.status === 413) res.setHeader('connection', 'close');
  sendJson(res, err.status, err.toProto());
}
