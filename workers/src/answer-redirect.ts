/**
 * Redirect answer: 307 (method and body preserved) to the chosen regional proxy with the token in
 * `sy_token`, for clients that follow redirects but cannot set headers (e.g. EventSource).
 */
import { upstreamUrl } from './upstream-url.ts';

export function redirectResponse(proxyUrl: string, upstreamPath: string, search: string, token: string): Response {
  return new Response(null, {
    status: 307,
    headers: { location: upstreamUrl(proxyUrl, upstreamPath, search, token), 'cache-control': 'no-store' },
  });
}
