/**
 * `Sec-WebSocket-Protocol` as RFC 6455 §4.1 defines it: a comma-separated list
 * of tokens (RFC 7230 tchar), each offered once. Checked before any upstream
 * contact, so a malformed list is the client's 400 and never a replica's fault.
 */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export type SubprotocolsResult =
  | { readonly ok: true; readonly protocols: readonly string[] }
  | { readonly ok: false; readonly message: string };

export function parseSubprotocols(header: string | string[] | undefined): SubprotocolsResult {
  if (header === undefined) return { ok: true, protocols: [] };
  const raw = Array.isArray(header) ? header.join(',') : header;
  const protocols: string[] = [];
  for (const part of raw.split(',')) {
    const p = part.trim();
    if (!TOKEN.test(p))
      return {
        ok: false,
        message: `Sec-WebSocket-Protocol must be a comma-separated list of tokens; ${JSON.stringify(p)} is not one`,
      };
    if (protocols.includes(p))
      return { ok: false, message: `Sec-WebSocket-Protocol offers ${JSON.stringify(p)} twice` };
    protocols.push(p);
  }
  return { ok: true, protocols };
}
