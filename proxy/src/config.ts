/**
 * The proxy's configuration: one typed, fully-defaulted object. Sources are
 * merged file < env < flags, and every invalid field is reported at once
 * (never silently defaulted), so an operator fixes a bad deploy in one pass.
 */
import { parseAppRef } from '../../shared/domain/app-ref.ts';
import { STRATEGIES, type StrategyName } from '../../shared/domain/types.ts';
import { readDbEnv } from '../../shared/env/db-env.ts';
import { boolean, integer, numberInRange, oneOf } from '../../shared/env/field-parsers.ts';
import type { FieldParser } from '../../shared/env/types.ts';
import { DEFAULT_ISSUER } from '../../shared/tokens/constants.ts';
import { ENGINES } from '../../shared/engine-metrics/engines.ts';
import type { EngineSetting } from '../../shared/engine-metrics/read-engine-metrics.ts';
import { DEFAULT_SCORER } from '../../shared/prefix-cache/score-replicas.ts';
import { otlpUrlProblem } from '../../shared/tracing/trace-settings.ts';
import { STORE_CONCURRENCY } from './store-client.ts';
import type { ReplicaSlotsSetting } from './replica-shares.ts';
import { NO_UPSTREAM_PROTOCOLS, upstreamProtocolsField, type UpstreamProtocols } from './upstream-protocols.ts';
import { NO_TRUSTED_PROXIES, trustedProxiesField, type TrustedProxies } from './trusted-proxies.ts';
import { DEFAULT_FAILURE_BUDGET, failureBudgetField, type FailureBudget } from './token-failure-throttle.ts';

