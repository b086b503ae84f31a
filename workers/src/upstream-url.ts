/**
 * The regional proxy URL for a request: `proxyUrl` + the public path + the client's query, minus
 * the edge's own parameters (`sy_mode`, and any client-supplied `sy_token`).
 */
const EDGE_PARAMS = ['sy_mode', 'sy_token'];

export function upstreamUrl(proxyUrl: string, upstreamPath: string, search: string, token?: string): string {
  const u = new URL(proxyUrl);
  // A proxy may live under a base path (e.g. https://eu.example.com/sy): keep it.
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${upstreamPath}`;
  const q = new URLSearchParams(search);
  for (const p of EDGE_PARAMS) q.delete(p);
  if (token !== undefined) q.set('sy_token', token);
  u.search = q.toString();
  return u.toString();
}
