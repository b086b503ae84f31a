/**
 * The proxy's request target: the shared canonical app path (`shared/http/request-path.ts`,
 * the same rules as the edge) plus the raw query with `sy_*` parameters cut out
 * (`shared/http/raw-query.ts`); `sy_token` is read from it, so the token never reaches a
 * replica (or its logs), and everything else reaches it byte for byte.
 */
import type { TokenMeter } from './token-budgets.ts';
import type { RequestHeaderPolicy } from '../../shared/http/header-rules.ts';
import { parseAppPath, type PathRefusal } from '../../shared/http/request-path.ts';
import { splitQuery } from '../../shared/http/raw-query.ts';

export interface RequestTarget {
  readonly project: string;
  readonly app: string;
  /** `project/app` */
  readonly appId: string;
  /** Canonical function path below the app, e.g. `v1/chat/completions`. */
  readonly fn: string;
  /** Path + raw query to send upstream (`/<fn>?…`, without `/v4/<project>/<app>` and `sy_*`). */
  readonly upstreamPath: string;
  readonly queryToken: string | null;
  /** Set once admitted: the app's credential rule (absent: credentials are stripped). */
  readonly headerPolicy?: RequestHeaderPolicy;
  /** Set once admitted: the hash of the app's job key header, if sent (job-pins.ts). */
  readonly jobKeyHash?: string | null;
  /** Set once admitted for an app with a token budget: its body and answer meter (token-budgets.ts). */
  readonly tokenMeter?: TokenMeter;
}

export type TargetResult = { readonly ok: true; readonly target: RequestTarget } | ({ readonly ok: false } & PathRefusal);

/** Origin-form (`/v4/…`) or absolute-form (`http://host/v4/…`) request target. */
function originForm(rawUrl: string): string | null {
  if (rawUrl.startsWith('/')) return rawUrl;
  const scheme = /^https?:\/\/[^/?#]*/i.exec(rawUrl);
  return scheme === null ? null : rawUrl.slice(scheme[0].length) || '/';
}

/** Parse a raw request URL (`req.url`). */
export function parseRequestTarget(rawUrl: string): TargetResult {
  const url = originForm(rawUrl);
  if (url === null) return { ok: false, code: 'not-app-path', reason: 'expected /v4/<project>/<app>/<function>' };
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  const parsed = parseAppPath(pathname, ['public']);
  if (!parsed.ok) return parsed;
  const query = splitQuery(q < 0 ? '' : url.slice(q));
  const { projectId, appName, appId, fn } = parsed.path;
  return {
    ok: true,
    target: {
      project: projectId,
      app: appName,
      appId,
      fn,
      upstreamPath: `/${fn}${query.search}`,
      queryToken: query.switchyard.get('sy_token') || null,
    },
  };
}