export interface ProxyConfig {
  /** This proxy's id: the routing-token audience it accepts. */
  readonly id: string;
  readonly region: string;
  /**
   * URL clients reach this proxy at, recorded in the proxies table. The edge does not read it: it
   * forwards and redirects to the proxyUrl of each cluster in the applied config.
   */
  readonly publicUrl: string;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /**
   * Accept-queue length of the traffic port (`listen(backlog)`); the kernel caps it at
   * net.core.somaxconn. Node's default 511 resets clients of a reconnect storm.
   */
  readonly listenBacklog: number;
  /** With both set: TLS with ALPN h2 + http/1.1; otherwise cleartext HTTP/1.1 + h2c. */
  readonly tlsCertFile: string | null;
  readonly tlsKeyFile: string | null;
  /** Turning auth off must be explicit: `authDisabled: true`. */
  readonly authDisabled: boolean;
  /** Public keys as a JWKS JSON string (inline) or a file path. */
  readonly jwks: string | null;
  readonly jwksFile: string | null;
  /** The token issuer (`iss`) this proxy trusts: the edge's `EDGE_TOKEN_ISSUER`. */
  readonly tokenIssuer: string;
  /** libSQL URL (`file:`, `libsql:`, `http:`); null runs from the static endpoints file. */
  readonly storeUrl: string | null;
  readonly storeAuthToken: string | null;
  readonly endpointsFile: string | null;
  readonly defaultStrategy: StrategyName;
  readonly refreshIntervalMs: number;
  readonly healthCheckIntervalMs: number;
  readonly healthCheckTimeoutMs: number;
  readonly healthCheckPath: string;
  readonly outlierConsecutiveFailures: number;
  readonly outlierBaseEjectionMs: number;
  readonly outlierMaxEjectionMs: number;
  readonly circuitFailureThreshold: number;
  readonly circuitOpenMs: number;
  /** Retries allowed as a fraction of requests (plus `retryBudgetMin` per window). */
  readonly retryBudgetRatio: number;
  readonly retryBudgetMin: number;
  readonly maxAttempts: number;
  /** Client side: time to receive request headers (HTTP/1; enforced on sniffed sockets too). */
  readonly headersTimeoutMs: number;
  /** Client side: time to receive a whole request, body included (not the response), HTTP/1 and HTTP/2 streams; 0 = off. */
  readonly requestTimeoutMs: number;
  /** Cleartext port: time for a new connection's first bytes (HTTP/1 vs h2c sniff). */
  readonly sniffTimeoutMs: number;
  /** Largest request header block (HTTP/1 header bytes, HTTP/2 header list size). */
  readonly maxHeaderBytes: number;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per client connection. */
  readonly http2MaxConcurrentStreams: number;
  /** Silence allowed on a non-streaming exchange; 0 = off. Streams never idle out. */
  readonly idleTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly upstreamConnectTimeoutMs: number;
  /** Upstream time to response headers (covers cold starts); 0 = off. */
  readonly upstreamHeadersTimeoutMs: number;
  /** Negotiate HTTP/2 to clusters over TLS (undici `allowH2`). */
  readonly upstreamAllowH2: boolean;
  /**
   * HTTP version per cluster (`*=http1,gpu-east=h2`; upstream-protocols.ts): `h2` carries many
   * streams on one connection (h2c on http:// endpoints). Unnamed clusters: `*`, else http1.
   */
  readonly upstreamProtocols: UpstreamProtocols;
  /**
   * Peers believed about `X-Forwarded-For` (a load balancer in front of the proxy), so the
   * unauthenticated job routes share their store reads per client, not per balancer (trusted-proxies.ts).
   */
  readonly trustedProxies: TrustedProxies;
  /**
   * Failed token verifications a client (by address, trustedProxies applied) may cause before
   * its unknown tokens are refused 429 unchecked (token-failure-throttle.ts); null: no bound.
   */
  readonly tokenFailureBudget: FailureBudget | null;
  readonly reportIntervalMs: number;
  /**
   * Shared app limits (scope region/global): each proxy renews its lease through libSQL this
   * often; a lease lapses after 3 intervals (proxy/README.md "Global limits").
   */
  readonly limitLeaseIntervalMs: number;
  readonly outcomeBatchSize: number;
  readonly drainDeadlineMs: number;
  /** Remaining WebSockets are closed (1001) spread over this window. */
  readonly drainWsWindowMs: number;
  /** Base Retry-After (s) on refusals while draining; jitter adds up to as much again. */
  readonly drainRetryAfterS: number;
  /**
   * The edge's public URL (`https://edge.example.com`): where a draining proxy tells clients to
   * reconnect (SSE final event, WebSocket close reason, `x-switchyard-reconnect`). Null: refusals
   * carry only Retry-After.
   */
  readonly edgeUrl: string | null;
  /**
   * After SIGTERM, requests still waiting for their replica's first byte this long are cut
   * upstream and answered 503 + Retry-After: a draining proxy starts no new generations.
   */
  readonly drainStartGraceMs: number;
  /**
   * How long into a drain the listener still takes new connections, answering each request 503
   * `draining` + `not-started` (`Connection: close`) for the edge to re-send elsewhere. An edge
   * that has not yet read the draining mark (its refresh, a Service's endpoint update) meets a
   * refused connection otherwise, which it cannot tell from a cut one and so never re-sends for a
   * POST: every such request failed 502 while healthy fallbacks stood by. Capped by the deadline.
   */
  readonly drainAcceptMs: number;
  /** The admin listener (metrics, health): never on the public traffic port. */
  readonly adminHost: string;
  /** 0 picks a free port (printed in the ready line). */
  readonly adminPort: number;
  /**
   * Proxy processes sharing the listen port (node:cluster): a count or `auto` (one per usable
   * core: the CPUs it may run on, capped by its cgroup's CPU quota, usable-cores.ts). 1 runs the proxy in this process, no primary. Default 1 here;
   * `switchyard proxy` defaults to `auto` (server.ts `defaults`, under file, env and flags).
   */
  readonly workers: number | 'auto';
  readonly metricsPath: string;
  /** inference-aware: scrape each replica's `/metrics` this often (0 = never; own in-flight counts only). */
  readonly replicaScrapeIntervalMs: number;
  readonly replicaScrapeTimeoutMs: number;
  /** Which engine's metric names replicas publish; `auto` detects per replica. */
  readonly replicaEngine: EngineSetting;
  /** inference-aware: JSON bodies up to this size are read to find the prompt; larger → load only. */
  readonly promptBodyMaxBytes: number;
  /** Bytes of request bodies this process holds whole at once, shared fairly between projects (body-buffers.ts). */
  readonly bufferedBodyBytes: number;
  /** Bodies of this size or more that the proxy must parse are parsed on its parse thread, not the event loop (body-parser.ts). */
  readonly bodyParseThreadBytes: number;
  /**
   * Key of the per-project `cache_salt` (prompt-cache-salt.ts); null = none, which still keeps
   * projects apart through the proxy. Set it (the same on every proxy sharing replicas) when
   * anything else can reach the engines (a `promptCache: shared` app on the same replica
   * included: its bodies go unchanged), so nobody can compute a project's salt.
   */
  readonly promptCacheSecret: string | null;
  /** Characters per prefix block (≈ 16 tokens at 4 characters a token). */
  readonly prefixBlockChars: number;
  /** The engine tokenizer's characters per token: sizes our prefix LRU from its KV capacity. */
  readonly prefixCharsPerToken: number;
  /** Prefix blocks remembered per replica when its engine reports no KV capacity. */
  readonly prefixIndexBlocks: number;
  readonly replicaPrefixWeight: number;
  readonly replicaQueueWeight: number;
  readonly replicaKvWeight: number;
  /** Imbalance guard: shortest queue when max − min load ≥ this and max > ratio × min. */
  readonly replicaImbalanceAbs: number;
  readonly replicaImbalanceRatio: number;
  /** Share of picks sent to a random replica so hot prefixes spread. */
  readonly replicaExploreRate: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** OTLP/HTTP traces URL as given (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); wins over `otlpEndpoint`. */
  readonly otlpTracesEndpoint: string | null;
  /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); `/v1/traces` is appended. Both null: tracing off. */
  readonly otlpEndpoint: string | null;
  /** Only `http/json` is spoken (the exporter and our receiver); anything else is refused at startup. */
  readonly otlpProtocol: 'http/json';
  /** Parent-based ratio of new root traces sampled (`OTEL_TRACES_SAMPLER_ARG`). */
  readonly traceSampleRatio: number;
  readonly serviceName: string;
  /** Comma-separated apps (`project/app`) whose prompts may appear in spans; empty: none. */
  readonly traceContentApps: string;
  /** Serve tokenless in-region calls (API key / service key) when a database is configured. */
  readonly inRegion: boolean;
  /** How old the in-region path's cached snapshots and keys get before a re-read (revocation delay). */
  readonly inRegionRefreshMs: number;
  /** Record in-region decisions in `decisions` (explain, dashboard, outcome feedback). */
  readonly inRegionRecordDecisions: boolean;
  /** Where async job results are written; '' = `<tmpdir>/switchyard-jobs-<proxy id>`. */
  readonly jobsDir: string;
  /** How long a finished job and its result are kept. */
  readonly jobRetentionMs: number;
  /** Largest result a job may store; a larger one fails the job. */
  readonly jobMaxResultBytes: number;
  /**
   * Bytes of finished job results one app keeps on this proxy (all its workers); past it the app's
   * own oldest are deleted early (status `expired`). 0 = 4 × jobMaxResultBytes.
   */
  readonly jobResultBytesPerApp: number;
  /**
   * Bytes of finished job results every app together keeps on this proxy (all its workers); past
   * it the project holding the most (all its apps together) loses its largest app's oldest first.
   * 0 = max(4 GiB, jobResultBytesPerApp).
   */
  readonly jobResultBytesTotal: number;
  /** Runs of one job (restarts included) before it is marked failed. */
  readonly jobMaxAttempts: number;
  /** How long after submission a job refused with "try later" (429/503 + Retry-After) is queued again. */
  readonly jobMaxWaitMs: number;
  /** Async-job webhooks may target loopback, private and link-local addresses (off: refused). */
  readonly webhookAllowPrivate: boolean;
  /** Job webhooks of one app waiting to be sent; past it its oldest waiting one is dropped (and counted). */
  readonly webhookQueuePerApp: number;
  /**
   * Job webhooks of one project (all its apps) waiting to be sent; past it the oldest of its
   * longest line is dropped. 0 = max(1000, webhookQueuePerApp) (webhook-lanes.ts).
   */
  readonly webhookQueuePerProject: number;
  /**
   * Unfinished (queued or running) async jobs one app may have on this proxy process; past it a
   * submit gets 429 `jobs-queue-full`. 0 = derived from the app's maxConcurrency (async-job-queue.ts).
   */
  readonly jobMaxQueuedPerApp: number;
  /**
   * Unfinished async jobs one project may have on this proxy process, all its apps together (the
   * bound between tenants: more apps buy no more); past it a submit gets 429 `jobs-queue-full`.
   * 0 = max(1000, jobMaxQueuedPerApp): what one app may have at most (async-job-queue.ts).
   */
  readonly jobMaxQueuedPerProject: number;
  /**
   * libSQL requests the job routes (`GET|DELETE /_switchyard/jobs/<id>`, no token) may hold at
   * once per process, shared fairly between client addresses (job-route-reads.ts); past it they
   * get 429/503 with Retry-After. At most half the store client's slots (STORE_CONCURRENCY), so
   * leases, outcome writes and submissions keep the rest.
   */
  readonly jobRouteReads: number;
  /**
   * Requests one proxy process may hold at once (every app, every kind: requests, streams,
   * WebSockets, async-job runs), shared fairly between projects past a high-water mark
   * (in-flight-budget.ts). `auto`: from the process's open-file limit (each held request costs
   * ~2 open files): (limit − max(200, 1 %)) ÷ 2, 9,900 under 20,000.
   */
  readonly maxInFlight: number | 'auto';
  /**
   * Client connections one proxy process holds open at once on its traffic port, idle or not
   * (connection-limits.ts); past it a new one is refused at accept. `auto`: from the open-file
   * limit, what is left after max(200, 1 %) and one upstream socket per in-flight request:
   * 9,900 under 20,000 with the default in-flight budget.
   */
  readonly maxConnections: number | 'auto';
  /**
   * Connections of one client address (an IPv6 /64 as one) that have not yet carried a request
   * whose credential verified, per process; `PROXY_TRUSTED_PROXIES` peers are exempt. It binds
   * only while the process holds at least half of `maxConnections` (a reconnect burst is never
   * refused below that; one address never holds more than half). `auto`: a quarter of
   * `maxConnections`, at least 64; `off`: no per-address cap.
   */
  readonly maxConnectionsPerAddress: number | 'auto' | 'off';
  /**
   * Concurrent requests one replica (engine) holds, for its fair share between projects
   * (replica-shares.ts): a number (every replica's, e.g. the engines' --max-num-seqs plus queue
   * as one proxy process sees it), `learn` (from what this proxy held when the replica answered
   * 429) or `off`.
   */
  readonly replicaSlots: ReplicaSlotsSetting;
}

