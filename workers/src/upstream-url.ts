/**
 * The regional proxy URL for a request: `proxyUrl` + the canonical public path + the client's
 * raw query minus every `sy_*` parameter (`sy_mode`, a client-supplied `sy_token`, …), never
 * re-serialised (`?flag` stays `?flag`, `~` stays `~`: signed URLs keep their signature).
 */
import { appendParam, splitQuery } from '../../shared/http/raw-query.ts';

export function upstreamUrl(
  proxyUrl: string,
  publicPath: string,
  search: string,
  token?: string,
): string {
  const query = splitQuery(search).search;
  return `${proxyBase(proxyUrl)}${publicPath}${token === undefined ? query : appendParam(query, 'sy_token', token)}`;
}

/** What a proxy's root-relative paths are resolved against: a proxy may live under a base path (e.g. https://eu.example.com/sy), kept. */
export function proxyBase(proxyUrl: string): string {
  const u = new URL(proxyUrl);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}
