/**
 * One replica for one attempt: the app's strategy over the cluster's usable
 * endpoints (reported healthy, passing our health checks, not ejected, not
 * already tried by this request). When every endpoint looks down we still try
 * the untried ones (panic mode) rather than refuse on possibly stale data.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Endpoint } from './endpoint-registry.ts';
import { mathRng, pickTarget } from './endpoint-picker.ts';
import type { ProxyRuntime } from './runtime.ts';

export function chooseEndpoint(
  rt: ProxyRuntime,
  clusterId: string,
  appId: string,
  headers: IncomingHttpHeaders,
  tried: ReadonlySet<string>,
): Endpoint | null {
  const now = rt.now();
  const all = rt.registry.endpoints(clusterId, appId).filter((e) => !tried.has(e.url));
  if (all.length === 0) return null;
  const usable = all.filter(
    (e) => e.reportedHealthy && e.checkedHealthy && !rt.outliers.isEjected(e.url, now),
  );
  const pool = usable.length > 0 ? usable : all;
  const routing = rt.registry.routing(appId);
  const raw =
    routing.affinityHeader === null ? undefined : headers[routing.affinityHeader.toLowerCase()];
  const key = raw === undefined ? null : Array.isArray(raw) ? (raw[0] ?? null) : raw;
  const id = pickTarget(
    routing.strategy,
    pool.map((e) => ({ id: e.url, weight: e.weight })),
    { rng: mathRng, key, state: rt.registry.strategyState(clusterId, appId) },
  );
  return pool.find((e) => e.url === id) ?? null;
}

/** Count a request against an endpoint for least-outstanding / power-of-two. */
export function trackOutstanding(
  rt: ProxyRuntime,
  clusterId: string,
  appId: string,
  url: string,
): () => void {
  const state = rt.registry.strategyState(clusterId, appId);
  state.outstanding.set(url, (state.outstanding.get(url) ?? 0) + 1);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    state.outstanding.set(url, Math.max(0, (state.outstanding.get(url) ?? 1) - 1));
  };
}
