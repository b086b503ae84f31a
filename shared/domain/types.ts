import type { AppRoutes } from '../routes/types.ts';
import type { TokenBudget } from '../limits/token-budget-config.ts';
/**
 * Switchyard's domain model: plain, serialisable data shared by the Worker, the
 * proxy, the control plane and the replay tool. No I/O and no behaviour here.
 *
 * Times are milliseconds since the Unix epoch (numbers) everywhere so that a
 * decision's inputs can be logged as JSON and replayed bit-for-bit.
 */
import { DEFAULT_STREAM_RULES, type AppStreamRules } from './stream-rules.ts';
import type { DeploymentVersion, RolloutView } from '../rollout/types.ts';

/** Two-letter continent codes as Cloudflare reports them in `request.cf.continent`. */
export type Continent = 'AF' | 'AN' | 'AS' | 'EU' | 'NA' | 'OC' | 'SA';
export const CONTINENTS: readonly Continent[] = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'];

export interface GeoPoint {
  readonly lat: number;
  readonly lon: number;
}

/** Capacity tiers, best first. */
export type Tier = 'hot' | 'warm' | 'cold';
export const TIERS: readonly Tier[] = ['hot', 'warm', 'cold'];

export type Health = 'healthy' | 'degraded' | 'unhealthy' | 'unknown';

/** Routing strategies an app may select. `switchyard` is the full Thalamus-style pipeline. */
/** Stored in `apps.strategy` for an app whose config names no strategy. */
export const DEFAULT_STRATEGY_MARKER = 'default';

export type StrategyName =
  | 'switchyard'
  | 'round-robin'
  | 'random'
  | 'weighted'
  | 'least-outstanding'
  | 'consistent-hash'
  | 'power-of-two'
  /**
   * Inside a cluster (the regional proxy): prefix-cache, queue and KV aware replica choice on
   * the prompt (proxy/src/replica-choice.ts); least outstanding when there is no prompt. The
   * edge cannot see replicas' caches: across clusters it runs the `switchyard` pipeline.
   */
  | 'inference-aware';
export const STRATEGIES: readonly StrategyName[] = [
  'switchyard',
  'round-robin',
  'random',
  'weighted',
  'least-outstanding',
  'consistent-hash',
  'power-of-two',
  'inference-aware',
];

/** A region Switchyard knows about (see `regions.ts`); clusters live in exactly one. */
export interface Region {
  readonly id: string;
  readonly continent: Continent;
  readonly country: string;
  readonly location: GeoPoint;
}

/** Static facts about one GPU cluster. Written by its aggregator or by `switchyard apply`. */
export interface Cluster {
  readonly id: string;
  readonly region: string;
  readonly continent: Continent;
  readonly country: string;
  readonly provider: string;
  readonly location: GeoPoint;
  /** Base URL of the regional proxy that fronts this cluster. */
  readonly proxyUrl: string;
  /** Token audience: the id of that regional proxy. */
  readonly proxyId: string;
}

/**
 * Where an app may be served. `client-continent` keeps each request on the
 * client's own continent (and refuses when the client's continent is unknown).
 */
export type Residency =
  | { readonly kind: 'any' }
  | { readonly kind: 'continents'; readonly continents: readonly Continent[] }
  | { readonly kind: 'regions'; readonly regions: readonly string[] }
  | { readonly kind: 'client-continent' };

/**
 * Which proxies share an app's limits: each proxy on its own (`proxy`), every proxy of one
 * region (`region`, the default), or every proxy anywhere (`global`). Shared limits are leased
 * through libSQL (proxy/src/limit-leases.ts, shared/limits/lease-share.ts).
 */
export type LimitScope = 'proxy' | 'region' | 'global';
export const LIMIT_SCOPES: readonly LimitScope[] = ['proxy', 'region', 'global'];

export interface AppLimits {
  /** Max requests in flight across the app's `scope`; null = unlimited. */
  readonly maxConcurrency: number | null;
  /** Max requests per second across the app's `scope`; null = unlimited. */
  readonly maxRps: number | null;
  /** Absent = `region`. A proxy without libSQL always counts on its own. */
  readonly scope?: LimitScope;
}

