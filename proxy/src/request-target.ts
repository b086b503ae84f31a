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

/** Parse a request URL; null when it is not an app path. */
export function parseRequestTarget(rawUrl: string): RequestTarget | null {
  let url: URL;
  try {
    url = new URL(rawUrl, 'http://proxy.invalid');
  } catch {
    return null;
  }
  const parts = url.pathname.split('/');
  // ['', 'v4', project, app, ...fn]
  if (parts[1] !== 'v4' || parts.length < 4) return null;
  const project = decodeURIComponent(parts[2] ?? '');
  const app = decodeURIComponent(parts[3] ?? '');
  if (project === '' || app === '') return null;
  const fnParts = parts.slice(4);
  const fn = fnParts.join('/');
  const queryToken = url.searchParams.get('sy_token');
  url.searchParams.delete('sy_token');
  const search = url.searchParams.toString();
  return {
    project,
    app,
    appId: `${project}/${app}`,
    fn,
    upstreamPath: `/${fn}${search === '' ? '' : `?${search}`}`,
    queryToken,
  };
}
