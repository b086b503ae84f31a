/**
 * The strategies compared by the simulator. All see the same stale published
 * view and (except `nearest-ignore-residency`, a deliberately broken control
 * used by tests) the same hard filters: residency, health, staleness.
 * `switchyard` calls the real decide() once per (tick, app, client point) and
 * splits that batch by the decision's pick probabilities.
 */
import type { AppSnapshot, RequestFacts } from '../../shared/domain/types.ts';
import type { Policy } from '../../shared/decision/types.ts';
import { residencyAllows } from '../constraints.ts';
import { decide } from '../decision-port.ts';
import type { Random } from './random.ts';
import type { SimStrategy } from './scenario.ts';
import type { SimApp, SimWorld } from './sim-app.ts';
import type { Publication } from './visible-state.ts';

export interface RouteContext {
  readonly world: SimWorld;
  /** Network RTT ms, index client * nClusters + cluster. */
  readonly rtt: Float64Array;
  readonly policy: Policy;
  readonly rng: Random;
  /** The latest visible publication (null before the first one arrives). */
  current(): Publication | null;
  /** decide()'s AppSnapshot for an app, built from the current publication. */
  snapshot(app: SimApp): AppSnapshot;
}

export interface Router {
  /** Prepare routing for one (app, client point) batch; false when no cluster may take it. */
  prepare(app: SimApp, client: number, now: number): boolean;
  /** Spread n requests over clusters: writes cluster indexes and counts, returns how many targets. */
  allocate(n: number, idx: Int32Array, count: Float64Array): number;
}

export function createRouter(name: SimStrategy, ctx: RouteContext): Router {
  switch (name) {
    case 'switchyard':
      return new SwitchyardRouter(ctx, ctx.policy, false);
    case 'switchyard-v1':
      // The previous capacity × modifiers model, kept for comparison.
      return new SwitchyardRouter(ctx, { ...ctx.policy, model: 'weights' }, false);
    case 'greedy-predicted':
      // Same predictions, but every batch goes to the best-predicted cluster: what probabilistic picking buys.
      return new SwitchyardRouter(ctx, { ...ctx.policy, model: 'ttft' }, true);
    case 'nearest-region':
      return new NearestRouter(ctx, false);
    case 'nearest-ignore-residency':
      return new NearestRouter(ctx, true);
    case 'round-robin':
      return new RoundRobinRouter(ctx);
    case 'least-connections':
      return new LeastConnectionsRouter(ctx);
    case 'random':
      return new RandomRouter(ctx);
    case 'cheapest-first':
      return new CheapestRouter(ctx);
  }
}

/** Cluster indexes a health-checking classic balancer may use for (app, client), nearest first. */
abstract class FilteredRouter implements Router {
  protected eligible: number[] = [];
  protected client = 0;
  protected app: SimApp | null = null;
  private readonly cache = new Map<number, { version: number; list: number[] }>();

  constructor(
    protected readonly ctx: RouteContext,
    private readonly ignoreResidency = false,
  ) {}

  prepare(app: SimApp, client: number, now: number): boolean {
    this.app = app;
    this.client = client;
    const pub = this.ctx.current();
    if (pub === null) return false;
    const key = app.idx * 100_000 + client;
    const hit = this.cache.get(key);
    // Staleness depends on `now`, so a cached list is reused only within one publication and tick.
    if (hit !== undefined && hit.version === pub.version * 1e7 + Math.floor(now / 1000)) {
      this.eligible = hit.list;
    } else {
      this.eligible = this.compute(app, client, now, pub);
      this.cache.set(key, { version: pub.version * 1e7 + Math.floor(now / 1000), list: this.eligible });
    }
    return this.eligible.length > 0;
  }

