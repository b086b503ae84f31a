/**
 * Turns a resolved scenario into the simulator's runtime objects: domain
 * `Cluster`/`App` records (what decide() reads) plus fleet runtimes and
 * per-app deployment tables indexed by cluster.
 */
import type { App, Cluster, Continent, RequestFacts } from '../../shared/domain/types.ts';
import { DEFAULT_REQUEST_RULES } from '../../shared/domain/types.ts';
import { ClusterRuntime, Deployment } from './fleet.ts';
import type { ResolvedScenario } from './scenario.ts';

export interface SimApp {
  readonly idx: number;
  readonly app: App;
  readonly share: number;
  /** Mean time a request holds a slot (what an aggregator observes as service time). */
  readonly serviceMs: number;
  readonly deployments: readonly Deployment[];
  /** Deployment of this app on cluster i, or undefined when not deployed there. */
  readonly byCluster: ReadonlyArray<Deployment | undefined>;
  /** The static cluster facts of this app's clusters, as an AppSnapshot carries them. */
  readonly staticClusters: ReadonlyMap<string, Cluster>;
}

export interface SimWorld {
  readonly clusters: readonly ClusterRuntime[];
  readonly domainClusters: readonly Cluster[];
  readonly apps: readonly SimApp[];
  readonly deployments: readonly Deployment[];
  /** Request facts per (app, client point), built once. */
  readonly requests: ReadonlyArray<readonly RequestFacts[]>;
}

export function buildWorld(s: ResolvedScenario): SimWorld {
  const clusters = s.clusters.map((spec, i) => new ClusterRuntime(i, spec));
  const domainClusters: Cluster[] = s.clusters.map((c) => ({
    id: c.id,
    region: c.region,
    continent: c.continent as Continent,
    country: c.country,
    provider: c.provider,
    location: { lat: c.lat, lon: c.lon },
    proxyUrl: `https://proxy-${c.region}.sim.invalid`,
    proxyId: `proxy-${c.region}`,
  }));
  const index = new Map(s.clusters.map((c, i) => [c.id, i]));
  const deployments: Deployment[] = [];
  const classes = s.traffic.durations;
  const serviceMs = (classes.reduce((a, d) => a + d.weight * d.meanSeconds, 0) / classes.reduce((a, d) => a + d.weight, 0)) * 1000;
  const apps: SimApp[] = s.apps.map((a, ai) => {
    const [projectId = 'sim', name = a.id] = a.id.split('/');
    const app: App = {
      id: a.id,
      projectId,
      name,
      clusters: a.clusters,
      excludedClusters: [],
      residency: a.residency as App['residency'],
      gpuTypes: [],
      strategy: 'switchyard',
      affinityHeader: null,
      authRequired: false,
      limits: { maxConcurrency: null, maxRps: null },
      corsOrigins: ['*'],
      clusterWeights: {},
      requests: DEFAULT_REQUEST_RULES,
      ...(a.failoverReserve === undefined ? {} : { failoverReserve: a.failoverReserve }),
    };
    const byCluster: Array<Deployment | undefined> = new Array<Deployment | undefined>(clusters.length).fill(undefined);
    const mine: Deployment[] = [];
    const staticClusters = new Map<string, Cluster>();
    for (const id of a.clusters) {
      const ci = index.get(id);
      if (ci === undefined) continue;
      const d = new Deployment(deployments.length, clusters[ci] as ClusterRuntime, ai, s.tickSeconds);
      deployments.push(d);
      mine.push(d);
      byCluster[ci] = d;
      staticClusters.set(id, domainClusters[ci] as Cluster);
    }
    return { idx: ai, app, share: a.share, serviceMs, deployments: mine, byCluster, staticClusters };
  });
  const requests = apps.map((a) =>
    s.traffic.clients.map(
      (c): RequestFacts => ({
        appId: a.app.id,
        fn: 'v1/chat/completions',
        method: 'POST',
        client: { colo: c.name, country: c.country, continent: c.continent as Continent, location: { lat: c.lat, lon: c.lon } },
        affinityKey: null,
        synthetic: true,
      }),
    ),
  );
  return { clusters, domainClusters, apps, deployments, requests };
}
