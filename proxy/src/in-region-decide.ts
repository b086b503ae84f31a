/**
 * The in-region decision: the edge's decision core (`shared/decision`) on this proxy's own
 * snapshot of the app, scoped to the clusters of the proxy's region — so every hard filter,
 * tier, pin and strategy is the edge's, only the candidate set differs. The decision record
 * says so (`summary` starts with "in-region (<region>)", `input_json` has `scope`).
 */
import { randomUUID } from 'node:crypto';
import { decide, primeSnapshot, seededRng } from '../../shared/decision/index.ts';
import { noteInRegion } from '../../shared/decision/decision-notes.ts';
import { inputRecord, type InputRecord } from '../../shared/decision/record-json.ts';
import type { Decision, Policy, StrategyState } from '../../shared/decision/types.ts';
import { residencyAllows } from '../../shared/domain/residency.ts';
import type { AppSnapshot, Cluster, RequestFacts } from '../../shared/domain/types.ts';
import { ProxyError } from './errors.ts';
import { randomHex } from './random-ids.ts';

function pick<V>(m: ReadonlyMap<string, V>, keep: ReadonlySet<string>): Map<string, V> {
  const out = new Map<string, V>();
  for (const [k, v] of m) if (keep.has(k)) out.set(k, v);
  return out;
}

/** The app's clusters in `region` (ids), and the regions of all its clusters. */
export function regionsOf(snapshot: AppSnapshot, region: string): { inRegion: Cluster[]; regions: string[] } {
  const inRegion: Cluster[] = [];
  const regions = new Set<string>();
  for (const id of snapshot.app.clusters) {
    const c = snapshot.clusters.get(id);
    if (c === undefined) continue;
    regions.add(c.region);
    if (c.region === region) inRegion.push(c);
  }
  return { inRegion, regions: [...regions].sort() };
}

const scoped = new WeakMap<AppSnapshot, AppSnapshot>();
/** The snapshot with only the given clusters (memoised per snapshot object: built once per refresh). */
export function scopeSnapshot(s: AppSnapshot, clusters: readonly Cluster[]): AppSnapshot {
  let out = scoped.get(s);
  if (out !== undefined) return out;
  const keep = new Set(clusters.map((c) => c.id));
  out = {
    app: { ...s.app, clusters: s.app.clusters.filter((id) => keep.has(id)) },
    clusters: pick(s.clusters, keep),
    state: pick(s.state, keep),
    status: pick(s.status, keep),
    latency: pick(s.latency, keep),
    ...(s.outcomes === undefined ? {} : { outcomes: pick(s.outcomes, keep) }),
    ...(s.jobPins === undefined ? {} : { jobPins: new Map([...s.jobPins].filter(([, p]) => keep.has(p.clusterId))) }),
    loadedAt: s.loadedAt,
  };
  scoped.set(s, out);
  return out;
}

// The caller is inside the region: its location is the region's (residency rules still apply).
function inRegionFacts(snapshot: AppSnapshot, home: Cluster, fn: string, method: string): RequestFacts {
  return {
    appId: snapshot.app.id,
    fn,
    method,
    client: { colo: null, country: home.country, continent: home.continent, location: home.location },
    affinityKey: null,
    jobKeyHash: null,
    synthetic: false,
  };
}

/**
 * Does a refreshed snapshot's per-snapshot decision work before it is served: the region-scoped
 * copy, and its compiled view and caches — every in-region client has the same location, so a
 * sample decision warms exactly what the next request reads. No-op for apps with no cluster here.
 */
export function primeInRegion(snapshot: AppSnapshot, region: string, policy: Policy, now: number): void {
  const { inRegion } = regionsOf(snapshot, region);
  const home = inRegion[0];
  if (home === undefined) return;
  primeSnapshot(scopeSnapshot(snapshot, inRegion), policy, inRegionFacts(snapshot, home, 'prime', 'POST'), now);
}

export interface InRegionDecided {
  /** Its explanation (`candidates`, `summary`) is built on first read: by the log's batch writer, after the answer. */
  readonly decision: Decision;
  readonly decisionUs: number;
  /** The record's `input_json` and the snapshot it names, built when called (the log calls it when it writes, off the request path). */
  readonly input: () => InputRecord;
}

export interface InRegionDecideArgs {
  readonly snapshot: AppSnapshot;
  readonly region: string;
  readonly proxyId: string;
  readonly fn: string;
  readonly method: string;
  readonly affinityKey: string | null;
  readonly jobKeyHash: string | null;
  readonly policy: Policy;
  readonly now: number;
  readonly stale: boolean;
  readonly strategyState: StrategyState;
}

// A caller here is on the region's continent, so this holds for every request: not a state that passes.
const allowedHere = (s: AppSnapshot, c: Cluster): boolean => residencyAllows(s.app.residency, c, c.continent);

/**
 * When the app's residency rules out every cluster it has in the region but allows others
 * elsewhere, the caller is in the wrong region (421 naming those), not refused by a state it
 * could retry out of (503 no-candidate, Retry-After 1). Null when one here is allowed, or none
 * anywhere (the app's own config: refused by the decision, as at the edge).
 */
function ruledOutHere(a: InRegionDecideArgs, inRegion: readonly Cluster[]): ProxyError | null {
  const s = a.snapshot;
  if (inRegion.some((c) => allowedHere(s, c))) return null;
  const allowed = new Set<string>();
  for (const id of s.app.clusters) {
    const c = s.clusters.get(id);
    if (c !== undefined && allowedHere(s, c)) allowed.add(c.region);
  }
  if (allowed.size === 0) return null;
  const where = [...allowed].sort().join(', ');
  return new ProxyError('not-in-region', 421, `${s.app.id} may not run in ${a.region}: its residency allows only ${where}: call it in one of those regions, or through the edge`);
}

/** Decide among the region's clusters; a ProxyError when the app has none there, or may run on none of them. */
export function decideInRegion(a: InRegionDecideArgs): InRegionDecided | ProxyError {
  const { inRegion, regions } = regionsOf(a.snapshot, a.region);
  const home = inRegion[0];
  if (home === undefined) {
    const where = regions.length === 0 ? 'no cluster at all' : `clusters only in ${regions.join(', ')}`;
    return new ProxyError('not-in-region', 421, `${a.snapshot.app.id} has no cluster in ${a.region} (it has ${where}): call it in one of those regions, or through the edge`);
  }
  const ruledOut = ruledOutHere(a, inRegion);
  if (ruledOut !== null) return ruledOut;
  const snapshot = scopeSnapshot(a.snapshot, inRegion);
  const facts: RequestFacts = { ...inRegionFacts(a.snapshot, home, a.fn, a.method), affinityKey: a.affinityKey, jobKeyHash: a.jobKeyHash };
  const seed = randomHex(8);
  const t0 = performance.now();
  const raw = decide(facts, snapshot, a.policy, {
    now: a.now,
    rng: seededRng(seed),
    seed,
    decisionId: randomUUID(),
    staleSnapshot: a.stale,
    strategyState: a.strategyState,
  });
  const decisionUs = Math.round((performance.now() - t0) * 10_000) / 10;
  // Not a spread: that would build the whole explanation here, on the request path.
  const decision = noteInRegion(raw, a.region);
  // The edge's own record format (replayable the same way), saying where it was made. Its inputs
  // (facts, policy, the memoised scoped snapshot) never change after this call.
  const input = (): InputRecord =>
    inputRecord({ request: facts, policy: a.policy, now: a.now, seed, staleSnapshot: a.stale, snapshot, origin: { scope: 'in-region', proxy: a.proxyId, region: a.region } });
  return { decision, decisionUs, input };
}
