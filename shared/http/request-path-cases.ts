/**
 * The canonical-path case table, shared by runtimes: `request-path.test.ts` runs it under Node
 * (the proxy's runtime) and `workers/test/request-path-cases-in-workerd.test.ts` inside workerd
 * (the edge's), so both sides provably accept and refuse the same paths. No test framework here.
 */
import { parseAppPath, type RouteKind } from './request-path.ts';
import { splitQuery } from './raw-query.ts';

export type PathExpectation =
  | { readonly kind: RouteKind; readonly appId: string; readonly fn: string }
  | { readonly refused: 'bad-path' | 'not-app-path' };

export const PATH_CASES: readonly (readonly [string, PathExpectation])[] = [
  ['/v4/acme/chat/v1/chat/completions', { kind: 'public', appId: 'acme/chat', fn: 'v1/chat/completions' }],
  ['/token/v4/acme/chat/v1/ws', { kind: 'token', appId: 'acme/chat', fn: 'v1/ws' }],
  ['/explain/v4/acme/chat/generate', { kind: 'explain', appId: 'acme/chat', fn: 'generate' }],
  ['/v4/a-b/c.d_e/f', { kind: 'public', appId: 'a-b/c.d_e', fn: 'f' }],
  // Encodings are canonicalised: unreserved characters decoded, the rest upper-case %XX.
  ['/v4/acme/chat/v1/chat%2dcompletions', { kind: 'public', appId: 'acme/chat', fn: 'v1/chat-completions' }],
  ['/v4/%61cme/chat/x', { kind: 'public', appId: 'acme/chat', fn: 'x' }],
  ['/v4/acme/chat/v1/a%20b', { kind: 'public', appId: 'acme/chat', fn: 'v1/a%20b' }],
  ['/v4/acme/chat/v1/%c3%a9t%C3%A9', { kind: 'public', appId: 'acme/chat', fn: 'v1/%C3%A9t%C3%A9' }],
  ['/v4/acme/chat/v1/a:b@c', { kind: 'public', appId: 'acme/chat', fn: 'v1/a:b@c' }],
  ['/v4/acme/chat/v1/a;b=1', { kind: 'public', appId: 'acme/chat', fn: 'v1/a;b=1' }],
  ['/v4/acme/chat/v1/...;x', { kind: 'public', appId: 'acme/chat', fn: 'v1/...;x' }],
  ['/v4/acme/chat/.well-known/x', { kind: 'public', appId: 'acme/chat', fn: '.well-known/x' }],
  // Not app paths at all: 404.
  ['/', { refused: 'not-app-path' }],
  ['/health', { refused: 'not-app-path' }],
  ['/v3/acme/chat/x', { refused: 'not-app-path' }],
  ['/v4foo', { refused: 'not-app-path' }],
  ['/tokenx', { refused: 'not-app-path' }],
  // Malformed app paths: 400, never a 500 and never a different function. A route's root or a
  // path below it (`/v4`, `/token/x`) was meant as an app path: 400 at the edge and the proxy alike.
  ['/v4', { refused: 'bad-path' }],
  ['/token', { refused: 'bad-path' }],
  ['/explain/x', { refused: 'bad-path' }],
  ['/v4/', { refused: 'bad-path' }],
  // A function path past 1,024 characters (canonical form; each %XX counts 3) is refused.
  [`/v4/acme/chat/v1/${'a'.repeat(1021)}`, { kind: 'public', appId: 'acme/chat', fn: `v1/${'a'.repeat(1021)}` }],
  [`/v4/acme/chat/v1/${'a'.repeat(1022)}`, { refused: 'bad-path' }],
  [`/v4/acme/chat/v1/${'%C3%A9'.repeat(200)}`, { refused: 'bad-path' }],
  [`/v4/acme/chat/${'x/'.repeat(8000)}y`, { refused: 'bad-path' }],
  ['/v4/acme', { refused: 'bad-path' }],
  ['/v4/acme/chat', { refused: 'bad-path' }],
  ['/v4/acme/chat/', { refused: 'bad-path' }],
  ['/token/v4/acme', { refused: 'bad-path' }],
  ['/v4//chat/x', { refused: 'bad-path' }],
  ['/v4/acme//x', { refused: 'bad-path' }],
  ['/v4/acme/chat/a//b', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/', { refused: 'bad-path' }],
  ['/v4/acme/chat/../x', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/./x', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/%2e%2e/_control', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/.%2E/_control', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/..%2F_control', { refused: 'bad-path' }],
  // `;` parameters stripped before dot resolution (Tomcat, Spring) turn these into `..` / `.`.
  ['/v4/acme/chat/v1/..;/_control', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/..;x=1/_control', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/%2e%2e;/_control', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/.;/x', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1%2f..%2f_control', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/a%5Cb', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1\\..\\_control', { refused: 'bad-path' }],
  ['/v4/acme/chat/*', { refused: 'bad-path' }],
  ['/token/v4/acme/chat/*', { refused: 'bad-path' }],
  ['/token/v4/acme/chat/v1/*', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/%2A', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/a*b', { refused: 'bad-path' }],
  ['/v4/%zz/a/b', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/%', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/%e9', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/a%00b', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/a%0Ab', { refused: 'bad-path' }],
  ['/v4/ac%20me/chat/x', { refused: 'bad-path' }],
  ['/v4/ac me/chat/x', { refused: 'bad-path' }],
  ['/v4/acme/chat/v1/a#b', { refused: 'bad-path' }],
];

/** Why `input` was parsed differently from `expected`, or null when it matched. */
export function checkPathCase(input: string, expected: PathExpectation): string | null {
  const r = parseAppPath(input);
  const got: PathExpectation = r.ok ? { kind: r.path.kind, appId: r.path.appId, fn: r.path.fn } : { refused: r.code };
  return JSON.stringify(got) === JSON.stringify(expected) ? null : `${input}: got ${JSON.stringify(got)}`;
}

/** Raw queries in, what reaches the replica out: only `sy_*` removed, nothing re-encoded. */
export const QUERY_CASES: readonly (readonly [string, string, Readonly<Record<string, string>>])[] = [
  ['', '', {}],
  ['?', '', {}],
  ['?flag', '?flag', {}],
  ['?a=~b&c=d%7E', '?a=~b&c=d%7E', {}],
  ['?a=1+2&b=%20', '?a=1+2&b=%20', {}],
  ['?x=1&sy_token=abc&y', '?x=1&y', { sy_token: 'abc' }],
  ['?sy_mode=redirect', '', { sy_mode: 'redirect' }],
  ['?sy%5Ftoken=t%2B1&q', '?q', { sy_token: 't+1' }],
  ['?SY_TOKEN=x&sy_token=y', '', { SY_TOKEN: 'x', sy_token: 'y' }],
  ['?sy_token=a&sy_token=b', '', { sy_token: 'a' }],
  ['?syx=1&sy=2', '?syx=1&sy=2', {}],
  ['?a=%zz&sy_x=1', '?a=%zz', { sy_x: '1' }],
  // An escape anywhere in a name: decoded before the `sy_` test (no fast path past it).
  ['?s%79_token=JWT&q', '?q', { sy_token: 'JWT' }],
  ['?q=1&sY%5fmode=token', '?q=1', { sY_mode: 'token' }],
];

export function checkQueryCase(input: string, search: string, params: Readonly<Record<string, string>>): string | null {
  const r = splitQuery(input);
  const got = { search: r.search, params: Object.fromEntries(r.switchyard) };
  const want = { search, params };
  return JSON.stringify(got) === JSON.stringify(want) ? null : `${input}: got ${JSON.stringify(got)}`;
}