export interface Project {
  readonly id: string;
  readonly name: string;
  /** LLM token budget of all the project's apps together (enforced by the proxy); absent = none. */
  readonly tokenBudget?: TokenBudget;
}

/** Static configuration of one app (`project/name`), changed only by deploys and config. */
export interface App {
  /** `${projectId}/${name}` */
  readonly id: string;
  readonly projectId: string;
  readonly name: string;
  /** Clusters the app is deployed to. */
  readonly clusters: readonly string[];
  /** Clusters explicitly excluded (e.g. for maintenance) even though deployed. */
  readonly excludedClusters: readonly string[];
  readonly residency: Residency;
  /** Acceptable GPU types; empty means any. */
  readonly gpuTypes: readonly string[];
  /** The app's routing strategy; null = the policy's default (`ROUTE_DEFAULT_STRATEGY`). */
  readonly strategy: StrategyName | null;
  /** Request header whose value is the consistent-hash key (affinity). */
  readonly affinityHeader: string | null;
  readonly authRequired: boolean;
  readonly limits: AppLimits;
  /** Browser origins allowed by CORS; `*` allows any. */
  readonly corsOrigins: readonly string[];
  /** Per-cluster static weight (canary / version splits); missing = 1. */
  readonly clusterWeights: Readonly<Record<string, number>>;
  /** What clients may send and how long the app may take: enforced by edge and proxy. */
  readonly requests: AppRequestRules;
  /** Routes inside the app (shared/routes/); absent = none, the app's own settings apply. */
  readonly routes?: AppRoutes;
  /**
   * The failover reserve for this app (0–4, 0 = off; `shared/decision/failover-reserve.ts`);
   * absent = the policy's `ROUTE_FAILOVER_RESERVE`. Per app because it costs money wherever it
   * applies: an operator turns it on for the residency-bound apps whose outage tail matters.
   */
  readonly failoverReserve?: number;
}

/**
 * Per-app request rules, stored as one JSON column so a new rule needs no migration.
 * Missing keys in a stored row take the defaults below (older rows stay valid).
 */
export interface AppRequestRules {
  /**
   * Function paths (the part after `/v4/<project>/<app>/`) clients may call. Each entry is a
   * canonical path of segments; a last segment `*` matches one or more further segments
   * (`v1/*` matches `v1/chat/completions`); `*` alone matches any function. Anything else is
   * a 404 at edge and proxy, so replica-internal paths (`/metrics`, `/_control`) stay private.
   */
  readonly functions: readonly string[];
  /** Largest request body accepted; bigger is a 413 before any upstream contact. */
  readonly maxBodyBytes: number;
  /** Pass the client's `Authorization` header to replicas (off: stripped after auth). */
  readonly forwardAuthorization: boolean;
  /**
   * Time to the upstream's first response byte before an attempt counts as a hung replica, for
   * requests whose first byte comes early: streaming ones (`Accept: text/event-stream`),
   * GET/HEAD and WebSocket handshakes.
   */
  readonly ttfbBudgetMs: number;
  /**
   * The same for every other request (a non-streaming generation sends nothing until it is
   * done, so its first byte is the whole answer): long by default, so a legitimately long
   * generation is never a 504 and a fault of the replica.
   */
  readonly nonStreamingTtfbBudgetMs: number;
  /** In-flight requests one replica may hold through one proxy; null = no per-replica cap. */
  readonly maxInFlightPerReplica: number | null;
  /** Heartbeats before the first token, mid-stream continuation (`stream-rules.ts`); both off by default. */
  readonly streams: AppStreamRules;
  /**
   * Request header naming a job (e.g. `x-job-id`): requests with the same value keep going to
   * the cluster (and replica, while alive) that took the job, for `jobPinSeconds` after the last
   * one. Null: no pinning.
   */
  readonly jobKeyHeader: string | null;
  readonly jobPinSeconds: number;
  /** LLM token budget (tokens per minute, spend per period), enforced by the proxy; null = none. */
  readonly tokenBudget: TokenBudget | null;
  /**
   * Whose requests may reuse each other's cached prompt prefixes on a shared engine replica.
   * `project` (default): the proxy writes a `cache_salt` derived from the project into every
   * OpenAI-style JSON body, so another project's request can never hit (and so time) this
   * project's cached prompts. `shared`: bodies go unchanged (one project per replica, or an
   * engine that refuses the field).
   */
  readonly promptCache: PromptCacheScope;
}

