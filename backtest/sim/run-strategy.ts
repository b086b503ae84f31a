/**
 * One strategy's discrete-event run over a scenario. Arrivals are aggregated
 * per tick and client point (Poisson counts from an RNG stream that only the
 * scenario seed drives, so every strategy sees identical arrivals); the fleet
 * evolves through heap-ordered events: completions, replica start-ups, state
 * publications, incidents and price changes.
 */
import type { AppSnapshot } from '../../shared/domain/types.ts';
import type { Policy } from '../../shared/decision/types.ts';
import { estimateRttMs } from '../../shared/geo/index.ts';
import { residencyAllows } from '../constraints.ts';
import { decidesAt, replicasToAdd, targetUtilization } from './autoscaler.ts';
import { DueCompletions, FreeingOrder } from './completions.ts';
import { EventQueue } from './event-queue.ts';
import type { ClusterRuntime, Deployment } from './fleet.ts';
import { SERIES_BUCKETS, StrategyMetrics, type RejectionContext, type StrategyResult, type WindowSpec } from './metrics.ts';
import { Random } from './random.ts';
import { createRouter, type RouteContext } from './routers.ts';
import type { ResolvedScenario, SimStrategy } from './scenario.ts';
import { buildWorld, type SimApp, type SimWorld } from './sim-app.ts';
import { appSnapshotOf, autoscalerView, capture, type Publication } from './visible-state.ts';

/** Simulated time starts on a Monday at 00:00 UTC so the diurnal cycle is easy to read. */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 5);

type Ev =
  | { readonly k: 'done'; readonly dep: number; readonly due: number }
  | { readonly k: 'ready'; readonly dep: number; readonly n: number; readonly gen: number }
  | { readonly k: 'tick' }
  | { readonly k: 'publish' }
  | { readonly k: 'visible'; readonly pub: Publication }
  | { readonly k: 'incident'; readonly i: number; readonly start: boolean }
  | { readonly k: 'price'; readonly i: number };

const P_DONE = 0;
const P_READY = 1;
const P_INCIDENT = 2;
const P_PUBLISH = 3;
const P_VISIBLE = 4;
const P_TICK = 5;

/** Conditional means of 4 equal-probability strata of Exp(1): a batch's durations keep the true mean and spread. */
const STRATA = (() => {
  const g = (q: number): number => (q >= 1 ? 0 : (1 - q) * (1 - Math.log(1 - q)));
  const qs = [0, 0.25, 0.5, 0.75, 1];
  return [0, 1, 2, 3].map((i) => (g(qs[i] ?? 0) - g(qs[i + 1] ?? 1)) / 0.25);
})();

/**
 * Windows reported on their own: the scenario's `windows`, else one per
 * incident (named after it), so an incident can be judged apart from the day.
 */
export function windowsOf(s: ResolvedScenario): WindowSpec[] {
  const h = 3_600_000;
  if (s.windows.length > 0) return s.windows.map((w) => ({ name: w.name, startMs: w.startHours * h, endMs: (w.startHours + w.durationHours) * h }));
  return s.incidents.map((i) => ({
    name: `${i.kind} ${'cluster' in i ? i.cluster : 'region' in i ? i.region : 'provider' in i ? (i.provider ?? '') : 'client' in i ? (i.client ?? 'all') : ''}`.trim(),
    startMs: i.startHours * h,
    endMs: (i.startHours + i.durationHours) * h,
  }));
}

export function runStrategy(s: ResolvedScenario, strategy: SimStrategy, policy: Policy): StrategyResult {
  const started = performance.now();
  const world = buildWorld(s);
  const sim = new Simulation(s, world, strategy, policy);
  sim.run();
  return sim.metrics.result(Math.round(performance.now() - started));
}

class Simulation {
  readonly metrics: StrategyMetrics;
  private readonly q = new EventQueue<Ev>();
  private readonly tickMs: number;
  private readonly endMs: number;
  private readonly arrivals: Random;
  private readonly rng: Random;
  private readonly rtt: Float64Array;
  private readonly nClusters: number;
  private visible: Publication | null = null;
  /** Time of the event being handled (for accounting done outside an event's own handler). */
  private lastT = 0;
  private visibleAt = 0;
  private lastCaptured: Publication | null = null;
  private version = 0;
  private readonly snapCache = new Map<number, { version: number; snap: AppSnapshot }>();
  private readonly classWeights: number[];
  private readonly classMeanMs: number[];
  private readonly classCounts: number[];
  private readonly idx: Int32Array;
  private readonly cnt: Float64Array;
  private readonly clientWeight: number[];
  private readonly clientNames: string[];
  /** Per client point: traffic multiplier from load-surge incidents. */
  private readonly surge: number[];
  /** Per (app, client point): the nearest cluster residency allows (-1: none), for the distance diagnostic. */
  private readonly nearest: Int32Array;
  /** The deployment whose completions are being freed in time order, if any (see `freeInOrder`). */
  private freeing: { readonly dep: number; readonly order: FreeingOrder } | null = null;

