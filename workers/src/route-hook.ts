/**
 * Routes inside an app (shared/routes/) at the edge: finds the request's route and gives the
 * decision a snapshot narrowed to it (its clusters, limits, strategy). Apps without routes pass
 * through untouched and no body is read.
 *
 * The prompt is read from a clone of the request (declared JSON length ≤ ROUTE_BODY_MAX_BYTES),
 * so the original body is forwarded unchanged; in token mode the client sends its body to the
 * proxy, so only the model/route it declares (`sy_model`/`x-switchyard-model`,
 * `sy_route`/`x-switchyard-route`), the path and headers can route.
 */
import type { AppSnapshot } from '../../shared/domain/types.ts';
import { compileRoutes, matchRoute, renderPrompt } from './shared-deps.ts';
import type { AppRoutes, CompiledRoutes, Route, RouteInput, RouteNote } from './shared-deps.ts';
import type { AnswerMode } from './answer-mode.ts';
import { refuse } from './errors.ts';

/** Bodies read for routing at most (declared length); larger ones route without their prompt. */
export const ROUTE_BODY_MAX_BYTES = 64 * 1024;

export interface Routed {
  /** The app's snapshot, or one narrowed to the route (same object for the same route). */
  readonly snapshot: AppSnapshot;
  /** Null when the app has no routes (the decision is exactly as before routes existed). */
  readonly note: RouteNote | null;
}

const compiledByRoutes = new WeakMap<AppRoutes, CompiledRoutes>();
const narrowedBySnapshot = new WeakMap<AppSnapshot, Map<string, AppSnapshot>>();

/** Compiled once per snapshot's routes: the classifier is trained here, off the request path after the first. */
export function compiledRoutes(routes: AppRoutes): CompiledRoutes {
  let c = compiledByRoutes.get(routes);
  if (c === undefined) {
    c = compileRoutes(routes);
    compiledByRoutes.set(routes, c);
  }
  return c;
}

/**
 * The snapshot with the route's settings (null: none matched, the app's own), without the routes
 * themselves: the decision never reads them, and every recorded decision's input would otherwise
 * carry all the intent examples. Cached so the decision's per-snapshot compile is reused.
 */
function narrowed(snapshot: AppSnapshot, route: Route | null): AppSnapshot {
  let byRoute = narrowedBySnapshot.get(snapshot);
  if (byRoute === undefined) {
    byRoute = new Map();
    narrowedBySnapshot.set(snapshot, byRoute);
  }
  const key = route?.name ?? '';
  let snap = byRoute.get(key);
  if (snap === undefined) {
    const { routes: _routes, ...app } = snapshot.app;
    snap = {
      ...snapshot,
      app: {
        ...app,
        clusters: route?.clusters ?? app.clusters,
        limits: route?.limits ?? app.limits,
        strategy: route?.strategy ?? app.strategy,
      },
    };
    byRoute.set(key, snap);
  }
  return snap;
}

interface Prompt {
  readonly model: string | null;
  readonly prompt: string | null;
  readonly promptState?: 'absent' | 'over-cap' | 'not-json';
}

async function readPrompt(request: Request, mode: AnswerMode): Promise<Prompt> {
  if (mode === 'token' || request.body === null || request.method === 'GET' || request.method === 'HEAD') return { model: null, prompt: null, promptState: 'absent' };
  const type = (request.headers.get('content-type') ?? 'application/json').toLowerCase();
  if (!type.includes('json')) return { model: null, prompt: null, promptState: 'not-json' };
  const length = Number(request.headers.get('content-length') ?? NaN);
  if (!Number.isFinite(length) || length > ROUTE_BODY_MAX_BYTES) return { model: null, prompt: null, promptState: 'over-cap' };
  let body: unknown;
  try {
    body = JSON.parse(await request.clone().text());
  } catch {
    return { model: null, prompt: null, promptState: 'not-json' };
  }
  const model = typeof body === 'object' && body !== null && typeof (body as { model?: unknown }).model === 'string' ? (body as { model: string }).model : null;
  const prompt = renderPrompt(body);
  return prompt === null ? { model, prompt: null, promptState: 'absent' } : { model, prompt };
}

/** A declared route name; an empty one (an unset variable in the client's template) names none. */
function namedRoute(raw: string | null): string | null {
  return raw === null || raw.trim() === '' ? null : raw;
}

/**
 * The request's route and the snapshot to decide on; throws `unknown-route` (400) for a bad
 * declared name, listing the app's routes only when `tenantProven` (the caller's key is the app's).
 */
export async function routeRequest(request: Request, url: URL, fn: string, snapshot: AppSnapshot, mode: AnswerMode, tenantProven: boolean): Promise<Routed> {
  const routes = snapshot.app.routes;
  const declared = namedRoute(request.headers.get('x-switchyard-route') ?? url.searchParams.get('sy_route'));
  if (routes === undefined || routes.routes.length === 0) {
    // A client that names a route expects one: served by the app as a whole, silently, it could
    // not tell its request went elsewhere than it asked (the docs promise 400 unknown-route).
    if (declared !== null) throw refuse.unknownRoute(declared, [], tenantProven);
    return { snapshot, note: null };
  }
  const compiled = compiledRoutes(routes);
  const declaredModel = request.headers.get('x-switchyard-model') ?? url.searchParams.get('sy_model');
  const read: Prompt = declared === null && compiled.readsBody ? await readPrompt(request, mode) : { model: null, prompt: null };
  const input: RouteInput = {
    fn,
    header: (name) => request.headers.get(name),
    model: read.model ?? declaredModel,
    prompt: read.prompt,
    ...(read.promptState === undefined ? {} : { promptState: read.promptState }),
    declared,
  };
  const m = matchRoute(compiled, input);
  if (!m.ok) throw refuse.unknownRoute(m.unknownRoute, m.known, tenantProven);
  return { snapshot: narrowed(snapshot, m.route), note: m.note };
}
