/**
 * Prometheus metrics on a per-proxy registry (not the global one, so several
 * proxies can live in one process, as tests and benchmarks do).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BucketHistogram } from './bucket-histogram.ts';
import { CounterBatch } from './counter-batch.ts';

export interface ProxyMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'cluster' | 'status'>;
  readonly refusals: Counter<'code'>;
  readonly attempts: Counter<'cluster' | 'result'>;
  readonly retries: Counter<'reason'>;
  readonly ejections: Counter<'cluster'>;
  /** Observed on every answered attempt: our own bucket counting, not prom-client's (bucket-histogram.ts). */
  readonly ttfb: BucketHistogram<'cluster'>;
  readonly inFlight: Gauge;
  /**
   * Hot-path form of `inFlight`: a plain count the gauge reads when it is collected
   * (`Gauge.inc`/`dec` hash their labels on every call, two per request).
   */
  readonly httpInFlight: { n: number };
  readonly websockets: Gauge;
  /** Large bodies waiting for (or on) the parse thread, and the thread's time per project (body-parser.ts). */
  readonly bodyParseQueued: Gauge;
  readonly bodyParseSeconds: Counter<'project'>;
  readonly circuitOpen: Gauge<'cluster'>;
  /**
   * What `circuitOpen` reads at each scrape: every known cluster → whether any app's circuit on it
   * is open now (startProxy sets it once the breakers exist). Read at scrape, not at report time:
   * a proxy without a store never reports, and the gauge must not lag the breaker.
   */
  readonly circuits: { read: () => ReadonlyMap<string, boolean> };
  readonly streamRecoveries: Counter<'cluster' | 'result'>;
  readonly heartbeatStreams: Counter;
  /** Hot-path form of `requests` (cluster, status): counted in a Map, summed in at scrape. */
  readonly requestsBatch: CounterBatch<'cluster' | 'status'>;
  /** Hot-path form of `attempts` (cluster, result). */
  readonly attemptsBatch: CounterBatch<'cluster' | 'result'>;
  /** GenAI: upstream time to the first body chunk of a streamed answer (the first token). */
  readonly genAiTimeToFirstChunk: Histogram<'app' | 'cluster'>;
  /** GenAI: decode time per output token after the first (stream end − first chunk) / (tokens − 1). */
  readonly genAiTimePerOutputToken: Histogram<'app' | 'cluster'>;
  /** GenAI: tokens from the answer's usage (`type` input | output). */
  readonly genAiTokens: Counter<'app' | 'cluster' | 'type'>;
  /** Streamed answers by how they ended: see `countStream`. */
  readonly genAiStreams: Counter<'app' | 'cluster' | 'result'>;
  /** Requests refused by this process's in-flight budget, by reason (over-share|over-app-share|full) and project (in-flight-budget.ts). */
  readonly inFlightBudgetRefusals: Counter<'reason' | 'project'>;
  /** Requests refused 429 replica-share-exceeded: their project held its share of every replica tried (replica-shares.ts). */
  readonly replicaShareRefusals: Counter<'project'>;
  /** Spans the OTLP exporter failed to deliver (collector down, refused, misconfigured). */
  readonly traceSpansDropped: Counter;
  /** Spans not queued for export: their app held its fair share of the queue (tracing-fair-queue.ts). */
  readonly traceSpansShed: Counter<'project' | 'app'>;
  /** Background libSQL calls that passed their deadline (store-deadline.ts), by call. */
  readonly storeDeadlines: Counter<'call'>;
  /** Token budgets (token-budgets.ts): tokens charged per app and type (prompt|completion). */
  readonly budgetTokens: Counter<'app' | 'type'>;
  /** Requests refused by a token budget, per app and reason (tokens|spend). */
  readonly budgetRefusals: Counter<'app' | 'reason'>;
  /** Streams ended at a token budget with an error event, per app. */
  readonly budgetCuts: Counter<'app'>;
  /** Async-job webhooks dropped unsent because their app's line was full (webhook-lanes.ts), per app. */
  readonly jobWebhooksDropped: Counter<'app'>;
  /** Full routing-token checks (signature and claims; remembered tokens are not), by result (ok|failed). */
  readonly tokenVerifications: Counter<'result'>;
  /** Client connections refused at accept, by the limit met (connection-limits.ts). */
  readonly connectionRefusals: Counter<'reason'>;
}

