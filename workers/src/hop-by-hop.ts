/**
 * Header hygiene for forwarding (RFC 9110 §7.6.1): hop-by-hop headers describe one connection and
 * must not cross the edge, in either direction. Also strips anything the client might use to forge
 * a routing token.
 */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** Copies `headers` without hop-by-hop headers (including those named in `Connection`). */
export function withoutHopByHop(headers: Headers): Headers {
  const out = new Headers(headers);
  const named = (headers.get('connection') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  for (const h of [...HOP_BY_HOP, ...named]) out.delete(h);
  return out;
}

/** Headers sent upstream: hop-by-hop removed, client-supplied routing headers replaced by ours. */
export function upstreamHeaders(incoming: Headers, token: string, decisionId: string): Headers {
  const out = withoutHopByHop(incoming);
  out.delete('x-switchyard-token');
  out.delete('x-switchyard-mode');
  out.delete('host');
  out.set('x-switchyard-token', token);
  out.set('x-switchyard-decision-id', decisionId);
  return out;
}