  constructor(
    private readonly s: ResolvedScenario,
    private readonly world: SimWorld,
    private readonly strategy: SimStrategy,
    private readonly policy: Policy,
  ) {
    this.tickMs = s.tickSeconds * 1000;
    this.endMs = s.durationHours * 3_600_000;
    this.arrivals = new Random(`${s.seed}/arrivals`);
    this.rng = new Random(`${s.seed}/${strategy}`);
    this.nClusters = world.clusters.length;
    const clients = s.traffic.clients;
    this.rtt = new Float64Array(clients.length * this.nClusters);
    clients.forEach((c, ci) =>
      world.domainClusters.forEach((k, ki) => {
        this.rtt[ci * this.nClusters + ki] = estimateRttMs({ lat: c.lat, lon: c.lon }, k.location);
      }),
    );
    const totalWeight = clients.reduce((a, c) => a + c.weight, 0);
    this.clientWeight = clients.map((c) => c.weight / totalWeight);
    this.clientNames = clients.map((c) => c.name);
    this.surge = clients.map(() => 1);
    this.classWeights = s.traffic.durations.map((d) => d.weight);
    this.classMeanMs = s.traffic.durations.map((d) => d.meanSeconds * 1000);
    this.classCounts = new Array<number>(this.classWeights.length).fill(0);
    this.idx = new Int32Array(this.nClusters);
    this.cnt = new Float64Array(this.nClusters);
    this.nearest = this.nearestAllowed();
    const regions = [...new Set(world.domainClusters.map((c) => c.region))];
    const providers = [...new Set(world.domainClusters.map((c) => c.provider))];
    this.metrics = new StrategyMetrics(
      strategy,
      Int32Array.from(world.domainClusters.map((c) => regions.indexOf(c.region))),
      regions,
      Int32Array.from(world.domainClusters.map((c) => providers.indexOf(c.provider))),
      providers,
      Math.max(1, Math.ceil(this.endMs / SERIES_BUCKETS)),
      world.domainClusters.map((c) => c.id),
      windowsOf(s),
      s.traffic.durations.map((d) => d.name),
      clients.map((c) => c.name),
    );
  }

  private nearestAllowed(): Int32Array {
    const clients = this.s.traffic.clients;
    const out = new Int32Array(this.world.apps.length * clients.length).fill(-1);
    for (const app of this.world.apps) {
      for (let ci = 0; ci < clients.length; ci++) {
        const continent = this.world.requests[app.idx]?.[ci]?.client.continent ?? null;
        let best = -1;
        for (const d of app.deployments) {
          const k = d.cluster.idx;
          const facts = this.world.domainClusters[k];
          if (facts === undefined || !residencyAllows(app.app.residency, facts, continent)) continue;
          if (best < 0 || (this.rtt[ci * this.nClusters + k] ?? 0) < (this.rtt[ci * this.nClusters + best] ?? 0)) best = k;
        }
        out[app.idx * clients.length + ci] = best;
      }
    }
    return out;
  }