/** Finished job results one app keeps on this proxy: the setting, or 4 × the largest result. */
export function jobResultBudgetPerApp(c: Pick<ProxyConfig, 'jobResultBytesPerApp' | 'jobMaxResultBytes'>): number {
  return c.jobResultBytesPerApp > 0 ? c.jobResultBytesPerApp : 4 * c.jobMaxResultBytes;
}

/** Finished job results all apps keep on this proxy: the setting, or 4 GiB (at least one app's budget). */
export function jobResultBudgetTotal(c: Pick<ProxyConfig, 'jobResultBytesTotal' | 'jobResultBytesPerApp' | 'jobMaxResultBytes'>): number {
  return c.jobResultBytesTotal > 0 ? c.jobResultBytesTotal : Math.max(4 * 1024 ** 3, jobResultBudgetPerApp(c));
}

/**
 * Where the proxy's replicas and app rules come from: an endpoints file the operator named wins
 * over libSQL (`--endpoints-file`: "static endpoints instead of the store's"); libSQL, when set,
 * still takes outcomes, reports and spend either way.
 */
export function replicaSource(c: Pick<ProxyConfig, 'endpointsFile' | 'storeUrl'>): string | null {
  if (c.endpointsFile !== null) return `endpoints file ${c.endpointsFile}`;
  return c.storeUrl !== null ? 'libsql' : null;
}

