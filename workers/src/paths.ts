/**
 * Parses the public path `/v4/<project>/<app>/<function...>` (optionally behind the `/token` or
 * `/explain` prefix). Pure; the router only dispatches on prefixes and this decides validity, so
 * every malformed shape gets the same 400.
 */
export type RouteKind = 'public' | 'token' | 'explain';

export interface AppPath {
  readonly kind: RouteKind;
  readonly projectId: string;
  readonly appName: string;
  /** `${projectId}/${appName}` */
  readonly appId: string;
  /** Function path below the app, without a leading slash (e.g. `v1/chat/completions`). */
  readonly fn: string;
  /** The public path the regional proxy sees: `/v4/<project>/<app>/<function...>`. */
  readonly upstreamPath: string;
}

// Names are what the control plane accepts; anything else cannot be an app, so refuse early.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const PREFIXES: readonly (readonly [string, RouteKind])[] = [
  ['/token/v4/', 'token'],
  ['/explain/v4/', 'explain'],
  ['/v4/', 'public'],
];

/** Returns the parsed path, or null when it is not a well-formed app path. */
export function parseAppPath(pathname: string): AppPath | null {
  for (const [prefix, kind] of PREFIXES) {
    if (!pathname.startsWith(prefix)) continue;
    const rest = pathname.slice(prefix.length);
    const first = rest.indexOf('/');
    if (first <= 0) return null;
    const second = rest.indexOf('/', first + 1);
    if (second <= first + 1) return null;
    const projectId = rest.slice(0, first);
    const appName = rest.slice(first + 1, second);
    const fn = rest.slice(second + 1);
    if (!NAME.test(projectId) || !NAME.test(appName) || fn.length === 0) return null;
    // Refuse dot segments: the proxy must see exactly the function the token names.
    if (fn.split('/').some((s) => s === '' || s === '.' || s === '..')) return null;
    return {
      kind,
      projectId,
      appName,
      appId: `${projectId}/${appName}`,
      fn,
      upstreamPath: `/v4/${projectId}/${appName}/${fn}`,
    };
  }
  return null;
}