/**
 * How a streamed answer ended: `completed` (clean end), `cut` (ended early on the replica's side:
 * it died or went idle), `client_closed` (the client left: its choice, never the cluster's
 * fault, so apart from `cut`), `continued` (a cut stream resumed on another replica).
 */
export type StreamEnd = 'completed' | 'cut' | 'client_closed' | 'continued';

/**
 * Counts one streamed answer. The proxy counts `completed` and `cut` itself when a stream ends;
 * mid-stream continuation calls this with `continued` when it resumes a cut stream elsewhere
 * (the cut attempt stays counted as `cut`).
 */
export function countStream(m: ProxyMetrics, app: string, cluster: string, result: StreamEnd): void {
  m.genAiStreams.inc({ app, cluster, result });
}

/** What the in-flight budget gauges read at scrape (in-flight-budget.ts). */
export interface BudgetReading {
  readonly total: number;
  readonly limits: { readonly budget: number };
}

export function createMetrics(defaultMetrics: boolean, budget: BudgetReading | null = null): ProxyMetrics {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'switchyard_proxy_' });
  const registers = [registry];
  const requestsBatch = new CounterBatch<'cluster' | 'status'>(['cluster', 'status']);
  const attemptsBatch = new CounterBatch<'cluster' | 'result'>(['cluster', 'result']);
  const httpInFlight = { n: 0 };
  const circuits = { read: (): ReadonlyMap<string, boolean> => new Map() };
  if (budget !== null) budgetGauges(budget, registers);
  return {
    httpInFlight,
    circuits,
    requestsBatch,
    attemptsBatch,
    registry,
    requests: new Counter({
      name: 'switchyard_proxy_requests_total',
      help: 'Requests answered, by serving cluster and status',
      labelNames: ['cluster', 'status'],
      registers,
      collect() {
        requestsBatch.flushInto(this);
      },
    }),
    refusals: new Counter({
      name: 'switchyard_proxy_refusals_total',
      help: 'Requests refused before any upstream, by reason',
      labelNames: ['code'],
      registers,
    }),
    attempts: new Counter({
      name: 'switchyard_proxy_upstream_attempts_total',
      help: 'Upstream attempts by cluster and result',
      labelNames: ['cluster', 'result'],
      registers,
      collect() {
        attemptsBatch.flushInto(this);
      },
    }),
    retries: new Counter({
      name: 'switchyard_proxy_retries_total',
      help: 'Retries taken, by failure reason',
      labelNames: ['reason'],
      registers,
    }),
    ejections: new Counter({
      name: 'switchyard_proxy_outlier_ejections_total',
      help: 'Endpoints ejected by passive outlier detection',
      labelNames: ['cluster'],
      registers,
    }),
    ttfb: new BucketHistogram(
      'switchyard_proxy_upstream_ttfb_seconds',
      "Upstream time to first byte: the response head, or a streamed answer's first body chunk (its first token)",
      'cluster',
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    ),
    inFlight: new Gauge({
      name: 'switchyard_proxy_in_flight',
      help: 'HTTP exchanges in flight (streams included)',
      registers,
      collect() {
        this.set(httpInFlight.n);
      },
    }),
    websockets: new Gauge({
      name: 'switchyard_proxy_websockets',
      help: 'Open proxied WebSockets',
      registers,
    }),
    bodyParseQueued: new Gauge({
      name: 'switchyard_proxy_body_parse_queued',
      help: 'Request bodies waiting for the parse thread or on it (bodies of PROXY_BODY_PARSE_THREAD_BYTES or more that the proxy parses: token-budgeted, inference-aware prompts, managed streams)',
      registers,
    }),
    bodyParseSeconds: new Counter({
      name: 'switchyard_proxy_body_parse_thread_seconds_total',
      help: "Time the parse thread spent on each project's bodies, by project (the thread takes projects in turn)",
      labelNames: ['project'],
      registers,
    }),
    genAiTimeToFirstChunk: new Histogram({
      name: 'switchyard_proxy_gen_ai_time_to_first_chunk_seconds',
      help: 'Streamed answers: time from the upstream request to its first body chunk (first token), per app and cluster',
      labelNames: ['app', 'cluster'],
      // Warm replicas answer in tens of ms, a cold start loading a model takes minutes.
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    genAiTimePerOutputToken: new Histogram({
      name: 'switchyard_proxy_gen_ai_time_per_output_token_seconds',
      help: 'Streamed answers with usage: decode time per output token after the first, per app and cluster',
      labelNames: ['app', 'cluster'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    genAiTokens: new Counter({
      name: 'switchyard_proxy_gen_ai_tokens_total',
      help: 'Tokens reported in answers\' usage, by app, cluster and type (input|output)',
      labelNames: ['app', 'cluster', 'type'],
      registers,
    }),
    budgetTokens: new Counter({
      name: 'switchyard_proxy_token_budget_tokens_total',
      help: 'Tokens charged to apps with a token budget (the engine\'s usage when it reported it), by app and type (prompt|completion)',
      labelNames: ['app', 'type'],
      registers,
    }),
    budgetRefusals: new Counter({
      name: 'switchyard_proxy_token_budget_refusals_total',
      help: 'Requests refused 429 by a token budget, by app and reason (tokens|spend)',
      labelNames: ['app', 'reason'],
      registers,
    }),
    budgetCuts: new Counter({
      name: 'switchyard_proxy_token_budget_cuts_total',
      help: 'Answers ended at a token budget with an OpenAI-format error event, by app',
      labelNames: ['app'],
      registers,
    }),
    connectionRefusals: new Counter({
      name: 'switchyard_proxy_connection_refusals_total',
      help: 'Client connections refused at accept, by the limit met: ceiling (the process held PROXY_MAX_CONNECTIONS: 503 proxy-connections-full) or per-address (the client address held PROXY_MAX_CONNECTIONS_PER_ADDRESS connections without a verified request while the process held at least half of PROXY_MAX_CONNECTIONS: 429 client-connections-limited); TLS ones are closed unanswered',
      labelNames: ['reason'],
      registers,
    }),
    tokenVerifications: new Counter({
      name: 'switchyard_proxy_token_verifications_total',
      help: 'Routing-token signature checks (Ed25519), by result (ok|failed = the signature does not verify); tokens remembered as verified, tokens refused from their unverified claims (expired, another proxy or app) and tokens refused token-failures-throttled (PROXY_TOKEN_FAILURE_BUDGET, counted in switchyard_proxy_refusals_total) are not checked',
      labelNames: ['result'],
      registers,
    }),
    jobWebhooksDropped: new Counter({
      name: 'switchyard_proxy_job_webhooks_dropped_total',
      help: 'Async-job webhooks dropped unsent because their app already had PROXY_WEBHOOK_QUEUE_PER_APP waiting, or their project PROXY_WEBHOOK_QUEUE_PER_PROJECT (the oldest of its longest line goes; the job status says so), by app',
      labelNames: ['app'],
      registers,
    }),
    inFlightBudgetRefusals: new Counter({
      name: 'switchyard_proxy_in_flight_budget_refusals_total',
      help: 'Requests refused 429 proxy-in-flight-limited by the process\'s in-flight budget (PROXY_MAX_IN_FLIGHT), by reason and project: over-share (the project, all its apps together, held its fair share past the high-water mark), over-app-share (the app held its part of its project\'s share) or full (project "")',
      labelNames: ['reason', 'project'],
      registers,
    }),
    replicaShareRefusals: new Counter({
      name: 'switchyard_proxy_replica_share_refusals_total',
      help: 'Requests refused 429 replica-share-exceeded, by project: the project (all its apps together) held its fair share of every replica it could be sent to while other projects\' work shared them (PROXY_REPLICA_SLOTS)',
      labelNames: ['project'],
      registers,
    }),
    traceSpansDropped: new Counter({
      name: 'switchyard_proxy_trace_spans_dropped_total',
      help: 'Spans the OTLP exporter failed to deliver (the collector is down, refused them, or the endpoint is wrong)',
      registers,
    }),
    traceSpansShed: new Counter({
      name: 'switchyard_proxy_trace_spans_shed_total',
      help: 'Spans not queued for export because their project (all its apps together) already held its fair share of the export queue, or their app its part of it (the collector is slower than the spans come), by project and app; "" = requests whose token did not verify',
      labelNames: ['project', 'app'],
      registers,
    }),
    storeDeadlines: new Counter({
      name: 'switchyard_proxy_store_deadlines_total',
      help: 'Background libSQL calls (job pin read/write/prune, outcome and proxy-row writes) abandoned unanswered after their deadline; the loop moved on',
      labelNames: ['call'],
      registers,
    }),
    genAiStreams: new Counter({
      name: 'switchyard_proxy_gen_ai_streams_total',
      help: 'Streamed answers by app, cluster and how they ended (completed|cut|client_closed|continued)',
      labelNames: ['app', 'cluster', 'result'],
      registers,
    }),
    // Managed SSE streams (issue 14): `continued` splices another replica's continuation in,
    // `impossible` / `exhausted` end with an SSE error event instead.
    streamRecoveries: new Counter({
      name: 'switchyard_proxy_stream_continuations_total',
      help: 'Streams whose replica failed mid-answer, by what the proxy did (continued, impossible, exhausted)',
      labelNames: ['cluster', 'result'],
      registers,
    }),
    heartbeatStreams: new Counter({
      name: 'switchyard_proxy_heartbeat_streams_total',
      help: 'Streams answered at once and kept alive with SSE comment heartbeats until the first byte',
      registers,
    }),
    circuitOpen: new Gauge({
      name: 'switchyard_proxy_circuit_open',
      help: "1 when the circuit of at least one app on the cluster is open (circuits are per cluster × app; the store's open_circuit_apps_json says which)",
      labelNames: ['cluster'],
      registers,
      // Every worker shares circuit transitions (cluster-peers.ts): the primary's scrape shows one 1, not one per worker.
      aggregator: 'max',
      collect() {
        this.reset();
        for (const [cluster, open] of circuits.read()) this.set({ cluster }, open ? 1 : 0);
      },
    }),
  };
}

/** The budget and what is held of it (per process; the primary of several workers sums them). */
function budgetGauges(budget: BudgetReading, registers: Registry[]): void {
  new Gauge({
    name: 'switchyard_proxy_in_flight_budget',
    help: 'Requests this proxy may hold at once (PROXY_MAX_IN_FLIGHT; a budget per worker process, summed over workers)',
    registers,
    collect() {
      this.set(budget.limits.budget);
    },
  });
  new Gauge({
    name: 'switchyard_proxy_in_flight_budget_held',
    help: 'Requests holding a unit of the in-flight budget (upstream work: requests, streams, WebSockets, async-job runs)',
    registers,
    collect() {
      this.set(budget.total);
    },
  });
}

/** What the connection gauges read at scrape (connection-limits.ts). */
export interface ConnectionReading {
  readonly open: number;
  readonly settings: { readonly max: number };
}

/** The ceiling and the connections held (per process; the primary of several workers sums them). */
export function connectionGauges(connections: ConnectionReading, registry: Registry): void {
  new Gauge({
    name: 'switchyard_proxy_max_connections',
    help: 'Client connections this proxy may hold at once on its traffic port (PROXY_MAX_CONNECTIONS; per worker process, summed over workers)',
    registers: [registry],
    collect() {
      this.set(connections.settings.max);
    },
  });
  new Gauge({
    name: 'switchyard_proxy_connections',
    help: 'Client connections open on the traffic port now, idle or not (each holds an open file)',
    registers: [registry],
    collect() {
      this.set(connections.open);
    },
  });
}