export const DEFAULT_CONFIG: Omit<ProxyConfig, 'id'> = {
  inRegion: true,
  inRegionRefreshMs: 1_000,
  inRegionRecordDecisions: true,
  jobsDir: '',
  jobRetentionMs: 3_600_000,
  jobMaxResultBytes: 64 * 1024 * 1024,
  jobResultBytesPerApp: 0,
  jobResultBytesTotal: 0,
  jobMaxAttempts: 3,
  jobMaxWaitMs: 900_000,
  webhookAllowPrivate: false,
  webhookQueuePerApp: 1_000,
  webhookQueuePerProject: 0,
  jobMaxQueuedPerApp: 0,
  jobMaxQueuedPerProject: 0,
  jobRouteReads: 4,
  maxInFlight: 'auto',
  maxConnections: 'auto',
  maxConnectionsPerAddress: 'auto',
  replicaSlots: 'learn',
  region: 'local',
  publicUrl: '',
  host: '127.0.0.1',
  port: 8443,
  listenBacklog: 65_535,
  tlsCertFile: null,
  tlsKeyFile: null,
  authDisabled: false,
  jwks: null,
  jwksFile: null,
  tokenIssuer: DEFAULT_ISSUER,
  storeUrl: null,
  storeAuthToken: null,
  endpointsFile: null,
  defaultStrategy: 'round-robin',
  refreshIntervalMs: 2_000,
  healthCheckIntervalMs: 2_000,
  healthCheckTimeoutMs: 1_000,
  healthCheckPath: '/health',
  outlierConsecutiveFailures: 3,
  outlierBaseEjectionMs: 1_000,
  outlierMaxEjectionMs: 30_000,
  circuitFailureThreshold: 5,
  circuitOpenMs: 5_000,
  retryBudgetRatio: 0.2,
  retryBudgetMin: 10,
  maxAttempts: 3,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 300_000,
  sniffTimeoutMs: 5_000,
  maxHeaderBytes: 16_384,
  http2MaxConcurrentStreams: 128,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  upstreamConnectTimeoutMs: 5_000,
  upstreamHeadersTimeoutMs: 600_000,
  upstreamAllowH2: false,
  upstreamProtocols: NO_UPSTREAM_PROTOCOLS,
  trustedProxies: NO_TRUSTED_PROXIES,
  tokenFailureBudget: DEFAULT_FAILURE_BUDGET,
  reportIntervalMs: 2_000,
  limitLeaseIntervalMs: 1_000,
  outcomeBatchSize: 200,
  drainDeadlineMs: 30_000,
  drainWsWindowMs: 5_000,
  drainRetryAfterS: 5,
  edgeUrl: null,
  drainStartGraceMs: 2_000,
  drainAcceptMs: 5_000,
  adminHost: '127.0.0.1',
  adminPort: 0,
  workers: 1,
  metricsPath: '/_switchyard/metrics',
  replicaScrapeIntervalMs: 1_000,
  replicaScrapeTimeoutMs: 500,
  replicaEngine: 'auto',
  promptBodyMaxBytes: 256 * 1024,
  bufferedBodyBytes: 256 * 1024 * 1024,
  bodyParseThreadBytes: 32 * 1024,
  promptCacheSecret: null,
  prefixBlockChars: 64,
  prefixCharsPerToken: 4,
  prefixIndexBlocks: 65_536,
  replicaPrefixWeight: DEFAULT_SCORER.prefixWeight,
  replicaQueueWeight: DEFAULT_SCORER.queueWeight,
  replicaKvWeight: DEFAULT_SCORER.kvWeight,
  replicaImbalanceAbs: DEFAULT_SCORER.imbalanceAbs,
  replicaImbalanceRatio: DEFAULT_SCORER.imbalanceRatio,
  replicaExploreRate: DEFAULT_SCORER.exploreRate,
  logLevel: 'info',
  otlpTracesEndpoint: null,
  otlpEndpoint: null,
  otlpProtocol: 'http/json',
  traceSampleRatio: 1,
  serviceName: 'switchyard-proxy',
  traceContentApps: '',
};

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Blank means "unset" everywhere (as in shared/env): `PROXY_TLS_CERT_FILE=` keeps the default. */
const anyString: FieldParser<string> = Object.assign((raw: string) => ({ ok: true as const, value: raw.trim() }), {
  expected: 'a string',
});
const nullableString: FieldParser<string | null> = anyString;

/** listen(2) takes a C int; the kernel caps it at net.core.somaxconn anyway. */
const MAX_BACKLOG = 2_147_483_647;

/**
 * One of `words`, or a whole number from 1 to `max`: the shape of every sized-or-derived setting
 * (a proxy that may hold nothing would refuse everyone, so 0 is never a number here).
 */
function wholeOr<W extends string>(words: readonly W[], expected: string, max = Number.MAX_SAFE_INTEGER): FieldParser<number | W> {
  return Object.assign(
    (raw: string) => {
      const t = raw.trim();
      if ((words as readonly string[]).includes(t)) return { ok: true as const, value: t as W };
      const n = Number(t);
      return /^[0-9]+$/.test(t) && n >= 1 && n <= max ? { ok: true as const, value: n } : { ok: false as const, expected };
    },
    { expected },
  );
}

/** `auto` or a whole number of processes, 1..1024. */
const workerCount = wholeOr(['auto'], 'a whole number of processes (1..1024) or auto', 1024);

/** `auto` or a whole number of requests ≥ 1 (a proxy that may hold nothing would refuse everyone). */
const inFlightBudget = wholeOr(['auto'], 'a whole number of requests ≥ 1 (per proxy process) or auto (from the open-file limit)');

/** `auto` or a whole number of connections ≥ 1 (a proxy that may hold none would refuse everyone). */
const maxConnections = wholeOr(['auto'], 'a whole number of connections ≥ 1 (per proxy process) or auto (from the open-file limit)');

/** `auto`, `off` or a whole number of connections ≥ 1 (0 would refuse every address). */
const maxConnectionsPerAddress = wholeOr(
  ['auto', 'off'],
  'a whole number of connections ≥ 1 per client address, auto (a quarter of maxConnections, at least 64) or off',
);

/** `learn`, `off` or a whole number of slots ≥ 1 (0 would refuse every project at every replica). */
const replicaSlots: FieldParser<ReplicaSlotsSetting> = wholeOr(['learn', 'off'], "learn (from the replicas' 429 answers), off, or a whole number of slots ≥ 1 per replica");

/** A count or a duration in ms: "≥ 0", not "between 0 and 9007199254740991". */
const WHOLE_NUMBER_EXPECTED = 'a whole number ≥ 0';
const safeInteger = integer(0, Number.MAX_SAFE_INTEGER);
const wholeNumber: FieldParser<number> = Object.assign(
  (raw: string) => {
    const r = safeInteger(raw);
    return r.ok ? r : { ok: false as const, expected: WHOLE_NUMBER_EXPECTED };
  },
  { expected: WHOLE_NUMBER_EXPECTED },
);

/**
 * Whole numbers whose 0 has no meaning: an interval of 0 ran its timer every millisecond (a core
 * spent re-reading the replica source or probing replicas), a batch of 0 failed every report.
 */