  run(): void {
    const q = this.q;
    // The decision tier starts warm: it has seen the fleet's initial state.
    this.lastCaptured = capture(++this.version, SIM_EPOCH_MS, this.world.deployments, null);
    this.visible = this.lastCaptured;
    this.visibleAt = SIM_EPOCH_MS;
    q.push(0, P_PUBLISH, { k: 'publish' });
    q.push(0, P_TICK, { k: 'tick' });
    this.s.incidents.forEach((inc, i) => {
      q.push(inc.startHours * 3_600_000, P_INCIDENT, { k: 'incident', i, start: true });
      q.push((inc.startHours + inc.durationHours) * 3_600_000, P_INCIDENT, { k: 'incident', i, start: false });
    });
    this.s.prices.forEach((p, i) => q.push(p.atHours * 3_600_000, P_INCIDENT, { k: 'price', i }));
    const ctx = this.routeContext();
    const router = createRouter(this.strategy, ctx);
    for (let e = q.pop(); e !== undefined; e = q.pop()) {
      if (e.at > this.endMs) break;
      this.metrics.events++;
      const ev = e.payload;
      const t = e.at;
      this.lastT = t;
      switch (ev.k) {
        case 'tick':
          this.onTick(t, router);
          if (t + this.tickMs < this.endMs) q.push(t + this.tickMs, P_TICK, ev);
          break;
        case 'done':
          this.onDone(t, ev.dep, ev.due);
          break;
        case 'ready':
          this.onReady(t, ev.dep, ev.n, ev.gen);
          break;
        case 'publish': {
          const pub = capture(++this.version, SIM_EPOCH_MS + t, this.world.deployments, this.lastCaptured, this.s.propagation.intervalSeconds * 1000);
          this.lastCaptured = pub;
          q.push(t + this.s.propagation.delaySeconds * 1000, P_VISIBLE, { k: 'visible', pub });
          q.push(t + this.s.propagation.intervalSeconds * 1000, P_PUBLISH, ev);
          break;
        }
        case 'visible':
          this.visible = ev.pub;
          this.visibleAt = SIM_EPOCH_MS + t;
          break;
        case 'incident':
          this.onIncident(ev.i, ev.start);
          break;
        case 'price':
          this.onPrice(ev.i);
          break;
      }
    }
  }

  private routeContext(): RouteContext {
    return {
      world: this.world,
      rtt: this.rtt,
      policy: this.policy,
      rng: this.rng,
      current: () => this.visible,
      snapshot: (app: SimApp): AppSnapshot => {
        const pub = this.visible;
        const hit = this.snapCache.get(app.idx);
        if (pub !== null && hit !== undefined && hit.version === pub.version) return hit.snap;
        const snap = appSnapshotOf(app, this.world.clusters, app.staticClusters, pub ?? { version: 0, rows: [] }, this.visibleAt, this.clientNames, this.world.apps);
        this.snapCache.set(app.idx, { version: pub?.version ?? 0, snap });
        return snap;
      },
    };
  }

  private diurnal(t: number, lon: number): number {
    const d = this.s.traffic.diurnal;
    if (d.amplitude === 0) return 1;
    const localHour = (((t / 3_600_000 + lon / 15) % 24) + 24) % 24;
    return 1 + d.amplitude * Math.cos((2 * Math.PI * (localHour - d.peakLocalHour)) / 24);
  }

  private onTick(t: number, router: ReturnType<typeof createRouter>): void {
    const s = this.s;
    const tickS = this.tickMs / 1000;
    const now = SIM_EPOCH_MS + t;
    const clients = s.traffic.clients;
    const shareTotal = this.world.apps.reduce((a, x) => a + x.share, 0);
    for (const app of this.world.apps) {
      for (let ci = 0; ci < clients.length; ci++) {
        const c = clients[ci];
        if (c === undefined) continue;
        const mean = s.traffic.ratePerSecond * (app.share / shareTotal) * (this.clientWeight[ci] ?? 0) * (this.surge[ci] ?? 1) * this.diurnal(t, c.lon) * tickS;
        const n = this.arrivals.poisson(mean);
        if (n === 0) continue;
        this.arrivals.multinomial(n, this.classWeights, this.classCounts);
        this.metrics.arrived(n, t);
        if (!router.prepare(app, ci, now)) {
          this.metrics.lost(n, t, 'failed');
          this.metrics.noCandidate += n;
          continue;
        }
        // Classes take turns at going first (by tick and client point): requests of one tick
        // arrive in this order, and the first class takes the free slots, so a fixed order made
        // the last classes (streams, long jobs) do the queueing and read as a class tail.
        const nc = this.classCounts.length;
        const turn = Math.floor(t / this.tickMs) + ci;
        for (let r = 0; r < nc; r++) {
          const dc = (turn + r) % nc;
          const k = this.classCounts[dc] ?? 0;
          if (k === 0) continue;
          const m = router.allocate(k, this.idx, this.cnt);
          for (let j = 0; j < m; j++) {
            const cnt = this.cnt[j] ?? 0;
            if (cnt <= 0) continue;
            const cluster = this.idx[j] ?? 0;
            this.arrive(t, app, ci, cluster, cnt, dc);
          }
        }
      }
    }
    this.housekeeping(t, tickS);
  }

