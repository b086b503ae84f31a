/**
 * The limits routes declare, for the regional proxy: it enforces them with the same limiter
 * (and, for scope region/global, the same limit leases) as the app's own, under the key
 * `routeLimitKey(app, route)`. The edge names the matched route in the routing token (`rt`).
 * Pure.
 */
import type { AppLimits } from '../domain/types.ts';
import { describeRoutesProblems, resolveRoutes } from './resolve-routes.ts';

/** Limiter/lease key of one route's limits (`#` never appears in an app id). */
export function routeLimitKey(appId: string, route: string): string {
  return `${appId}#${route}`;
}

export type RouteLimitsResult =
  | { readonly ok: true; readonly limits: ReadonlyMap<string, AppLimits> }
  | { readonly ok: false; readonly problem: string };

/**
 * Route name → limits, for the routes that declare any, from the stored `{ routes, intents }`
 * (`apps.routes_json`) or a static file's `routes`/`intents`. The proxy does not know the app's
 * cluster list, so the clusters routes name are taken as given (the control plane checked them).
 */
export function routeLimits(rawRoutes: unknown, rawIntents: unknown): RouteLimitsResult {
  const named = new Set<string>();
  if (Array.isArray(rawRoutes)) {
    for (const r of rawRoutes as unknown[]) {
      const cl = typeof r === 'object' && r !== null ? (r as Record<string, unknown>)['clusters'] : undefined;
      if (Array.isArray(cl)) for (const c of cl as unknown[]) if (typeof c === 'string') named.add(c);
    }
  }
  const result = resolveRoutes(rawRoutes, rawIntents, [...named]);
  if (!result.ok) return { ok: false, problem: describeRoutesProblems(result.problems) };
  const out = new Map<string, AppLimits>();
  for (const r of result.routes.routes) if (r.limits !== null) out.set(r.name, r.limits);
  return { ok: true, limits: out };
}