  private compute(app: SimApp, client: number, now: number, pub: Publication): number[] {
    const { world, rtt, policy } = this.ctx;
    const n = world.clusters.length;
    const facts = world.requests[app.idx]?.[client];
    const continent = facts?.client.continent ?? null;
    const out: number[] = [];
    for (const d of app.deployments) {
      const row = pub.rows[d.idx];
      if (row === undefined || row.health === 'unhealthy' || now - row.observedAt > policy.staleHardMs) continue;
      const c = world.domainClusters[d.cluster.idx];
      if (c === undefined) continue;
      if (!this.ignoreResidency && !residencyAllows(app.app.residency, c, continent)) continue;
      out.push(d.cluster.idx);
    }
    out.sort((a, b) => (rtt[client * n + a] ?? 0) - (rtt[client * n + b] ?? 0) || a - b);
    return out;
  }

  abstract allocate(n: number, idx: Int32Array, count: Float64Array): number;
}

/** Split n evenly over targets, the remainder going round from `start`. */
function spreadEvenly(n: number, targets: readonly number[], start: number, idx: Int32Array, count: Float64Array): number {
  const m = targets.length;
  const base = Math.floor(n / m);
  const rem = n - base * m;
  for (let j = 0; j < m; j++) {
    idx[j] = targets[j] ?? 0;
    count[j] = base + ((j - start + m) % m < rem ? 1 : 0);
  }
  return m;
}

/** Geo-DNS: the nearest region with an eligible cluster, spread evenly inside it. */
class NearestRouter extends FilteredRouter {
  private turn = 0;
  constructor(ctx: RouteContext, ignoreResidency: boolean) {
    super(ctx, ignoreResidency);
  }
  allocate(n: number, idx: Int32Array, count: Float64Array): number {
    const first = this.eligible[0] ?? 0;
    const region = this.ctx.world.domainClusters[first]?.region;
    const targets = this.eligible.filter((i) => this.ctx.world.domainClusters[i]?.region === region);
    this.turn = (this.turn + 1) % Math.max(1, targets.length);
    return spreadEvenly(n, targets, this.turn, idx, count);
  }
}

class RoundRobinRouter extends FilteredRouter {
  private readonly cursor = new Map<number, number>();
  allocate(n: number, idx: Int32Array, count: Float64Array): number {
    const key = this.app?.idx ?? 0;
    const sorted = [...this.eligible].sort((a, b) => a - b);
    const c = (this.cursor.get(key) ?? 0) % sorted.length;
    this.cursor.set(key, (c + n) % sorted.length);
    return spreadEvenly(n, sorted, c, idx, count);
  }
}

class RandomRouter extends FilteredRouter {
  private probs: number[] = [];
  private readonly out: number[] = [];
  allocate(n: number, idx: Int32Array, count: Float64Array): number {
    const m = this.eligible.length;
    if (this.probs.length !== m) this.probs = new Array<number>(m).fill(1);
    const out = this.out;
    this.ctx.rng.multinomial(n, this.probs, out);
    for (let j = 0; j < m; j++) {
      idx[j] = this.eligible[j] ?? 0;
      count[j] = out[j] ?? 0;
    }
    return m;
  }
}

/** Cheapest published price; ties go to the nearest. Ignores capacity, like a naive cost optimiser. */
class CheapestRouter extends FilteredRouter {
  allocate(n: number, idx: Int32Array, count: Float64Array): number {
    const pub = this.ctx.current();
    const app = this.app;
    let best = this.eligible[0] ?? 0;
    let bestPrice = Infinity;
    for (const ci of this.eligible) {
      const d = app?.byCluster[ci];
      const price = d === undefined ? Infinity : (pub?.rows[d.idx]?.price ?? Infinity);
      if (price < bestPrice - 1e-9) {
        best = ci;
        bestPrice = price;
      }
    }
    idx[0] = best;
    count[0] = n;
    return 1;
  }
}

/**
 * Least connections with the balancer's own exact in-flight counts (busy +
 * queued, which it would know as it holds the connections): water-filling so a
 * batch lands as one-at-a-time picks would.
 */