  private arrive(t: number, app: SimApp, client: number, cluster: number, count: number, dc: number): void {
    let n = count;
    const m = this.metrics;
    m.routed(cluster, n, t);
    const dep = app.byCluster[cluster];
    if (dep !== undefined) dep.inflow.set(client, (dep.inflow.get(client) ?? 0) + n);
    const facts = this.world.domainClusters[cluster];
    const continent = this.world.requests[app.idx]?.[client]?.client.continent ?? null;
    if (facts !== undefined && !residencyAllows(app.app.residency, facts, continent)) m.residencyViolations += n;
    const d = app.byCluster[cluster];
    if (d === undefined || !d.cluster.reachable) {
      m.lost(n, t, 'failed');
      return;
    }
    const rtt = this.rtt[client * this.nClusters + cluster] ?? 0;
    this.noteDistance(app, client, rtt, n);
    const at = SIM_EPOCH_MS + t;
    const faults = d.cluster.errorRate > 0 ? this.rng.binomial(n, d.cluster.errorRate) : 0;
    if (faults > 0) {
      // Gray failure: the replica answers 5xx; the proxy reports it like any outcome.
      m.lost(faults, t, 'failed');
      m.replicaErrors += faults;
      n -= faults;
    }
    const now = Math.min(n, d.free);
    if (now > 0) this.start(t, d, now, rtt, 0, dc);
    const rest = n - now;
    if (rest === 0) {
      m.outcomeFaults += d.outcomes.recordAttempts(at, { faults, served: n, refused: 0 });
      return;
    }
    const room = Math.max(0, d.queueLimit());
    const queued = Math.min(rest, room);
    m.lost(rest - queued, t, 'rejected');
    if (rest > queued) m.rejectedAt({ cluster, t, n: rest - queued, app: app.app.id, dc, client, ...this.rejectionContext(t, d) });
    // Queue-full refusals are capacity, not faults: they stay out of the cluster's error rate.
    m.outcomeFaults += d.outcomes.recordAttempts(at, { faults, served: now + queued, refused: rest - queued });
    if (queued > 0) {
      d.enqueue({ arrivedAt: t, count: queued, rttMs: rtt, durationClass: dc });
      m.queued(queued, dc, cluster, this.freeElsewhereRtt(app, client, d));
      // The pre-session-9 rule; the default (kpa) and hpa autoscalers act on their own schedule in housekeeping.
      if (d.cluster.spec.autoscaler.kind === 'instant') this.scaleUp(t, d);
    }
  }

  /**
   * RTT from the client to the nearest other cluster that residency allows, reachable, without
   * injected replica faults, with a free slot now (true state), or NaN if none: a request that
   * queues while one exists was placed on stale or capped numbers, not for lack of room.
   */
  private freeElsewhereRtt(app: SimApp, client: number, here: Deployment): number {
    const continent = this.world.requests[app.idx]?.[client]?.client.continent ?? null;
    let best = NaN;
    for (const e of app.deployments) {
      if (e === here || e.free <= 0 || !e.cluster.reachable || e.cluster.errorRate > 0) continue;
      const facts = this.world.domainClusters[e.cluster.idx];
      if (facts === undefined || !residencyAllows(app.app.residency, facts, continent)) continue;
      const rtt = this.rtt[client * this.nClusters + e.cluster.idx] ?? 0;
      if (!(rtt >= best)) best = rtt;
    }
    return best;
  }

  /** Network RTT of n requests and, when sent farther than the nearest allowed cluster, whether that one had a free slot then. */
  private noteDistance(app: SimApp, client: number, rtt: number, n: number): void {
    const k = this.nearest[app.idx * this.s.traffic.clients.length + client] ?? -1;
    if (k < 0) return;
    const near = app.byCluster[k];
    const nearRtt = this.rtt[client * this.nClusters + k] ?? 0;
    this.metrics.distance(rtt, nearRtt, near !== undefined && near.cluster.reachable && near.free > 0, n);
  }

