/**
 * Pure parsing of the request target: `/v4/<project>/<app>/<fn...>` and the
 * `sy_token` query parameter, which is removed before forwarding so the token
 * never reaches a replica (or its logs).
 */
export interface RequestTarget {
  readonly project: string;
  readonly app: string;
  /** `project/app` */
  readonly appId: string;
  /** Function path below the app, e.g. `v1/chat/completions`. */
  readonly fn: string;
  /** Path + query to send upstream (without `/v4/<project>/<app>` and without `sy_token`). */
  readonly upstreamPath: string;
  readonly queryToken: string | null;
}

/**
 * Paths of only unreserved characters (no `%`, `.`, `\\`, query or fragment)
 * are what WHATWG URL parsing would return unchanged, so the hot path skips
 * building a URL for them.
 */
const PLAIN_PATH = /^\/(?!\/)[\w~/-]*$/;

/** Parse a request URL; null when it is not an app path. */
export function parseRequestTarget(rawUrl: string): RequestTarget | null {
  if (PLAIN_PATH.test(rawUrl)) return fromParts(rawUrl, '', null, (s) => s);
  let url: URL;
  try {
    url = new URL(rawUrl, 'http://proxy.invalid');
  } catch {
    return null;
  }
  const queryToken = url.searchParams.get('sy_token');
  url.searchParams.delete('sy_token');
  return fromParts(url.pathname, url.searchParams.toString(), queryToken, decodeURIComponent);
}

function fromParts(
  pathname: string,
  search: string,
  queryToken: string | null,
  decode: (segment: string) => string,
): RequestTarget | null {
  const parts = pathname.split('/');
  // ['', 'v4', project, app, ...fn]
  if (parts[1] !== 'v4' || parts.length < 4) return null;
  const project = decode(parts[2] ?? '');
  const app = decode(parts[3] ?? '');
  if (project === '' || app === '') return null;
  const fn = parts.slice(4).join('/');
  return {
    project,
    app,
    appId: `${project}/${app}`,
    fn,
    upstreamPath: `/${fn}${search === '' ? '' : `?${search}`}`,
    queryToken,
  };
}