const AT_LEAST: ReadonlyArray<readonly [keyof ProxyConfig, number, string]> = [
  ['refreshIntervalMs', 10, 'ms between reads of the replica source; 0 would re-read it without pause'],
  ['healthCheckIntervalMs', 10, 'ms between health-check rounds; 0 would probe without pause'],
  ['reportIntervalMs', 10, 'ms between reports to libSQL; 0 would report without pause'],
  ['outcomeBatchSize', 1, 'outcome rows per libSQL write'],
  ['circuitFailureThreshold', 1, 'failures that open a circuit'],
  ['outlierConsecutiveFailures', 1, 'failures in a row that eject a replica'],
  ['jobMaxAttempts', 1, 'runs of one job before it fails'],
];

/** Node's timers hold at most 2^31 − 1 ms (a longer one fires after 1 ms); HTTP/2 SETTINGS are 32-bit. */
const TIMER_MAX_MS = 2_147_483_647;
const TIMER_FIELDS = [
  'inRegionRefreshMs', 'refreshIntervalMs', 'healthCheckIntervalMs', 'healthCheckTimeoutMs', 'outlierBaseEjectionMs',
  'outlierMaxEjectionMs', 'circuitOpenMs', 'headersTimeoutMs', 'requestTimeoutMs', 'sniffTimeoutMs', 'idleTimeoutMs',
  'keepAliveTimeoutMs', 'upstreamConnectTimeoutMs', 'upstreamHeadersTimeoutMs', 'reportIntervalMs', 'limitLeaseIntervalMs',
  'drainDeadlineMs', 'drainWsWindowMs', 'drainStartGraceMs', 'drainAcceptMs', 'replicaScrapeIntervalMs', 'replicaScrapeTimeoutMs',
] as const satisfies ReadonlyArray<keyof ProxyConfig>;
const AT_MOST: ReadonlyArray<readonly [keyof ProxyConfig, number, string]> = [
  ...TIMER_FIELDS.map((f) => [f, TIMER_MAX_MS, 'ms a Node timer can wait, about 24.8 days'] as const),
  ['maxHeaderBytes', 4_294_967_295, 'HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE is 32-bit'],
  ['http2MaxConcurrentStreams', 4_294_967_295, 'HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS is 32-bit'],
];

/** The value parsers are shared/env's, the Worker's too: one reading of "an integer", "a boolean". */
const KINDS = {
  string: anyString,
  'nullable-string': nullableString,
  int: wholeNumber,
  port: integer(0, 65535),
  ratio: numberInRange(0, 1),
  bool: boolean(),
  strategy: oneOf(STRATEGIES.filter((s) => s !== 'switchyard')),
  level: oneOf(LEVELS),
  number: numberInRange(0, 1_000_000),
  engine: oneOf<EngineSetting>(['auto', ...ENGINES]),
  'otlp-protocol': oneOf(['http/json'] as const),
  workers: workerCount,
  'in-flight': inFlightBudget,
  'max-connections': maxConnections,
  'max-connections-per-address': maxConnectionsPerAddress,
  'replica-slots': replicaSlots,
  backlog: integer(1, MAX_BACKLOG),
  'job-route-reads': integer(1, STORE_CONCURRENCY / 2),
  'upstream-protocols': upstreamProtocolsField,
  'trusted-proxies': trustedProxiesField,
  'failure-budget': failureBudgetField,
} as const;
type Kind = keyof typeof KINDS;