  /** n requests begin service at t after waiting `waitMs`: record TTFB, schedule completions. */
  private start(t: number, d: Deployment, n: number, rtt: number, waitMs: number, dc: number): void {
    d.busy += n;
    d.lastServedAt = SIM_EPOCH_MS + t;
    d.startedSinceCapture += n;
    d.waitSinceCaptureMs += waitMs * n;
    this.metrics.served_(rtt + waitMs + d.cluster.addedTtftMs, n, dc, t);
    d.outcomes.recordTtfb(SIM_EPOCH_MS + t, n, waitMs + d.cluster.addedTtftMs);
    const mean = (this.classMeanMs[dc] ?? 1000) * d.cluster.slowdown;
    if (n < 4) {
      for (let i = 0; i < n; i++) this.complete(d, t + mean * -Math.log(1 - this.rng.next()), 1);
      return;
    }
    const per = Math.floor(n / 4);
    for (let i = 0; i < 4; i++) this.complete(d, t + mean * (STRATA[i] ?? 1), per + (i < n - per * 4 ? 1 : 0));
  }

  private complete(d: Deployment, at: number, n: number): void {
    const f = this.freeing;
    if (f !== null && f.dep === d.idx && f.order.offer(at, n)) return;
    const due = Math.ceil(at / this.tickMs);
    let b = d.pending.get(due);
    if (b === undefined) {
      b = new DueCompletions();
      d.pending.set(due, b);
      this.q.push(due * this.tickMs, P_DONE, { k: 'done', dep: d.idx, due });
    }
    b.add(at, n);
  }

  /**
   * The end of a tick: its completions free their slots. With nobody queued the order they
   * finished in cannot matter (arrivals come on tick boundaries), so they are freed at once;
   * otherwise one after another at their exact times, each starting queued requests as it frees
   * a slot, as an engine would, instead of making every queued request wait for the tick.
   */
  private onDone(t: number, dep: number, due: number): void {
    const d = this.world.deployments[dep];
    if (d === undefined) return;
    const b = d.pending.get(due);
    if (b === undefined) return; // dropped by an outage
    d.pending.delete(due);
    if (d.queued === 0) {
      d.busy = Math.max(0, d.busy - b.total);
      return;
    }
    const order = new FreeingOrder(t);
    b.take(Infinity, (at, n) => order.add(at, n));
    this.freeInOrder(d, order);
  }

  /** Before an event within a tick changes who gets a slot: free the tick's completions due by t, in order. */
  private freeDueBy(t: number, d: Deployment): void {
    if (d.queued === 0) return;
    const b = d.pending.get(Math.ceil(t / this.tickMs));
    if (b === undefined || b.total === 0) return;
    const order = new FreeingOrder(t);
    b.take(t, (at, n) => order.add(at, n));
    this.freeInOrder(d, order);
  }

  private freeInOrder(d: Deployment, order: FreeingOrder): void {
    this.freeing = { dep: d.idx, order };
    while (order.next()) {
      this.metrics.events++;
      d.busy = Math.max(0, d.busy - order.n);
      this.drain(order.at, d, 'slot');
    }
    this.freeing = null;
  }

  /** Start queued batches, oldest first, while slots are free (`cause`: what freed them). */
  private drain(t: number, d: Deployment, cause: 'slot' | 'replica'): void {
    let free = d.free;
    while (free > 0) {
      const b = d.head();
      if (b === undefined) break;
      const k = Math.min(free, b.count);
      const waited = t - b.arrivedAt;
      this.start(t, d, k, b.rttMs, waited, b.durationClass);
      this.metrics.dequeued(k, waited, cause);
      b.count -= k;
      d.queued -= k;
      free -= k;
      if (b.count === 0) d.dropHead();
    }
  }

  /** The `instant` autoscaler: start enough replicas for the queue at once. */
  private scaleUp(t: number, d: Deployment): void {
    this.startReplicas(t, d, Math.ceil(d.queued / d.cluster.spec.concurrencyPerReplica) - d.starting);
  }

  /** The kpa / hpa autoscaler, once per tick: sample the demand, and on its schedule start what its rule asks for. */
  private autoscale(t: number, d: Deployment): void {
    const spec = d.cluster.spec.autoscaler;
    if (spec.kind === 'instant') return;
    d.scaler.add(d.busy + d.queued);
    if (!decidesAt(spec, t, this.tickMs, d.replicas + d.starting)) return;
    const k = replicasToAdd(spec, d.scaler, { replicas: d.replicas, starting: d.starting, concurrencyPerReplica: d.cluster.spec.concurrencyPerReplica }, t);
    if (k > 0) this.startReplicas(t, d, k);
  }

