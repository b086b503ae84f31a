import { EngineTimes } from './engine-times.ts';
import type { Client } from '@libsql/client';
import type { ClusterAppState, ClusterStatus } from '../../shared/domain/types.ts';
import { StoreError } from '../store/errors.ts';
import { pushClusterState } from '../store/push-cluster-state.ts';
import { pushDeploymentVersions } from '../rollout/push-deployment-versions.ts';
import { majorityVersions, type ClusterModelVersion, type ServedModel } from '../../shared/rollout/served-versions.ts';
import type { EndpointInput } from '../store/types.ts';
import { updateClusterFacts, upsertCluster } from '../store/upsert-cluster.ts';
import type { AggregatorCluster, AggregatorConfig, WatchedApp } from './aggregator-config.ts';
import { backoffDelay } from './backoff.ts';
import { silentLogger, type AggregatorLogger } from './logger.ts';
import { createPriceSource } from './price-source.ts';
import type { PodStartup } from './kubernetes-capacity.ts';
import type { ClusterView } from './kubernetes-view.ts';
import { scrapeReplica, type FetchFn } from './scrape-replica.ts';
import { addStartSample, addTieredStartSample, advanceStart, NO_ESTIMATE, NO_START, POLICY_START_DEFAULTS, readinessOf, type ReplicaStart, type StartEstimate } from './startup-times.ts';
import { clusterHealth, replicaUsable, summarizeApp, type ReplicaObservation } from './summarize-app.ts';
import { watchUnknownApps } from './unknown-apps.ts';

/** Pod start-ups remembered so each is counted once (oldest forgotten first). */
const MAX_COUNTED_PODS = 4_096;

/** Everything one tick observed: exactly what a push writes. */
export interface AggregatorSnapshot {
  readonly cluster: AggregatorCluster;
  readonly states: readonly ClusterAppState[];
  readonly status: ClusterStatus;
  readonly endpoints: readonly EndpointInput[];
  /** Per watched app, the model versions its replicas serve (rollouts). */
  readonly versions: ReadonlyMap<string, readonly ClusterModelVersion[]>;
  readonly observedAt: number;
}

export interface TickResult {
  readonly snapshot: AggregatorSnapshot;
  /** True when this tick's snapshot reached the database. */
  readonly pushed: boolean;
  /** Why the push failed or was skipped (backing off), or null. */
  readonly error: string | null;
}

export type DatabaseState = 'unknown' | 'up' | 'down';

export interface AggregatorDeps {
  readonly client: Client;
  readonly logger?: AggregatorLogger;
  /** Clock; default Date.now. */
  readonly now?: () => number;
  /** HTTP client for scrapes; default the global fetch (undici). */
  readonly fetch?: FetchFn;
  /** Jitter source in [0, 1); default Math.random. */
  readonly random?: () => number;
  /** The cluster's own view of apps with a `kubernetes` block (kubernetes-view.ts); none by default. */
  readonly clusterView?: () => Promise<ClusterView>;
}

export interface Aggregator {
  /** Stops the timer and waits for the tick in progress. */
  stop(): Promise<void>;
  /** The newest snapshot, pushed or not; null before the first tick. */
  lastSnapshot(): AggregatorSnapshot | null;
  /** Scrape and push now, ignoring the backoff (serialised with timer ticks). */
  tickNow(): Promise<TickResult>;
  databaseState(): DatabaseState;
}

/**
 * Starts the aggregator loop for one cluster: the first tick runs at once, then one every
 * `intervalMs`. Scrape failures mark replicas unhealthy; database failures are retried with
 * exponential backoff and jitter while scraping continues, and the newest snapshot is pushed
 * as soon as the database answers again (older, superseded snapshots are never replayed).
 */
/**
 * What a failed push says in the log. Not always "unreachable": a refused token or an unmigrated
 * database is a setting to fix (the error carries the hint), not a server to go and look for.
 */
function pushFailure(err: unknown): string {
  const code = err instanceof StoreError ? err.code : 'failed';
  if (code === 'unreachable') return 'database unreachable';
  if (code === 'unauthorized') return 'database refused the auth token';
  if (code === 'not-registered') return (err as StoreError).message;
  return `database push failed (${code})`;
}