/** Every field, its env var and how to parse it. Flags use the camelCase key. */
const FIELDS: ReadonlyArray<readonly [keyof ProxyConfig, string, Kind]> = [
  ['id', 'PROXY_ID', 'string'],
  ['region', 'PROXY_REGION', 'string'],
  ['inRegion', 'PROXY_IN_REGION', 'bool'],
  ['inRegionRefreshMs', 'PROXY_IN_REGION_REFRESH_MS', 'int'],
  ['inRegionRecordDecisions', 'PROXY_IN_REGION_RECORD_DECISIONS', 'bool'],
  ['jobsDir', 'PROXY_JOBS_DIR', 'string'],
  ['jobRetentionMs', 'PROXY_JOB_RETENTION_MS', 'int'],
  ['jobMaxResultBytes', 'PROXY_JOB_MAX_RESULT_BYTES', 'int'],
  ['jobResultBytesPerApp', 'PROXY_JOB_RESULT_BYTES_PER_APP', 'int'],
  ['jobResultBytesTotal', 'PROXY_JOB_RESULT_BYTES_TOTAL', 'int'],
  ['jobMaxAttempts', 'PROXY_JOB_MAX_ATTEMPTS', 'int'],
  ['jobMaxWaitMs', 'PROXY_JOB_MAX_WAIT_MS', 'int'],
  ['webhookAllowPrivate', 'PROXY_WEBHOOK_ALLOW_PRIVATE', 'bool'],
  ['webhookQueuePerApp', 'PROXY_WEBHOOK_QUEUE_PER_APP', 'int'],
  ['webhookQueuePerProject', 'PROXY_WEBHOOK_QUEUE_PER_PROJECT', 'int'],
  ['jobMaxQueuedPerApp', 'PROXY_JOB_MAX_QUEUED_PER_APP', 'int'],
  ['jobMaxQueuedPerProject', 'PROXY_JOB_MAX_QUEUED_PER_PROJECT', 'int'],
  ['jobRouteReads', 'PROXY_JOB_ROUTE_READS', 'job-route-reads'],
  ['maxInFlight', 'PROXY_MAX_IN_FLIGHT', 'in-flight'],
  ['maxConnections', 'PROXY_MAX_CONNECTIONS', 'max-connections'],
  ['maxConnectionsPerAddress', 'PROXY_MAX_CONNECTIONS_PER_ADDRESS', 'max-connections-per-address'],
  ['replicaSlots', 'PROXY_REPLICA_SLOTS', 'replica-slots'],
  ['publicUrl', 'PROXY_PUBLIC_URL', 'string'],
  ['host', 'PROXY_HOST', 'string'],
  ['port', 'PROXY_PORT', 'port'],
  ['listenBacklog', 'PROXY_LISTEN_BACKLOG', 'backlog'],
  ['tlsCertFile', 'PROXY_TLS_CERT_FILE', 'nullable-string'],
  ['tlsKeyFile', 'PROXY_TLS_KEY_FILE', 'nullable-string'],
  ['authDisabled', 'PROXY_AUTH_DISABLED', 'bool'],
  ['jwks', 'PROXY_JWKS', 'nullable-string'],
  ['jwksFile', 'PROXY_JWKS_FILE', 'nullable-string'],
  ['tokenIssuer', 'PROXY_TOKEN_ISSUER', 'string'],
  // Read through shared/env/db-env.ts: SWITCHYARD_DB_URL / SWITCHYARD_DB_AUTH_TOKEN are accepted aliases.
  ['storeUrl', 'LIBSQL_URL', 'nullable-string'],
  ['storeAuthToken', 'LIBSQL_AUTH_TOKEN', 'nullable-string'],
  ['endpointsFile', 'PROXY_ENDPOINTS_FILE', 'nullable-string'],
  ['defaultStrategy', 'PROXY_DEFAULT_STRATEGY', 'strategy'],
  ['refreshIntervalMs', 'PROXY_REFRESH_INTERVAL_MS', 'int'],
  ['healthCheckIntervalMs', 'PROXY_HEALTH_CHECK_INTERVAL_MS', 'int'],
  ['healthCheckTimeoutMs', 'PROXY_HEALTH_CHECK_TIMEOUT_MS', 'int'],
  ['healthCheckPath', 'PROXY_HEALTH_CHECK_PATH', 'string'],
  ['outlierConsecutiveFailures', 'PROXY_OUTLIER_CONSECUTIVE_FAILURES', 'int'],
  ['outlierBaseEjectionMs', 'PROXY_OUTLIER_BASE_EJECTION_MS', 'int'],
  ['outlierMaxEjectionMs', 'PROXY_OUTLIER_MAX_EJECTION_MS', 'int'],
  ['circuitFailureThreshold', 'PROXY_CIRCUIT_FAILURE_THRESHOLD', 'int'],
  ['circuitOpenMs', 'PROXY_CIRCUIT_OPEN_MS', 'int'],
  ['retryBudgetRatio', 'PROXY_RETRY_BUDGET_RATIO', 'ratio'],
  ['retryBudgetMin', 'PROXY_RETRY_BUDGET_MIN', 'int'],
  ['maxAttempts', 'PROXY_MAX_ATTEMPTS', 'int'],
  ['headersTimeoutMs', 'PROXY_HEADERS_TIMEOUT_MS', 'int'],
  ['requestTimeoutMs', 'PROXY_REQUEST_TIMEOUT_MS', 'int'],
  ['sniffTimeoutMs', 'PROXY_SNIFF_TIMEOUT_MS', 'int'],
  ['maxHeaderBytes', 'PROXY_MAX_HEADER_BYTES', 'int'],
  ['http2MaxConcurrentStreams', 'PROXY_HTTP2_MAX_CONCURRENT_STREAMS', 'int'],
  ['idleTimeoutMs', 'PROXY_IDLE_TIMEOUT_MS', 'int'],
  ['keepAliveTimeoutMs', 'PROXY_KEEP_ALIVE_TIMEOUT_MS', 'int'],
  ['upstreamConnectTimeoutMs', 'PROXY_UPSTREAM_CONNECT_TIMEOUT_MS', 'int'],
  ['upstreamHeadersTimeoutMs', 'PROXY_UPSTREAM_HEADERS_TIMEOUT_MS', 'int'],
  ['upstreamAllowH2', 'PROXY_UPSTREAM_ALLOW_H2', 'bool'],
  ['upstreamProtocols', 'PROXY_UPSTREAM_PROTOCOLS', 'upstream-protocols'],
  ['trustedProxies', 'PROXY_TRUSTED_PROXIES', 'trusted-proxies'],
  ['tokenFailureBudget', 'PROXY_TOKEN_FAILURE_BUDGET', 'failure-budget'],
  ['reportIntervalMs', 'PROXY_REPORT_INTERVAL_MS', 'int'],
  ['limitLeaseIntervalMs', 'PROXY_LIMIT_LEASE_INTERVAL_MS', 'int'],
  ['outcomeBatchSize', 'PROXY_OUTCOME_BATCH_SIZE', 'int'],
  ['drainDeadlineMs', 'PROXY_DRAIN_DEADLINE_MS', 'int'],
  ['drainWsWindowMs', 'PROXY_DRAIN_WS_WINDOW_MS', 'int'],
  ['drainRetryAfterS', 'PROXY_DRAIN_RETRY_AFTER_S', 'int'],
  ['drainStartGraceMs', 'PROXY_DRAIN_START_GRACE_MS', 'int'],
  ['drainAcceptMs', 'PROXY_DRAIN_ACCEPT_MS', 'int'],
  ['edgeUrl', 'PROXY_EDGE_URL', 'nullable-string'],
  ['adminHost', 'PROXY_ADMIN_HOST', 'string'],
  ['adminPort', 'PROXY_ADMIN_PORT', 'port'],
  ['workers', 'PROXY_WORKERS', 'workers'],
  ['metricsPath', 'PROXY_METRICS_PATH', 'string'],
  ['replicaScrapeIntervalMs', 'PROXY_REPLICA_SCRAPE_INTERVAL_MS', 'int'],
  ['replicaScrapeTimeoutMs', 'PROXY_REPLICA_SCRAPE_TIMEOUT_MS', 'int'],
  ['replicaEngine', 'PROXY_REPLICA_ENGINE', 'engine'],
  ['promptBodyMaxBytes', 'PROXY_PROMPT_BODY_MAX_BYTES', 'int'],
  ['bufferedBodyBytes', 'PROXY_BUFFERED_BODY_BYTES', 'int'],
  ['bodyParseThreadBytes', 'PROXY_BODY_PARSE_THREAD_BYTES', 'int'],
  ['promptCacheSecret', 'PROXY_PROMPT_CACHE_SECRET', 'nullable-string'],
  ['prefixBlockChars', 'PROXY_PREFIX_BLOCK_CHARS', 'int'],
  ['prefixCharsPerToken', 'PROXY_PREFIX_CHARS_PER_TOKEN', 'number'],
  ['prefixIndexBlocks', 'PROXY_PREFIX_INDEX_BLOCKS', 'int'],
  ['replicaPrefixWeight', 'PROXY_REPLICA_PREFIX_WEIGHT', 'number'],
  ['replicaQueueWeight', 'PROXY_REPLICA_QUEUE_WEIGHT', 'number'],
  ['replicaKvWeight', 'PROXY_REPLICA_KV_WEIGHT', 'number'],
  ['replicaImbalanceAbs', 'PROXY_REPLICA_IMBALANCE_ABS', 'number'],
  ['replicaImbalanceRatio', 'PROXY_REPLICA_IMBALANCE_RATIO', 'number'],
  ['replicaExploreRate', 'PROXY_REPLICA_EXPLORE_RATE', 'ratio'],
  ['logLevel', 'PROXY_LOG_LEVEL', 'level'],
  ['otlpTracesEndpoint', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'nullable-string'],
  ['otlpEndpoint', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'nullable-string'],
  ['otlpProtocol', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'otlp-protocol'],
  ['traceSampleRatio', 'OTEL_TRACES_SAMPLER_ARG', 'ratio'],
  ['serviceName', 'OTEL_SERVICE_NAME', 'string'],
  ['traceContentApps', 'PROXY_TRACE_CONTENT_APPS', 'string'],
];