  /** Start up to `want` replicas (within maxReplicas and the free nodes): warm nodes first, then cold ones. */
  private startReplicas(t: number, d: Deployment, want: number): void {
    const c = d.cluster;
    const room = c.maxReplicas() - d.replicas - d.starting;
    let k = Math.min(want, room);
    if (k <= 0) return;
    const warm = Math.min(k, c.warmFree);
    c.warmFree -= warm;
    k -= warm;
    const cold = Math.min(k, c.coldFree);
    c.coldFree -= cold;
    if (warm > 0) {
      d.starting += warm;
      this.metrics.warmStarts += warm;
      this.q.push(t + c.spec.warmStartSeconds * 1000, P_READY, { k: 'ready', dep: d.idx, n: warm, gen: d.generation });
    }
    if (cold > 0) {
      d.starting += cold;
      this.metrics.coldStarted({ cluster: c.idx, t, n: cold, ...this.coldContext(d) });
      this.q.push(t + c.spec.coldStartSeconds * 1000, P_READY, { k: 'ready', dep: d.idx, n: cold, gen: d.generation });
    }
  }

  /** The app's load around a cold start at d: its own, pooled over its reachable clusters, idle replicas elsewhere, and the free share the deciders saw. */
  private coldContext(d: Deployment): { idleReplicasElsewhere: number; appLoad: number; ownLoad: number; visibleFree: number } {
    const app = this.world.apps[d.appIdx];
    let idle = 0;
    let load = 0;
    let slots = 0;
    for (const o of app?.deployments ?? []) {
      if (!o.cluster.reachable) continue;
      load += o.busy + o.queued;
      slots += o.slots;
      if (o !== d) idle += autoscalerView(o).idleReplicas;
    }
    const row = this.visible?.rows[d.idx];
    const shown = row === undefined ? 0 : row.hotFree + row.hotBusy;
    return {
      idleReplicasElsewhere: idle,
      appLoad: slots > 0 ? load / slots : 0,
      ownLoad: d.slots > 0 ? (d.busy + d.queued) / d.slots : 0,
      visibleFree: row !== undefined && shown > 0 ? row.hotFree / shown : 0,
    };
  }

  /** Why d turned requests away and what the deciders read of it then (a diagnostic; see RejectionDetail). */
  private rejectionContext(t: number, d: Deployment): Pick<RejectionContext, 'why' | 'stateAgeMs' | 'visibleFree' | 'visibleQueued' | 'trueQueued' | 'idleReplicasElsewhere'> {
    const c = d.cluster;
    const why = d.replicas + d.starting >= c.maxReplicas() ? 'atMaxReplicas' : c.warmFree + c.coldFree === 0 ? 'outOfNodes' : 'beforeScaleUp';
    const row = this.visible?.rows[d.idx];
    const shown = row === undefined ? 0 : row.hotFree + row.hotBusy;
    return {
      why,
      stateAgeMs: row === undefined ? 0 : SIM_EPOCH_MS + t - row.observedAt,
      visibleFree: row !== undefined && shown > 0 ? row.hotFree / shown : 0,
      visibleQueued: row?.queued ?? 0,
      trueQueued: d.queued,
      idleReplicasElsewhere: this.coldContext(d).idleReplicasElsewhere,
    };
  }

  private onReady(t: number, dep: number, n: number, gen: number): void {
    const d = this.world.deployments[dep];
    if (d === undefined || d.generation !== gen) return;
    // Slots that freed earlier in this tick go first: the queue's head took them before the replica came up.
    this.freeDueBy(t, d);
    d.starting -= n;
    d.replicas += n;
    this.drain(t, d, 'replica');
  }

  /** Per tick: the autoscaler's scale-up, GPU spend, and scale-down of replicas idle for the cluster's idle window. */
  private housekeeping(t: number, tickS: number): void {
    this.metrics.ticked(tickS);
    for (const c of this.world.clusters) {
      if (c.down) continue;
      let replicas = 0;
      for (const app of this.world.apps) {
        const d = app.byCluster[c.idx];
        if (d === undefined) continue;
        this.autoscale(t, d);
        replicas += d.replicas + d.starting;
        this.metrics.replicaTime(d.replicas + d.starting, d.busy / c.spec.concurrencyPerReplica, c.minReplicas(), (c.price * tickS) / 3600, tickS);
        // Down towards the autoscaler's own target, so it does not start again what this releases.
        const per = c.spec.concurrencyPerReplica * targetUtilization(c.spec.autoscaler);
        const target = Math.max(c.minReplicas(), Math.ceil((d.busy + d.queued) / per - 1e-9));
        if (d.replicas > target && d.starting === 0) {
          if (d.idleSince === null) d.idleSince = t;
          else if (t - d.idleSince >= c.spec.scaleDownIdleSeconds * 1000) {
            const drop = d.replicas - target;
            d.replicas = target;
            for (let i = 0; i < drop; i++) c.releaseNode();
            d.idleSince = null;
          }
        } else d.idleSince = null;
      }
      this.metrics.spent((replicas * c.price * tickS) / 3600, t);
    }
  }