export function startAggregator(config: AggregatorConfig, deps: AggregatorDeps): Aggregator {
  // Lines name no cluster: the process's logger binds it once (cli/commands/aggregator.ts), and
  // a `cluster` here as well wrote the JSON key twice on every line, which some log pipelines reject.
  const log = deps.logger ?? silentLogger;
  const now = deps.now ?? Date.now;
  const fetchFn: FetchFn = deps.fetch ?? ((input, init) => fetch(input, init));
  const random = deps.random ?? Math.random;
  const prices = createPriceSource(config.gpuPrices, config.pricesFile, log);
  const clusterId = config.cluster.id;

  const lastServed = new Map<string, number | null>();
  const replicaHealthy = new Map<string, boolean>();
  const unpriced = new Set<string>();
  const replicaStarts = new Map<string, ReplicaStart>();
  const startEstimates = new Map<string, StartEstimate>();
  const countedPods = new Set<string>();
  const engineTimes = new EngineTimes();
  const unknownApps = watchUnknownApps(config.apps.map((a) => a.appId), log);
  let latest: AggregatorSnapshot | null = null;
  let dbState: DatabaseState = 'unknown';
  let registered = false;
  let failures = 0;
  let nextPushAt = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let chain: Promise<unknown> = Promise.resolve();

  /** Times replicas' start-ups and returns the app's start-up estimates, config defaults until observed. */
  function observeStartups(
    app: WatchedApp,
    observations: readonly ReplicaObservation[],
    at: number,
    podStarts: readonly PodStartup[],
  ): Pick<ClusterAppState, 'warmStartMs' | 'coldStartMs'> {
    const defaults = { warmStartMs: app.warmStartMs ?? POLICY_START_DEFAULTS.warmStartMs, coldStartMs: app.coldStartMs ?? POLICY_START_DEFAULTS.coldStartMs };
    let est = startEstimates.get(app.appId) ?? NO_ESTIMATE;
    // Kubernetes timed these exactly and knows the tier; each pod counts once.
    for (const p of podStarts) {
      if (countedPods.has(p.uid)) continue;
      countedPods.add(p.uid);
      if (countedPods.size > MAX_COUNTED_PODS) countedPods.delete(countedPods.values().next().value ?? '');
      const before = est;
      est = addTieredStartSample(est, p.ms, p.tier, defaults);
      if (est !== before) log.info({ app: app.appId, pod: p.uid, startMs: p.ms, tier: p.tier }, 'pod start-up observed');
    }
    // On Kubernetes the pods' own conditions time start-ups; scrape timing would also count a
    // replica that missed one scrape as a one-interval "start-up".
    for (const o of app.kubernetes ? [] : observations) {
      const key = `${app.appId} ${o.url}`;
      const { next, sampleMs } = advanceStart(replicaStarts.get(key) ?? NO_START, readinessOf(o), at);
      replicaStarts.set(key, next);
      if (sampleMs === null) continue;
      const before = est;
      est = addStartSample(est, sampleMs, defaults);
      if (est !== before) log.info({ app: app.appId, replica: o.url, startMs: sampleMs }, 'replica start-up observed');
    }
    startEstimates.set(app.appId, est);
    return { warmStartMs: est.warmStartMs ?? app.warmStartMs ?? null, coldStartMs: est.coldStartMs ?? app.coldStartMs ?? null };
  }

  const lastServedModels = new Map<string, readonly ServedModel[]>();
  /** What a replica serves: its answer, else what it last answered (a 5xx on /v1/models changes no version). */
  function servedBy(appId: string, o: ReplicaObservation): readonly ServedModel[] {
    const key = `${appId} ${o.url}`;
    if (o.models !== undefined) lastServedModels.set(key, o.models);
    return lastServedModels.get(key) ?? [];
  }

  let view: ClusterView | null = null;
  let viewFailing = false;
  /** The newest cluster view; when the API fails, the last good one (logged once per outage). */
  async function currentView(): Promise<ClusterView | null> {
    if (deps.clusterView === undefined) return null;
    try {
      view = await deps.clusterView();
      if (viewFailing) log.info({}, 'Kubernetes API reachable again');
      viewFailing = false;
    } catch (err) {
      if (!viewFailing) log.warn({ err: err instanceof Error ? err.message : String(err) }, 'Kubernetes API read failed; using the last view');
      viewFailing = true;
    }
    return view;
  }

  async function observe(): Promise<AggregatorSnapshot> {
    const at = now();
    const priceTable = await prices.current();
    const v = await currentView();
    const apps = config.apps.map((a) =>
      v === null || !a.kubernetes ? a : { ...a, replicas: v.replicas.get(a.appId) ?? [], warm: v.warmSlots.get(a.appId) ?? a.warm, cold: v.coldSlots.get(a.appId) ?? a.cold },
    );
    const perApp = await Promise.all(
      apps.map(async (app) => ({ app, observations: await Promise.all(app.replicas.map((u) => scrapeReplica(u, config.scrapeTimeoutMs, fetchFn))) })),
    );
    const states: ClusterAppState[] = [];
    const endpoints: EndpointInput[] = [];
    const versions = new Map<string, ClusterModelVersion[]>();
    for (const { app, observations } of perApp) {
      versions.set(app.appId, majorityVersions(observations.filter(replicaUsable).map((o) => servedBy(app.appId, o))));
      for (const o of observations) {
        const key = `${app.appId} ${o.url}`;
        const usable = replicaUsable(o);
        if (replicaHealthy.get(key) !== usable) {
          if (usable) log.info({ app: app.appId, replica: o.url }, 'replica healthy');
          else log.warn({ app: app.appId, replica: o.url, problem: o.problem }, 'replica unhealthy');
          replicaHealthy.set(key, usable);
        }
        // The replica's slots, so proxies share it fairly between projects before its first 429.
        endpoints.push({ appId: app.appId, url: o.url, healthy: usable, weight: 1, slots: app.slotsPerReplica });
      }
      const startups = observeStartups(app, observations, at, v?.startups.get(app.appId) ?? []);
      const price = priceTable[app.gpuType];
      if (price === undefined && !unpriced.has(app.gpuType)) {
        unpriced.add(app.gpuType);
        log.warn({ gpuType: app.gpuType }, 'no price for this GPU type; reporting 0 until one is configured');
      } else if (price !== undefined) unpriced.delete(app.gpuType);
      const state = summarizeApp({
        clusterId,
        app,
        observations,
        headroom: config.headroom,
        pricePerHour: price ?? 0,
        previousLastServedAt: lastServed.get(app.appId) ?? null,
        now: at,
      });
      lastServed.set(app.appId, state.lastServedAt);
      const times = engineTimes.observe(app.appId, observations.map((o) => ({ url: o.url, queue: o.metrics?.queueTime ?? null, run: o.metrics?.runTime ?? null, e2e: o.metrics?.e2eTime ?? null, running: o.metrics?.running ?? 0 })));
      states.push({ ...state, ...startups, ...times });
    }
    const status: ClusterStatus = { clusterId, health: clusterHealth(states), circuitOpen: false, draining: false, observedAt: at };
    return { cluster: config.cluster, states, status, endpoints, versions, observedAt: at };
  }

  /** Its proxy named: the whole row (a new cluster appears just by starting); else the facts alone, under apply's proxy. */
  async function register(cluster: AggregatorCluster, at: number): Promise<void> {
    const { proxyUrl, proxyId } = cluster;
    if (proxyUrl !== null && proxyId !== null) await upsertCluster(deps.client, { ...cluster, proxyUrl, proxyId }, at);
    else await updateClusterFacts(deps.client, cluster, at);
  }

  async function push(snapshot: AggregatorSnapshot): Promise<string | null> {
    try {
      // Registering on every (re)connection lets a new cluster appear just by starting, and
      // re-creates its row if someone deleted it while the database was away.
      const reconnected = !registered;
      if (reconnected) await register(snapshot.cluster, snapshot.observedAt);
      registered = true;
      await pushClusterState(deps.client, clusterId, { states: snapshot.states, status: snapshot.status, endpoints: snapshot.endpoints }, snapshot.observedAt);
      await pushDeploymentVersions(deps.client, clusterId, snapshot.versions, snapshot.observedAt);
      await unknownApps.afterPush(deps.client, reconnected);
      if (dbState !== 'up') log.info({ afterFailures: failures }, dbState === 'down' ? 'database reachable again; pushed newest state' : 'database reachable');
      dbState = 'up';
      failures = 0;
      nextPushAt = 0;
      return null;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const delay = backoffDelay(failures, config.backoff, random);
      failures++;
      registered = false;
      nextPushAt = now() + delay;
      if (dbState !== 'down') log.error({ err: message }, `${pushFailure(err)}; keeping the newest snapshot and retrying with backoff`);
      else log.debug({ err: message, attempt: failures, retryInMs: delay }, 'push failed again');
      dbState = 'down';
      return message;
    }
  }

  async function tick(force: boolean): Promise<TickResult> {
    const snapshot = await observe();
    latest = snapshot;
    if (!force && now() < nextPushAt) return { snapshot, pushed: false, error: 'backing off after database failure' };
    const error = await push(snapshot);
    return { snapshot, pushed: error === null, error };
  }

  function enqueue(force: boolean): Promise<TickResult> {
    const run = chain.then(() => tick(force));
    // The chain only orders ticks; each caller sees its own tick's failure.
    chain = run.catch(() => undefined);
    return run;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      enqueue(false)
        .catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'tick failed'))
        .finally(schedule);
    }, config.intervalMs);
  }

  log.info({ apps: config.apps.map((a) => a.appId), intervalMs: config.intervalMs }, 'aggregator started');
  enqueue(false)
    .catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'tick failed'))
    .finally(schedule);

  return {
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      await chain;
      log.info({}, 'aggregator stopped');
    },
    lastSnapshot: () => latest,
    tickNow: () => enqueue(true),
    databaseState: () => dbState,
  };
}