export type PromptCacheScope = 'project' | 'shared';
export const PROMPT_CACHE_SCOPES: readonly PromptCacheScope[] = ['project', 'shared'];

/** OpenAI-compatible apps expose `v1/...`; 8 MiB fits long prompts and small images. */
export const DEFAULT_REQUEST_RULES: AppRequestRules = Object.freeze({
  functions: Object.freeze(['v1/*']),
  maxBodyBytes: 8 * 1024 * 1024,
  forwardAuthorization: false,
  ttfbBudgetMs: 60_000,
  // The OpenAI SDKs' default request timeout: clients give up no sooner than this.
  nonStreamingTtfbBudgetMs: 600_000,
  maxInFlightPerReplica: null,
  streams: DEFAULT_STREAM_RULES,
  jobKeyHeader: null,
  jobPinSeconds: 3600,
  tokenBudget: null,
  promptCache: 'project',
});

/** Dynamic state of one app on one cluster, pushed by that cluster's aggregator. */
export interface ClusterAppState {
  readonly clusterId: string;
  readonly appId: string;
  /** Loaded replicas' free slots right now. */
  readonly hotFree: number;
  /** Loaded replicas' busy slots (in flight). */
  readonly hotBusy: number;
  /** Slots that could start in seconds on running nodes of the right GPU. */
  readonly warm: number;
  /** Provider headroom: slots that need a slow cold start. */
  readonly cold: number;
  /** Requests waiting in the replicas' queues. */
  readonly queued: number;
  readonly gpuType: string;
  readonly pricePerHour: number;
  readonly health: Health;
  /** When the app last served traffic on this cluster (cache locality); null = never. */
  readonly lastServedAt: number | null;
  readonly observedAt: number;
  /**
   * Start-up times the aggregator observed for this app on this cluster (moving averages,
   * defaulting from its config), and the mean time a slot stays busy per request. Absent
   * or null = not reported: the decision falls back to the policy's defaults.
   */
  readonly warmStartMs?: number | null;
  readonly coldStartMs?: number | null;
  readonly serviceMs?: number | null;
  /**
   * How long requests waited for a slot lately, ms: the aggregator's moving average of each
   * scrape's mean over every request the engines counted (vLLM's request queue time, SGLang's,
   * TGI's; control/aggregator/engine-times.ts); null = not reported (no such histogram, or no
   * wait of 1 ms or more lately).
   */
  readonly queueWaitMs?: number | null;
  /**
   * The autoscaler's view, as the aggregator observes it (absent or null = not reported):
   * loaded replicas, how many of them are above the deployment's minimum (the ones the
   * autoscaler may release), how many carry no request (nothing in flight or queued), and
   * how long a replica must stay idle before it is released. Carried in
   * the snapshot; the decision does not price them (tried: BENCHMARKS.md, brain8).
   */
  readonly replicas?: number | null;
  readonly replicasAboveMin?: number | null;
  readonly idleReplicas?: number | null;
  readonly idleWindowMs?: number | null;
  /**
   * Requests/s this cluster received for the app over the last report window, by origin (the
   * deciding edge colo), from the proxies' outcome rows. Lets a decider bound its own share of
   * the cluster's room under stale state (`share-of-room.ts`). A plain object so decision records
   * (`input_json`) replay it as is. Absent: no bound.
   */
  readonly inflowByOrigin?: Readonly<Record<string, number>> | null;
  /**
   * Start-up slots (warm first, then cold) of this cluster's shared nodes that other apps with
   * fewer homes than this one need here: their demand beyond their loaded slots
   * (`shared/snapshot/pinned-start-slots.ts`, computed when the snapshot is built). An app that
   * can go elsewhere does not overflow onto them (`share-of-room.ts`). Absent or null: none known.
   */
  readonly pinnedStartSlots?: number | null;
}

/**
 * Recent outcomes of one app on one cluster, summed from what the regional proxies
 * reported (the `outcomes` table): only replica faults count as errors (5xx, resets,
 * timeouts), never a client's 4xx.
 */
