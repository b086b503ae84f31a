/**
 * The one shape of every refusal the proxy writes, whether through a response object
 * (`sendError`) or straight onto a socket that has none (a refused WebSocket upgrade, a request
 * the HTTP/1 parser could not read): a JSON body and the headers that tell the client (and the
 * edge) what to do next.
 */
import { STATUS_CODES } from 'node:http';
import type { ProxyError } from './errors.ts';

export interface Refusal {
  readonly body: Buffer;
  readonly headers: Record<string, string | number>;
}

export function refusalResponse(err: ProxyError): Refusal {
  const body = Buffer.from(JSON.stringify(err.toJSON()));
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
  };
  const refused = err.refusedHeader();
  if (refused !== null) headers['x-switchyard-refused'] = refused;
  if (err.retryAfterS !== null) headers['retry-after'] = String(err.retryAfterS);
  if (err.reconnect !== null) headers['x-switchyard-reconnect'] = err.reconnect;
  return { body, headers };
}

/** The refusal as raw HTTP/1.1 bytes that close the connection, for a socket with no response object. */
export function rawRefusal(err: ProxyError): Buffer {
  const { body, headers } = refusalResponse(err);
  let head = `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? err.code}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  head += 'connection: close\r\n\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
