import { refuse } from './errors.ts';
import type { EdgeError } from './errors.ts';
import type { RouteKind } from '../../shared/http/request-path.ts';
import { asksForWebSocket } from '../../shared/http/header-rules.ts';
import { DEFAULT_ANSWER_MODES, type DefaultAnswerMode } from './shared-deps.ts';

/** How the edge answers after deciding. `explain` is the synthetic route: never forwarded. */
export type AnswerMode = 'forward' | 'redirect' | 'token' | 'explain';

const isDefaultMode = (v: string): v is DefaultAnswerMode => (DEFAULT_ANSWER_MODES as readonly string[]).includes(v);

/**
 * Chooses the answer from the request's shape, most specific first: the route, an explicit
 * `?sy_mode=` / `x-switchyard-mode`, a WebSocket upgrade, then the deployment default.
 */
export function chooseAnswerMode(
  kind: RouteKind,
  url: URL,
  headers: Headers,
  fallback: DefaultAnswerMode,
): { ok: true; mode: AnswerMode } | { ok: false; error: EdgeError } {
  if (kind === 'explain') return { ok: true, mode: 'explain' };
  if (kind === 'token') return { ok: true, mode: 'token' };
  const asked = url.searchParams.get('sy_mode') ?? headers.get('x-switchyard-mode');
  if (asked !== null && !isDefaultMode(asked)) return { ok: false, error: refuse.badMode(asked) };
  // Workers cannot hand a WebSocket to a regional proxy that will hold it for hours, and a
  // WebSocket client cannot read a JSON body from a failed handshake: only an explicit token
  // request is meaningful here.
  if (asksForWebSocket(headers.get('upgrade'))) {
    if (asked === 'token') return { ok: true, mode: 'token' };
    return { ok: false, error: refuse.upgradeNeedsToken(`/token${url.pathname}`) };
  }
  return { ok: true, mode: asked ?? fallback };
}