export interface ConfigIssue {
  readonly field: string;
  readonly source: string;
  readonly message: string;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: ProxyConfig }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

export interface ConfigSources {
  /** Parsed config file (JSON/YAML object with camelCase keys). */
  readonly file?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** CLI flags / programmatic overrides, camelCase keys. */
  readonly flags?: Readonly<Record<string, unknown>>;
}

/** One source's raw value: strings as given, numbers and booleans (from YAML or flags) as text. */
function coerce(kind: Kind, raw: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean' && raw !== null) {
    return { ok: false, message: `must be ${KINDS[kind].expected}, got ${JSON.stringify(raw)}` };
  }
  const text = raw === null ? '' : String(raw);
  if (text.trim() === '') return { ok: true, value: kind === 'nullable-string' ? null : undefined };
  const r = KINDS[kind](text);
  return r.ok ? { ok: true, value: r.value } : { ok: false, message: `must be ${r.expected}, got ${JSON.stringify(raw)}` };
}

/** No id: named where an empty one was given (the last that would win), else every way to set it. */
function missingId(sources: ConfigSources): ConfigIssue {
  const given: Array<[string, unknown]> = [
    ['flags', sources.flags?.['id']],
    ['env PROXY_ID', sources.env?.['PROXY_ID']],
    ['file', sources.file?.['id']],
  ];
  const empty = given.find(([, raw]) => raw !== undefined);
  if (empty !== undefined) return { field: 'id', source: empty[0], message: 'is empty: give this proxy a name (the token audience)' };
  return { field: 'id', source: 'merged', message: 'is required (the token audience): set PROXY_ID, --id or id in the config file' };
}