  private clustersMatching(t: { cluster?: string | undefined; provider?: string | undefined }): ClusterRuntime[] {
    return this.world.clusters.filter(
      (c) =>
        (t.provider !== undefined && c.spec.provider === t.provider) ||
        (t.cluster !== undefined && (c.spec.id === t.cluster || c.spec.id.startsWith(`${t.cluster}-`))),
    );
  }

  private onIncident(i: number, begin: boolean): void {
    const inc = this.s.incidents[i];
    if (inc === undefined) return;
    switch (inc.kind) {
      case 'cluster-outage':
        for (const c of this.clustersMatching(inc)) {
          c.down = begin;
          this.resetDeployments(c, begin);
        }
        break;
      case 'region-partition':
        for (const c of this.world.clusters) {
          if (c.spec.region !== inc.region) continue;
          c.partitioned = begin;
          // Clients lose their connections into the partitioned region.
          if (begin) this.dropInFlight(c);
        }
        break;
      case 'price-spike':
        for (const c of this.clustersMatching(inc)) c.priceFactor *= begin ? inc.factor : 1 / inc.factor;
        break;
      case 'partial-failure':
        for (const c of this.clustersMatching(inc)) c.errorRate = begin ? inc.errorRate : 0;
        break;
      case 'slowdown':
        for (const c of this.clustersMatching(inc)) {
          c.slowdown = begin ? inc.factor : 1;
          c.addedTtftMs = begin ? inc.addedTtftMs : 0;
        }
        break;
      case 'load-surge':
        this.s.traffic.clients.forEach((c, ci) => {
          if (inc.client === undefined || inc.client === c.name) this.surge[ci] = (this.surge[ci] ?? 1) * (begin ? inc.factor : 1 / inc.factor);
        });
        break;
      case 'capacity-drain':
        for (const c of this.clustersMatching(inc)) {
          c.capacityFactor = begin ? 1 - inc.fraction : 1;
          for (const app of this.world.apps) {
            const d = app.byCluster[c.idx];
            if (d !== undefined && d.replicas > c.maxReplicas()) d.replicas = c.maxReplicas();
          }
          this.resetPools(c);
        }
        break;
    }
  }

  private dropInFlight(c: ClusterRuntime): void {
    for (const app of this.world.apps) {
      const d = app.byCluster[c.idx];
      if (d === undefined) continue;
      this.metrics.lost(d.busy + d.clearQueue(), this.lastT, 'failed');
      d.busy = 0;
      d.pending.clear();
    }
  }

  private resetDeployments(c: ClusterRuntime, down: boolean): void {
    if (down) this.dropInFlight(c);
    for (const app of this.world.apps) {
      const d = app.byCluster[c.idx];
      if (d === undefined) continue;
      d.generation++;
      d.starting = 0;
      d.scaler.reset();
      // A recovered cluster comes back with its minimum replicas (restarted by its own scheduler).
      d.replicas = down ? 0 : c.minReplicas();
    }
    if (!down) this.resetPools(c);
  }

  /** Free pool nodes = the (capacity-scaled) pools minus nodes held by replicas above their minimum. */
  private resetPools(c: ClusterRuntime): void {
    let inUse = 0;
    for (const app of this.world.apps) {
      const d = app.byCluster[c.idx];
      if (d !== undefined) inUse += Math.max(0, d.replicas + d.starting - c.spec.minReplicas);
    }
    const warm = Math.floor(c.spec.warmNodes * c.capacityFactor);
    const cold = Math.floor(c.spec.coldNodes * c.capacityFactor);
    c.warmFree = Math.max(0, warm - inUse);
    c.coldFree = Math.max(0, cold - Math.max(0, inUse - warm));
  }

  private onPrice(i: number): void {
    const p = this.s.prices[i];
    if (p === undefined) return;
    for (const c of this.clustersMatching(p)) c.basePrice = p.pricePerHour;
  }
}