export interface OutcomeStats {
  readonly clusterId: string;
  readonly requests: number;
  readonly replicaErrors: number;
  /** Mean observed time to first byte of the successful requests; null = none measured. */
  readonly ttfbMs: number | null;
  /**
   * The least observed time to first byte of the window's answered requests (2xx / 3xx): what
   * the cluster takes when nothing queues (a queue delays only the requests that waited), so a
   * slow cluster shows here and a queue's tail does not. Absent or null = none measured.
   */
  readonly ttfbMinMs?: number | null;
  /** Newest outcome counted (the stats are as fresh as this). */
  readonly observedAt: number;
}

/** Cluster-wide status: aggregator health, proxy circuit breaker, draining. */
export interface ClusterStatus {
  readonly clusterId: string;
  readonly health: Health;
  readonly circuitOpen: boolean;
  readonly draining: boolean;
  readonly observedAt: number;
}

/** A measured latency to a cluster (moving averages), reported by a regional proxy. */
export interface LatencyMeasurement {
  readonly clusterId: string;
  /** Who measured (regional proxy id). */
  readonly source: string;
  /** Network round trip proxy → cluster: the least health-check answer over a window (proxy/src/min-rtt-window.ts). */
  readonly rttMs: number;
  /**
   * Time to first byte over every app, moving average: for operators, never a latency in a
   * decision (it mixes every app's server time). Equal to `rttMs`: an old proxy's TTFB written
   * as its RTT (latency-estimate.ts `ownRttUsable`).
   */
  readonly ttftMs: number | null;
  readonly samples: number;
  readonly observedAt: number;
}

/** Where the client is, from `request.cf` at the edge. Every field may be unknown. */
export interface ClientLocation {
  readonly colo: string | null;
  readonly country: string | null;
  readonly continent: Continent | null;
  readonly location: GeoPoint | null;
}

/** Facts about the request that the decision may use. */
export interface RequestFacts {
  readonly appId: string;
  readonly fn: string;
  readonly method: string;
  readonly client: ClientLocation;
  /** Value of the app's affinity header, if any. */
  readonly affinityKey: string | null;
  /** Hash of the app's job key header (`shared/domain/job-key.ts`), if sent; never the raw key. */
  readonly jobKeyHash?: string | null;
  /**
   * Salted hash of the client's identity (session header/cookie, else IP + user agent;
   * shared/rollout/client-key.ts), so keyless requests stay on one rollout version and canary
   * arm; never the raw IP. Absent/null = none.
   */
  readonly clientKey?: string | null;
  readonly synthetic: boolean;
}

/** Where a job runs: written by the proxy that carried its first answer (`job_pins`). */
export interface JobPin {
  readonly keyHash: string;
  readonly clusterId: string;
  /** The replica that took the job, when known. */
  readonly endpoint: string | null;
  readonly expiresAt: number;
}

/** A hashed API key as stored; the plaintext key is never stored. */
export interface ApiKey {
  readonly id: string;
  readonly projectId: string;
  /** Hex SHA-256 of the key. */
  readonly hash: string;
  readonly revoked: boolean;
}

/**
 * Everything the pipeline needs about one app, loaded from libSQL into memory.
 * The hot path reads only this; it never queries SQL.
 */
export interface AppSnapshot {
  readonly app: App;
  /** Static facts of the clusters the app is deployed to (unknown clusters are absent). */
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly state: ReadonlyMap<string, ClusterAppState>;
  readonly status: ReadonlyMap<string, ClusterStatus>;
  readonly latency: ReadonlyMap<string, readonly LatencyMeasurement[]>;
  /** Recent outcomes per cluster for this app; absent = none reported (older snapshots, tests). */
  readonly outcomes?: ReadonlyMap<string, OutcomeStats>;
  /** Live job pins of this app by key hash (newest first, bounded); absent = none loaded. */
  readonly jobPins?: ReadonlyMap<string, JobPin>;
  /** Model versions each cluster serves (aggregators, from /v1/models); absent = none reported. */
  readonly versions?: ReadonlyMap<string, readonly DeploymentVersion[]>;
  /** The app's rollout (shared/rollout/); absent = none. */
  readonly rollout?: RolloutView;
  /** When the snapshot was read from the database. */
  readonly loadedAt: number;
}