/** Merge file < env < flags into a fully-defaulted config, or every problem at once. */
export function parseProxyConfig(sources: ConfigSources): ConfigResult {
  const issues: ConfigIssue[] = [];
  const out: Record<string, unknown> = { ...DEFAULT_CONFIG, id: '' };
  const known = new Set<string>(FIELDS.map(([k]) => k));
  for (const [name, where] of [
    [sources.file, 'file'],
    [sources.flags, 'flags'],
  ] as const) {
    for (const key of Object.keys(name ?? {})) {
      if (!known.has(key)) issues.push({ field: key, source: where, message: 'unknown field' });
    }
  }
  // The database settings come from the one reading every Node part shares (name or alias).
  const db = readDbEnv(sources.env ?? {});
  if (!db.ok) for (const e of db.errors) issues.push({ field: 'storeUrl', source: `env ${e.variable}`, message: e.message });
  const fromDb: Readonly<Record<string, string | undefined>> = {
    LIBSQL_URL: db.ok ? db.value.url : undefined,
    LIBSQL_AUTH_TOKEN: db.ok ? db.value.authToken : undefined,
  };
  const env = (name: string): string | undefined => (Object.hasOwn(fromDb, name) ? fromDb[name] : sources.env?.[name]);
  for (const [key, envName, kind] of FIELDS) {
    const candidates: Array<[string, unknown]> = [
      ['file', sources.file?.[key]],
      [`env ${envName}`, env(envName)],
      ['flags', sources.flags?.[key]],
    ];
    for (const [source, raw] of candidates) {
      if (raw === undefined) continue;
      const r = coerce(kind, raw);
      if (!r.ok) issues.push({ field: key, source, message: r.message });
      else if (r.value !== undefined) out[key] = r.value;
    }
  }
  if (out['id'] === '') issues.push(missingId(sources));
  if (out['port'] !== undefined && Number(out['port']) > 65535)
    issues.push({ field: 'port', source: 'merged', message: 'must be ≤ 65535' });
  if ((out['tlsCertFile'] === null) !== (out['tlsKeyFile'] === null))
    issues.push({
      field: 'tlsCertFile',
      source: 'merged',
      message: 'tlsCertFile and tlsKeyFile must be set together',
    });
  if (out['authDisabled'] !== true && out['jwks'] === null && out['jwksFile'] === null)
    issues.push({
      field: 'jwks',
      source: 'merged',
      message:
        'set PROXY_JWKS or PROXY_JWKS_FILE, or disable auth explicitly with PROXY_AUTH_DISABLED=true',
    });
  if (out['storeUrl'] === null && out['endpointsFile'] === null)
    issues.push({
      field: 'storeUrl',
      source: 'merged',
      message: 'set LIBSQL_URL (--db) or PROXY_ENDPOINTS_FILE (--endpoints-file) so the proxy knows the replicas',
    });
  for (const field of ['headersTimeoutMs', 'sniffTimeoutMs', 'maxHeaderBytes', 'http2MaxConcurrentStreams'] as const) {
    if (Number(out[field]) < 1) issues.push({ field, source: 'merged', message: 'must be ≥ 1 (a connection limit cannot be off)' });
  }
  for (const [field, min, why] of AT_LEAST) {
    if (Number(out[field]) < min) issues.push({ field, source: 'merged', message: `must be ≥ ${min} (${why})` });
  }
  for (const [field, max, why] of AT_MOST) {
    if (Number(out[field]) > max) issues.push({ field, source: 'merged', message: `must be ≤ ${max} (${why})` });
  }
  if (typeof out['healthCheckPath'] !== 'string' || !String(out['healthCheckPath']).startsWith('/'))
    issues.push({ field: 'healthCheckPath', source: 'merged', message: 'must start with / (a path on each replica, e.g. /health)' });
  if (Number(out['requestTimeoutMs']) > 0 && Number(out['requestTimeoutMs']) < Number(out['headersTimeoutMs']))
    issues.push({ field: 'requestTimeoutMs', source: 'merged', message: 'must be 0 (off) or ≥ headersTimeoutMs' });
  if (Number(out['adminPort']) > 65535)
    issues.push({ field: 'adminPort', source: 'merged', message: 'must be ≤ 65535' });
  if (Number(out['prefixBlockChars']) < 1 || Number(out['prefixIndexBlocks']) < 1 || !(Number(out['prefixCharsPerToken']) > 0))
    issues.push({ field: 'prefixBlockChars', source: 'merged', message: 'prefixBlockChars and prefixIndexBlocks must be ≥ 1, prefixCharsPerToken > 0' });
  if (Number(out['limitLeaseIntervalMs']) < 50)
    issues.push({ field: 'limitLeaseIntervalMs', source: 'merged', message: 'must be ≥ 50 (ms between lease renewals through libSQL)' });
  if (Number(out['jobResultBytesPerApp']) > 0 && Number(out['jobResultBytesPerApp']) < Number(out['jobMaxResultBytes']))
    issues.push({ field: 'jobResultBytesPerApp', source: 'merged', message: 'must be 0 (4 × jobMaxResultBytes) or ≥ jobMaxResultBytes (one result must fit)' });
  if (Number(out['jobResultBytesTotal']) > 0 && Number(out['jobResultBytesTotal']) < Number(out['jobMaxResultBytes']))
    issues.push({ field: 'jobResultBytesTotal', source: 'merged', message: 'must be 0 (max(4 GiB, jobResultBytesPerApp)) or ≥ jobMaxResultBytes (one result must fit)' });
  if (Number(out['webhookQueuePerApp']) < 1)
    issues.push({ field: 'webhookQueuePerApp', source: 'merged', message: 'must be ≥ 1 (job webhooks one app may have waiting)' });
  if (Number(out['webhookQueuePerProject']) < 0)
    issues.push({ field: 'webhookQueuePerProject', source: 'merged', message: 'must be 0 (max(1000, webhookQueuePerApp)) or ≥ 1 (job webhooks one project may have waiting, all its apps together)' });
  if (Number(out['bufferedBodyBytes']) < 2 * Number(out['promptBodyMaxBytes']))
    issues.push({ field: 'bufferedBodyBytes', source: 'merged', message: 'must be ≥ 2 × promptBodyMaxBytes (one project may hold half; a prompt read whole must fit)' });
  if (Number(out['maxAttempts']) < 1)
    issues.push({ field: 'maxAttempts', source: 'merged', message: 'must be ≥ 1' });
  if (typeof out['metricsPath'] !== 'string' || !String(out['metricsPath']).startsWith('/'))
    issues.push({ field: 'metricsPath', source: 'merged', message: 'must start with /' });
  for (const field of ['otlpTracesEndpoint', 'otlpEndpoint'] as const) {
    const url = out[field];
    const problem = typeof url === 'string' ? otlpUrlProblem(url) : null;
    if (problem !== null) issues.push({ field, source: 'merged', message: problem });
  }
  for (const app of String(out['traceContentApps']).split(',').map((a) => a.trim()).filter((a) => a !== '')) {
    if (!parseAppRef(app).ok)
      issues.push({ field: 'traceContentApps', source: 'merged', message: `"${app}" is not an app id (project/app)` });
  }
  if (out['edgeUrl'] !== null && !/^https?:\/\/[^/?#\s]+\/?$/.test(String(out['edgeUrl'])))
    issues.push({ field: 'edgeUrl', source: 'merged', message: 'must be an http(s) origin such as https://edge.example.com' });
  if (out['publicUrl'] !== '' && !isHttpUrl(String(out['publicUrl'])))
    issues.push({ field: 'publicUrl', source: 'merged', message: 'must be the http(s) URL clients reach this proxy at, such as https://proxy-eu.example.com (the proxies table records it)' });
  if (out['upstreamAllowH2'] === true && (out['upstreamProtocols'] as UpstreamProtocols).fallback !== null)
    issues.push({
      field: 'upstreamAllowH2',
      source: 'merged',
      message: 'set either upstreamAllowH2 (the older spelling of *=auto) or a * entry in upstreamProtocols, not both',
    });
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, config: out as unknown as ProxyConfig };
}

/** An absolute http:// or https:// URL (a base path is allowed, as in a cluster's proxyUrl). */
function isHttpUrl(raw: string): boolean {
  try {
    const u = new URL(raw);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '';
  } catch {
    return false;
  }
}

/**
 * One line per issue, for startup errors. A rule on the merged value (`merged`: file, env and flags
 * together) names no source; the message says how to set the field.
 */
export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => (i.source === 'merged' ? `  ${i.field}: ${i.message}` : `  ${i.field} (${i.source}): ${i.message}`)).join('\n');
}