class LeastConnectionsRouter extends FilteredRouter {
  allocate(n: number, idx: Int32Array, count: Float64Array): number {
    const app = this.app;
    const m = this.eligible.length;
    const loads = this.eligible.map((ci) => {
      const d = app?.byCluster[ci];
      return { ci, load: d === undefined ? 0 : d.busy + d.queued };
    });
    loads.sort((a, b) => a.load - b.load || a.ci - b.ci);
    // Raise the k lowest to a common level until n is used up.
    let k = 1;
    let used = 0;
    let level = loads[0]?.load ?? 0;
    while (k < m) {
      const next = loads[k]?.load ?? 0;
      const need = (next - level) * k;
      if (used + need > n) break;
      used += need;
      level = next;
      k++;
    }
    const left = n - used;
    const rise = Math.floor(left / k);
    let rem = left - rise * k;
    for (let j = 0; j < k; j++) {
      const e = loads[j];
      if (e === undefined) continue;
      idx[j] = e.ci;
      let c = level + rise - e.load;
      if (rem > 0) {
        c++;
        rem--;
      }
      count[j] = c;
    }
    return k;
  }
}

/** The real pipeline: one decide() per batch, then a multinomial split by the pick probabilities. */
class SwitchyardRouter implements Router {
  private readonly index: Map<string, number>;
  private targets: number[] = [];
  private probs: number[] = [];
  private readonly out: number[] = [];
  private seq = 0;
  /**
   * decide()'s inputs change only when a new publication becomes visible (plus
   * `now` in the staleness discount), so its split is reused per (app, client,
   * publication): the difference is negligible and it keeps a simulated week fast.
   */
  private readonly cache = new Map<number, { version: number; targets: number[]; probs: number[]; ok: boolean }>();

  constructor(
    private readonly ctx: RouteContext,
    private readonly policy: Policy,
    private readonly greedy: boolean,
  ) {
    this.index = new Map(ctx.world.domainClusters.map((c, i) => [c.id, i]));
  }

  prepare(app: SimApp, client: number, now: number): boolean {
    const facts = this.ctx.world.requests[app.idx]?.[client];
    const pub = this.ctx.current();
    if (facts === undefined || pub === null) return false;
    const key = app.idx * 100_000 + client;
    const hit = this.cache.get(key);
    if (hit !== undefined && hit.version === pub.version) {
      this.targets = hit.targets;
      this.probs = hit.probs;
      return hit.ok;
    }
    const ok = this.decideNow(facts, app, now);
    this.cache.set(key, { version: pub.version, targets: this.targets, probs: this.probs, ok });
    return ok;
  }

  private decideNow(facts: RequestFacts, app: SimApp, now: number): boolean {
    const id = `sim-${this.seq++}`;
    const d = decide(facts, this.ctx.snapshot(app), this.policy, {
      now,
      rng: this.ctx.rng,
      seed: id,
      decisionId: id,
      staleSnapshot: false,
    });
    this.targets = [];
    this.probs = [];
    if (d.chosen === null) return false;
    if (this.greedy) {
      let best: (typeof d.candidates)[number] | null = null;
      for (const c of d.candidates) {
        if (c.probability > 0 && (best === null || (c.scoreMs ?? Infinity) < (best.scoreMs ?? Infinity))) best = c;
      }
      this.targets.push(this.index.get(best?.clusterId ?? d.chosen) ?? 0);
      this.probs.push(1);
      return true;
    }
    for (const c of d.candidates) {
      const i = this.index.get(c.clusterId);
      if (c.probability > 0 && i !== undefined) {
        this.targets.push(i);
        this.probs.push(c.probability);
      }
    }
    if (this.targets.length === 0) {
      // Panic or single choice without probabilities: everything to the chosen cluster.
      this.targets.push(this.index.get(d.chosen) ?? 0);
      this.probs.push(1);
    }
    return true;
  }

  allocate(n: number, idx: Int32Array, count: Float64Array): number {
    const m = this.targets.length;
    const out = this.out;
    this.ctx.rng.multinomial(n, this.probs, out);
    for (let j = 0; j < m; j++) {
      idx[j] = this.targets[j] ?? 0;
      count[j] = out[j] ?? 0;
    }
    return m;
  }
}
