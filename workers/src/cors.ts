/**
 * Per-app CORS: browsers call apps directly (fetch, EventSource), so the edge answers preflights
 * and decorates responses according to `app.corsOrigins`. Pure header logic.
 */
const EXPOSED = 'x-switchyard-decision-id, server-timing, x-switchyard-stale';
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/** The origin to echo in `access-control-allow-origin`, or null when the origin is not allowed. */
export function allowedOrigin(origins: readonly string[], origin: string | null): string | null {
  if (origin === null) return null;
  if (origins.includes('*')) return '*';
  return origins.includes(origin) ? origin : null;
}

/** Adds CORS headers for an actual (non-preflight) response. Mutates and returns `headers`. */
export function applyCors(headers: Headers, origins: readonly string[], origin: string | null): Headers {
  if (origins.length === 0) return headers;
  headers.append('vary', 'Origin');
  const allow = allowedOrigin(origins, origin);
  if (allow === null) return headers;
  headers.set('access-control-allow-origin', allow);
  headers.set('access-control-expose-headers', EXPOSED);
  headers.set('timing-allow-origin', allow);
  // No `access-control-allow-credentials`: apps authenticate with a bearer key the page sends
  // itself, never with cookies, so there is nothing a browser should attach on its own.
  return headers;
}

/**
 * Answers a CORS preflight. An origin the app does not allow gets 204 without allow headers, so
 * the browser blocks the call and the reason is visible in its console.
 */
export function preflightResponse(origins: readonly string[], request: Request): Response {
  const origin = request.headers.get('origin');
  const headers = new Headers({ 'cache-control': 'no-store' });
  applyCors(headers, origins, origin);
  if (allowedOrigin(origins, origin) !== null) {
    headers.set('access-control-allow-methods', ALLOWED_METHODS);
    const requested = request.headers.get('access-control-request-headers');
    headers.set('access-control-allow-headers', requested ?? 'authorization, content-type');
    headers.set('access-control-max-age', '600');
    headers.append('vary', 'Access-Control-Request-Headers');
  }
  return new Response(null, { status: 204, headers });
}
