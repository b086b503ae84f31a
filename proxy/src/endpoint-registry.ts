/**
 * The replicas (endpoints) of each app in each cluster, plus per-app routing
 * settings, held in memory and refreshed off the hot path from a source (the
 * store's app_endpoints/apps tables, or a static file). The hot path only
 * reads the maps; a failed refresh keeps the last good view.
 */
import { projectOfAppId } from '../../shared/http/request-path.ts';
import { routeLimitKey } from '../../shared/routes/route-limits.ts';
import {
  DEFAULT_REQUEST_RULES,
  STRATEGIES,
  type AppLimits,
  type AppRequestRules,
  type StrategyName,
} from '../../shared/domain/types.ts';
import type { StrategyState } from '../../shared/decision/types.ts';
import type { TokenBudget } from '../../shared/limits/token-budget-config.ts';
import type { AppSettings, EndpointRow } from './store.ts';

export interface Endpoint {
  readonly url: string;
  weight: number;
  /** As reported by the aggregator (store) or the static file. */
  reportedHealthy: boolean;
  /** As seen by our own active health checks; true until a check fails. */
  checkedHealthy: boolean;
  /** Consecutive health checks that got no answer in time (see health-checker). */
  missedChecks: number;
}

export interface RegistrySource {
  load(): Promise<{ endpoints: EndpointRow[]; apps: AppSettings[] }>;
  /** Where an app's replicas are listed, said when none are: what the operator fixes. */
  readonly listsReplicas?: (appId: string) => string;
}

export interface AppRouting {
  readonly strategy: StrategyName;
  readonly affinityHeader: string | null;
  readonly limits: AppLimits;
  /** Request rules (TTFB budget, per-replica cap, …); defaults for apps this proxy has no row for. */
  readonly requests: AppRequestRules;
  /** The token budget of the app's project (shared by all its apps); null = none. */
  readonly projectBudget: TokenBudget | null;
  /** Anyone may call it (`auth: false`): its prompt cache is its own, not its project's. */
  readonly open: boolean;
}

const UNLIMITED: AppLimits = Object.freeze({ maxConcurrency: null, maxRps: null });

const key = (clusterId: string, appId: string): string => `${clusterId}\u0000${appId}`;

/** URLs whose rows belong to apps of at least two projects. */
function sharedAcrossProjects(rows: readonly EndpointRow[]): ReadonlySet<string> {
  const firstProject = new Map<string, string>();
  const shared = new Set<string>();
  for (const row of rows) {
    const project = projectOfAppId(row.appId);
    const seen = firstProject.get(row.url);
    if (seen === undefined) firstProject.set(row.url, project);
    else if (seen !== project) shared.add(row.url);
  }
  return shared;
}

/** Each replica URL's reported slots: the least of its rows' (one engine; a row may be stale). */
function slotsByUrl(rows: readonly EndpointRow[]): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  for (const row of rows) {
    if (row.slots === null) continue;
    const seen = out.get(row.url);
    if (seen === undefined || row.slots < seen) out.set(row.url, row.slots);
  }
  return out;
}

export class EndpointRegistry {
  private pools = new Map<string, Endpoint[]>();
  private apps = new Map<string, AppSettings>();
  /** `routing()` answers per app, rebuilt after each refresh (read on every request). */
  private routings = new Map<string, AppRouting>();
  /** Strategy state per (cluster, app) pool: round-robin cursor, outstanding counts. */
  private readonly states = new Map<string, StrategyState>();
  /** `clustersServing()` answers per app, rebuilt after each refresh (auth-disabled gate: every request). */
  private serving = new Map<string, readonly string[]>();
  /** Replica URLs listed by apps of two or more projects: only there can one tenant crowd out another. */
  private sharedUrls: ReadonlySet<string> = new Set();
  private slots: ReadonlyMap<string, number> = new Map();
  lastRefreshAt = 0;
  lastError: string | null = null;

  constructor(
    private readonly source: RegistrySource,
    private readonly defaultStrategy: StrategyName,
  ) {}

  async refresh(now: number): Promise<void> {
    try {
      const { endpoints, apps } = await this.source.load();
      const next = new Map<string, Endpoint[]>();
      for (const row of endpoints) {
        const k = key(row.clusterId, row.appId);
        const prior = this.pools.get(k)?.find((e) => e.url === row.url);
        const ep: Endpoint = prior ?? {
          url: row.url,
          weight: row.weight,
          reportedHealthy: row.healthy,
          checkedHealthy: true,
          missedChecks: 0,
        };
        ep.weight = row.weight;
        ep.reportedHealthy = row.healthy;
        const list = next.get(k) ?? [];
        list.push(ep);
        next.set(k, list);
      }
      this.pools = next;
      this.sharedUrls = sharedAcrossProjects(endpoints);
      this.slots = slotsByUrl(endpoints);
      this.apps = new Map(apps.map((a) => [a.appId, a]));
      this.routings = new Map();
      this.serving = new Map();
      this.lastRefreshAt = now;
      this.lastError = null;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
    }
  }

