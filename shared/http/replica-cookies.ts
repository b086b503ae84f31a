/**
 * Cookies a replica sets, scoped to its own app. Every app answers on one origin (the edge's
 * host, a proxy's host) and a replica sees its app at `/` (the proxy cuts `/v4/<project>/<app>`),
 * so its `Set-Cookie: sid=…; Path=/` reached the browser for the whole origin: the browser sent
 * one tenant's session cookie with every request to any other tenant's app, whose replica got it
 * when that app forwards credentials (`requests.forwardAuthorization`). So a replica's `Path` is
 * moved below the app's public path (`/` → `/v4/<project>/<app>/`, `/x` → `/v4/<project>/<app>/x`)
 * and its `Domain` removed (a host-only cookie). A cookie without `Path` is left so: the browser's
 * default path is the request's, already inside the app. `__Host-` cookies need `Path=/`, which no
 * app on a shared origin may have: the browser refuses them (use `__Secure-`).
 *
 * Limit: the path keeps the browser from sending an app's cookies to another app; it does not stop
 * a script another tenant's replica serves on the same origin from reading a cookie that is not
 * `HttpOnly`. Only an origin per tenant does that.
 */

/** The path every cookie of `appId` (`<project>/<app>`, canonical) lies under. */
export function appCookiePath(appId: string): string {
  return `/v4/${appId}/`;
}

/** One `Set-Cookie` value of a replica of `appId`, its `Path` below the app and without `Domain`. */
export function scopeReplicaCookie(value: string, appId: string): string {
  const parts = value.split(';');
  const kept: string[] = [parts[0] ?? ''];
  // The last Path wins in browsers (RFC 6265 §5.3 step 8 takes the last of each attribute).
  let path: string | null = null;
  for (let i = 1; i < parts.length; i++) {
    const attr = (parts[i] ?? '').trim();
    if (attr === '') continue;
    const eq = attr.indexOf('=');
    const name = (eq < 0 ? attr : attr.slice(0, eq)).trim().toLowerCase();
    if (name === 'domain') continue;
    if (name === 'path') path = eq < 0 ? '' : attr.slice(eq + 1).trim();
    else kept.push(attr);
  }
  if (path !== null) kept.push(`Path=${appCookiePath(appId)}${path.startsWith('/') ? path.slice(1) : ''}`);
  return kept.join('; ');
}

/** A response's `set-cookie` header value(s) of a replica of `appId`, each scoped. */
export function scopeReplicaCookies(value: string | readonly string[], appId: string): string[] {
  return (typeof value === 'string' ? [value] : value).map((v) => scopeReplicaCookie(v, appId));
}

/**
 * A replica's `Service-Worker-Allowed`, below its app as its cookies' `Path` is: the header lets a
 * service worker the replica serves take a wider scope than its script's folder, and `/` on the
 * origin every tenant's app shares was every app's pages and requests (another tenant's users'
 * included), for as long as the worker stays installed. The value is read as the replica sees its
 * app (at `/`, dot segments resolved there, so `..` cannot climb out); null when it is no path.
 */
export function scopeServiceWorkerAllowed(value: string, appId: string): string | null {
  let path: string;
  try {
    path = new URL(value.trim(), 'http://replica/').pathname;
  } catch {
    return null;
  }
  if (!path.startsWith('/')) return null;
  return `${appCookiePath(appId)}${path.slice(1)}`;
}

/**
 * The values a client gets of a replica's answer header (`name` lower-case): its cookies and its
 * service-worker scope kept to its app's path, any other header as it is.
 */
export function scopeReplicaHeader(name: string, value: string | readonly string[], appId: string): string[] {
  const values = typeof value === 'string' ? [value] : value;
  if (name === 'set-cookie') return scopeReplicaCookies(values, appId);
  if (name !== 'service-worker-allowed') return [...values];
  const out: string[] = [];
  for (const v of values) {
    const scoped = scopeServiceWorkerAllowed(v, appId);
    if (scoped !== null) out.push(scoped);
  }
  return out;
}
