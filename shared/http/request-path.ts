/**
 * The one parser of app paths, `/v4/<project>/<app>/<function...>` (optionally behind the
 * edge's `/token` or `/explain` prefix), used by the edge and the regional proxy alike.
 *
 * Only a canonical path passes: every segment non-empty, validly percent-encoded, and after
 * decoding free of `/`, `\`, `*`, control characters and `.`/`..`. Refusing (not resolving)
 * such segments means the function a token names, the function the allow-list checks and the
 * path a replica receives are the same string. The function is re-encoded canonically
 * (RFC 3986 pchar left as is, everything else as uppercase %XX), so `v1/chat%2Dx` and
 * `v1/chat-x` are one function, and only that form is ever forwarded.
 */
export type RouteKind = 'public' | 'token' | 'explain';

export interface AppPath {
  readonly kind: RouteKind;
  readonly projectId: string;
  readonly appName: string;
  /** `${projectId}/${appName}` */
  readonly appId: string;
  /** Canonical function path below the app, no leading slash (e.g. `v1/chat/completions`). */
  readonly fn: string;
  /** The canonical public path: `/v4/<project>/<app>/<function...>`. */
  readonly publicPath: string;
}

/** `not-app-path`: some other route (404). `bad-path`: an app path that is not canonical (400). */
export type PathRefusal = { readonly code: 'not-app-path' | 'bad-path'; readonly reason: string };

export type PathResult = { readonly ok: true; readonly path: AppPath } | ({ readonly ok: false } & PathRefusal);

// Names are what the control plane accepts; anything else cannot be an app.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** RFC 3986 pchar minus `%` and `*`: what a canonical segment may hold unencoded. */
const PCHAR = /^[A-Za-z0-9\-._~!$&'()+,;=:@]$/;
/** A segment that needs no decoding and is no dot segment: the common case, no allocation. */
const PLAIN_SEGMENT = /^[A-Za-z0-9\-_~!$&'()+,;=:@][A-Za-z0-9\-._~!$&'()+,;=:@]*$/;
/** What a raw segment may hold at all: pchar and percent escapes. */
const RAW_SEGMENT = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%]+$/;
// eslint-disable-next-line no-control-regex
const FORBIDDEN_DECODED = /[/\\*\u0000-\u001f\u007f]/;

const PREFIXES: readonly (readonly [string, RouteKind])[] = [
  ['/token/v4/', 'token'],
  ['/explain/v4/', 'explain'],
  ['/v4/', 'public'],
];

/**
 * The roots of the routes: a path at or below one that is no app path (`/v4`, `/token/x`) was
 * meant as one, so it is a malformed app path (400), not some other route (404). `/v4foo` is not.
 */
const ROUTE_ROOTS: readonly (readonly [string, RouteKind])[] = [
  ['/token', 'token'],
  ['/explain', 'explain'],
  ['/v4', 'public'],
];

const bad = (reason: string): PathResult => ({ ok: false, code: 'bad-path', reason });

/**
 * Longest function path (canonical form). Names are capped at 128; the function is client data
 * that goes into every decision record (its explanation and input), so without a cap a tenant's
 * clients could make each of its rows ~16 KB (the platform's URL limit) in buffers shared by all.
 * Real function paths (`v1/chat/completions`, `openai/deployments/<name>/…`) are far shorter.
 */
export const MAX_FUNCTION_CHARS = 1024;

const utf8 = new TextEncoder();

function encodeCanonical(decoded: string): string {
  let out = '';
  for (const ch of decoded) {
    if (PCHAR.test(ch)) out += ch;
    else for (const b of utf8.encode(ch)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Canonical form of one raw segment, or why it is refused. */
export function canonicalSegment(raw: string): { ok: true; segment: string } | { ok: false; reason: string } {
  if (raw === '') return { ok: false, reason: 'empty path segment ("//" or a trailing "/")' };
  if (PLAIN_SEGMENT.test(raw)) return { ok: true, segment: raw };
  if (raw.includes('\\')) return { ok: false, reason: 'backslash in the path' };
  if (!RAW_SEGMENT.test(raw)) return { ok: false, reason: `"${raw}" holds characters a path may not (RFC 3986)` };
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return { ok: false, reason: `malformed percent-encoding in "${raw}"` };
  }
  // Servers that strip `;` parameters before resolving dots (Tomcat, Spring) read `..;x` as `..`.
  const bare = decoded.split(';', 1)[0];
  if (bare === '.' || bare === '..') return { ok: false, reason: `"${raw}" is a dot segment` };
  if (FORBIDDEN_DECODED.test(decoded)) {
    return { ok: false, reason: `"${raw}" holds "/", "\\", "*" or a control character (raw or encoded)` };
  }
  return { ok: true, segment: encodeCanonical(decoded) };
}

function name(raw: string, what: string): { ok: true; value: string } | { ok: false; reason: string } {
  const seg = canonicalSegment(raw);
  if (!seg.ok) return seg;
  if (!NAME.test(seg.segment)) return { ok: false, reason: `${what} "${raw}" is not a valid name` };
  return { ok: true, value: seg.segment };
}

/**
 * Parses a raw pathname (no query). `kinds` limits the accepted routes: the proxy serves only
 * `/v4/`, the edge all three; a path under a served route's root that is no app path is
 * `bad-path` on both (ROUTE_ROOTS).
 */
export function parseAppPath(pathname: string, kinds: readonly RouteKind[] = ['public', 'token', 'explain']): PathResult {
  const hit = PREFIXES.find(([prefix, kind]) => kinds.includes(kind) && pathname.startsWith(prefix));
  if (hit === undefined) {
    const root = ROUTE_ROOTS.find(([r, kind]) => kinds.includes(kind) && (pathname === r || pathname.startsWith(`${r}/`)));
    if (root !== undefined) return bad(`expected ${root[0] === '/v4' ? '' : root[0]}/v4/<project>/<app>/<function>`);
    return { ok: false, code: 'not-app-path', reason: 'expected /v4/<project>/<app>/<function>' };
  }
  const [prefix, kind] = hit;
  // Canonical segments are at most 3 × their raw length: a raw path past that cannot fit.
  if (pathname.length - prefix.length > 3 * (2 * 128 + 2 + MAX_FUNCTION_CHARS)) return bad(`the path is ${pathname.length} characters: a function path may hold at most ${MAX_FUNCTION_CHARS}`);
  const parts = pathname.slice(prefix.length).split('/');
  if (parts.length < 3) return bad('expected /v4/<project>/<app>/<function>');
  const project = name(parts[0] ?? '', 'project');
  if (!project.ok) return bad(project.reason);
  const app = name(parts[1] ?? '', 'app');
  if (!app.ok) return bad(app.reason);
  const fnParts: string[] = [];
  for (let i = 2; i < parts.length; i++) {
    const seg = canonicalSegment(parts[i] ?? '');
    if (!seg.ok) return bad(seg.reason);
    fnParts.push(seg.segment);
  }
  const fn = fnParts.join('/');
  if (fn.length > MAX_FUNCTION_CHARS) return bad(`the function path is ${fn.length} characters (canonical form): at most ${MAX_FUNCTION_CHARS}`);
  const appId = `${project.value}/${app.value}`;
  return {
    ok: true,
    path: { kind, projectId: project.value, appName: app.value, appId, fn, publicPath: `/v4/${appId}/${fn}` },
  };
}

/** The project of an app id `<project>/<app>` (the whole id when it has no `/`): the one rule. */
export function projectOfAppId(appId: string): string {
  const i = appId.indexOf('/');
  return i < 0 ? appId : appId.slice(0, i);
}
