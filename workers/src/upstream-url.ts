/**
 * The regional proxy URL for a request: `proxyUrl` + the canonical public path + the client's
 * raw query minus every `sy_*` parameter (`sy_mode`, a client-supplied `sy_token`, …), never
 * re-serialised (`?flag` stays `?flag`, `~` stays `~`: signed URLs keep their signature).
 */
import { appendParam, splitQuery } from '../../shared/http/raw-query.ts';

export function upstreamUrl(proxyUrl: string, publicPath: string, search: string, token?: string): string {
  const u = new URL(proxyUrl);
  // A proxy may live under a base path (e.g. https://eu.example.com/sy): keep it.
  const base = `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  const query = splitQuery(search).search;
  return `${base}${publicPath}${token === undefined ? query : appendParam(query, 'sy_token', token)}`;
}
