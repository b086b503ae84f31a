/**
 * One replica for one attempt: the app's strategy over the cluster's usable
 * endpoints (reported healthy, passing our health checks, not ejected, not
 * already tried by this request, below the per-replica in-flight cap). When
 * every endpoint looks down we still try the untried ones below their cap
 * (panic mode) rather than refuse on possibly stale data; a replica at its cap
 * is never tried, so one hung replica cannot soak up the app's concurrency. Nor is a replica
 * other projects' apps also list where the caller's project holds its fair share of a contended
 * engine (replica-shares.ts): its siblings are tried instead, and when every one is over share the
 * request is refused, not sent.
 * `inference-aware` apps with a prompt are scored by replica-choice.ts; without one they get
 * least outstanding.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Endpoint } from './endpoint-registry.ts';
import { mathRng, pickTarget } from './endpoint-picker.ts';
import { chooseByPrompt, type ReplicaPickSummary } from './replica-choice.ts';
import { pinnedEndpoint } from './job-pins.ts';
import type { ProxyRuntime } from './runtime.ts';
import type { StrategyState } from '../../shared/decision/types.ts';

export type EndpointChoice =
  | { readonly kind: 'picked'; readonly endpoint: Endpoint; readonly pick?: ReplicaPickSummary }
  /** Untried replicas exist but every one is at its in-flight cap. */
  | { readonly kind: 'busy' }
  /** Untried replicas exist, and the project holds its fair share of every one below its cap. */
  | { readonly kind: 'over-share' }
  | { readonly kind: 'none' };

/**
 * In-flight requests one replica may hold for an app through this proxy: the app's
 * `maxInFlightPerReplica`, else its fair share of the app's concurrency cap (cap / replicas, so
 * one hung replica holds at most 1/n of the cap and a busy replica's overflow goes to the
 * others), else no cap. A lone replica is limited by the app cap alone.
 */
export function replicaCap(
  perReplica: number | null,
  appConcurrency: number | null,
  replicas: number,
): number | null {
  if (perReplica !== null) return perReplica;
  if (appConcurrency === null || replicas < 2) return null;
  return Math.max(1, Math.ceil(appConcurrency / replicas));
}

export function chooseEndpoint(
  rt: ProxyRuntime,
  clusterId: string,
  appId: string,
  /** The tenant whose fair share of each replica counts (the app's project). */
  project: string,
  headers: IncomingHttpHeaders,
  tried: ReadonlySet<string>,
  /** The prompt's block hashes (inference-aware apps that sent one), else null. */
  prompt: readonly number[] | null = null,
): EndpointChoice {
  const now = rt.now();
  const pool = rt.registry.endpoints(clusterId, appId);
  const routing = rt.registry.routing(appId);
  const state = rt.registry.strategyState(clusterId, appId);
  const cap = replicaCap(
    routing.requests.maxInFlightPerReplica,
    routing.limits.maxConcurrency,
    pool.length,
  );
  // One pass, one array: untried, below the app's cap, within the project's share.
  let capped = 0;
  let overShare = 0;
  const shares = rt.replicaShares;
  const registry = rt.registry;
  const all = pool.filter((e) => {
    if (tried.has(e.url)) return false;
    if (cap !== null && (state.outstanding.get(e.url) ?? 0) >= cap) {
      capped += 1;
      return false;
    }
    if (registry.sharedByProjects(e.url) && shares.verdict(e.url, project, now) === 'over-share') {
      overShare += 1;
      return false;
    }
    return true;
  });
  if (all.length === 0) return { kind: overShare > 0 ? 'over-share' : capped > 0 ? 'busy' : 'none' };
  const usable = all.filter(
    (e) => e.reportedHealthy && e.checkedHealthy && !rt.outliers.isEjected(appId, e.url, now),
  );
  const candidates = usable.length > 0 ? usable : all;
  // A pinned job goes back to the replica that took it while that one is usable (job-pins.ts).
  const pinned = pinnedEndpoint(rt, appId, clusterId, headers, usable);
  if (pinned !== null) return { kind: 'picked', endpoint: pinned };
  if (prompt !== null && routing.strategy === 'inference-aware') {
    const chosen = chooseByPrompt(rt, candidates, prompt);
    if (chosen !== null) return { kind: 'picked', endpoint: chosen.endpoint, pick: chosen.pick };
  }
  const raw =
    routing.affinityHeader === null ? undefined : headers[routing.affinityHeader.toLowerCase()];
  const key = raw === undefined ? null : Array.isArray(raw) ? (raw[0] ?? null) : raw;
  const id = pickTarget(
    routing.strategy,
    candidates.map((e) => ({ id: e.url, weight: e.weight })),
    { rng: mathRng, key, state },
  );
  const endpoint = candidates.find((e) => e.url === id);
  return endpoint === undefined ? { kind: 'none' } : { kind: 'picked', endpoint };
}

/**
 * Count a request against an endpoint for least-outstanding / power-of-two and the per-replica
 * cap. Returns the counters to give back to (`endOutstanding`): the state as it was at the start,
 * so a registry refresh in between cannot move the decrement to another request's count.
 */
export function beginOutstanding(rt: ProxyRuntime, clusterId: string, appId: string, url: string): StrategyState {
  const state = rt.registry.strategyState(clusterId, appId);
  state.outstanding.set(url, (state.outstanding.get(url) ?? 0) + 1);
  rt.replicas.began(url);
  return state;
}

/** The request counted by `beginOutstanding` is over (call once). */
export function endOutstanding(rt: ProxyRuntime, state: StrategyState, url: string): void {
  state.outstanding.set(url, Math.max(0, (state.outstanding.get(url) ?? 1) - 1));
  rt.replicas.ended(url);
}