  /** Whether apps of more than one project list this replica URL (replica-shares.ts applies there). */
  sharedByProjects(url: string): boolean {
    return this.sharedUrls.has(url);
  }

  /** Whether any replica is listed by apps of more than one project (replica-hold-sync.ts runs then). */
  hasSharedReplicas(): boolean {
    return this.sharedUrls.size > 0;
  }

  /** The replica's slots as its aggregator (or the endpoints file) reports them; null = not reported. */
  reportedSlots(url: string): number | null {
    return this.slots.get(url) ?? null;
  }

  endpoints(clusterId: string, appId: string): readonly Endpoint[] {
    return this.pools.get(key(clusterId, appId)) ?? [];
  }

  /** Where `appId`'s replicas would be listed (for the no-endpoints refusal); '' when the source does not say. */
  listsReplicas(appId: string): string {
    return this.source.listsReplicas?.(appId) ?? '';
  }

  /** Every distinct endpoint with the clusters it serves (for health checks). */
  allEndpoints(): Array<{ clusterId: string; endpoint: Endpoint }> {
    const seen = new Set<Endpoint>();
    const out: Array<{ clusterId: string; endpoint: Endpoint }> = [];
    for (const [k, list] of this.pools) {
      const clusterId = k.split('\u0000')[0] ?? '';
      for (const ep of list) {
        if (seen.has(ep)) continue;
        seen.add(ep);
        out.push({ clusterId, endpoint: ep });
      }
    }
    return out;
  }

  /** An app with a settings row (store or static file): it exists. */
  hasApp(appId: string): boolean {
    return this.apps.has(appId);
  }

  /** Apps with a settings row (store or static file). */
  appIds(): string[] {
    return [...this.apps.keys()];
  }

  /**
   * Every limiter key with limits: app ids and `app#route` keys (shared/routes/route-limits.ts),
   * so limit leases share route limits across proxies like app limits.
   */
  limitKeys(): Array<readonly [string, AppLimits]> {
    const out: Array<readonly [string, AppLimits]> = [];
    for (const [id, a] of this.apps) {
      out.push([id, this.routing(id).limits]);
      for (const [route, limits] of a.routeLimits ?? []) out.push([routeLimitKey(id, route), limits]);
    }
    return out;
  }

  /** Limits of a limiter key: an app's, or one route's (`app#route`; unknown route = unlimited). */
  limitsOf(key: string): AppLimits {
    const hash = key.indexOf('#');
    if (hash < 0) return this.routing(key).limits;
    return this.apps.get(key.slice(0, hash))?.routeLimits?.get(key.slice(hash + 1)) ?? UNLIMITED;
  }

  /** Whether the route declares limits (the request handler then also counts it under its key). */
  hasRouteLimits(appId: string, route: string): boolean {
    return this.apps.get(appId)?.routeLimits?.has(route) ?? false;
  }

  clusterIds(): string[] {
    return [...new Set([...this.pools.keys()].map((k) => k.split('\u0000')[0] ?? ''))];
  }

  /** The clusters with at least one endpoint row for the app, in `clusterIds()` order. */
  clustersServing(appId: string): readonly string[] {
    let ids = this.serving.get(appId);
    if (ids === undefined) {
      ids = this.clusterIds().filter((c) => this.endpoints(c, appId).length > 0);
      this.serving.set(appId, ids);
    }
    return ids;
  }

  routing(appId: string): AppRouting {
    const cached = this.routings.get(appId);
    if (cached !== undefined) return cached;
    const a = this.apps.get(appId);
    // 'switchyard' is the edge's cross-cluster pipeline and 'default' defers to the edge's
    // policy: inside a cluster both mean this proxy's own default replica strategy.
    const strategy =
      a === undefined ||
      a.strategy === 'switchyard' ||
      !(STRATEGIES as readonly string[]).includes(a.strategy)
        ? this.defaultStrategy
        : a.strategy;
    const routing: AppRouting = {
      strategy,
      affinityHeader: a?.affinityHeader ?? null,
      limits: { maxConcurrency: a?.maxConcurrency ?? null, maxRps: a?.maxRps ?? null, scope: a?.limitScope ?? 'region' },
      requests: a?.requests ?? DEFAULT_REQUEST_RULES,
      projectBudget: a?.projectBudget ?? null,
      open: a?.open === true,
    };
    this.routings.set(appId, routing);
    return routing;
  }

  strategyState(clusterId: string, appId: string): StrategyState {
    const k = key(clusterId, appId);
    let s = this.states.get(k);
    if (s === undefined) {
      s = { roundRobinCursor: 0, outstanding: new Map() };
      this.states.set(k, s);
    }
    return s;
  }
}
