/**
 * `startProxy`: wires one regional proxy from a parsed config and injected I/O
 * (store, dispatcher, logger, clock, token verifier), starts listening and the
 * background loops (endpoint refresh, health checks, reporting), and returns a
 * handle with `drain()` and `close()`. Signals are the entrypoint's business.
 */
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { UpstreamRouter, upstreamAgent } from './upstream-router.ts';
import pino, { type Logger } from 'pino';
import { startAdminListener } from './admin-listener.ts';
import { AppLimiter, type Admission } from './app-limits.ts';
import { firstClaimAdmission } from './first-claim-admission.ts';
import { LimitLeases } from './limit-leases.ts';
import { BodyBuffers } from './body-buffers.ts';
import { BodyParser } from './body-parser.ts';
import { budgetFromConfig, InFlightBudget } from './in-flight-budget.ts';
import { ConnectionLimits, connectionLimitsFromConfig } from './connection-limits.ts';
import { openFileLimit } from './open-file-limit.ts';
import { budgetKeys, startSpendSync, TokenBudgets } from './token-budgets.ts';
import { startTokenLeases } from './token-leases.ts';
import type { JobResultMessage } from './job-result-ledger.ts';
import type { RetainedResult } from './retained-job-results.ts';
import { jobResultBudgetPerApp, jobResultBudgetTotal, type ProxyConfig } from './config.ts';
import { drain, type DrainResult } from './drain.ts';
import { EndpointRegistry, type RegistrySource } from './endpoint-registry.ts';
import { startHealthChecks } from './health-checker.ts';
import { startReplicaScraper } from './replica-scraper.ts';
import { ReplicaSignals } from './replica-signals.ts';
import { ReplicaShares } from './replica-shares.ts';
import { replicaHoldSync } from './replica-hold-sync.ts';
import { LatencyTracker } from './latency-tracker.ts';
import { rttWindowMs } from './min-rtt-window.ts';
import { createListeners, type Listeners } from './listener.ts';
import { listenOrExplain, TRAFFIC_LISTENER } from '../../shared/http/listen-error.ts';
import { connectionGauges, createMetrics } from './metrics.ts';
import { OutlierDetector } from './outlier-detector.ts';
import { handleH2Connect, handleRequest, handleUpgrade } from './request-handler.ts';
import { WebSocketServers } from './ws-servers.ts';
import { Reporter } from './reporter.ts';
import { StoreDeadlineError, withDeadline } from './store-deadline.ts';
import { RetryBudgets } from './retry-budget.ts';
import { JobPins } from './job-pins.ts';
import { endpointsFileError, staticFileSource, storeSource } from './registry-sources.ts';
import { breakerFor, type ProxyRuntime } from './runtime.ts';
import { parseCircuitKey } from './circuit-breaker.ts';
import type { AppLimits } from '../../shared/domain/types.ts';
import type { ProxyStore } from './store.ts';
import { openGate, verifyingGate, type VerifyFn } from './token-gate.ts';
import { jwksVerifier } from './verifier.ts';
import { readJwks } from './load-jwks.ts';
import { tracingFromConfig } from './tracing.ts';
import { wireInRegion } from './in-region-wiring.ts';
import { asyncJobGate } from './async-job-gate.ts';
import { AsyncJobs } from './async-jobs.ts';
import { webhookQueuePerProject } from './webhook-lanes.ts';
import { JobRouteReads } from './job-route-reads.ts';
import { jobProjectCap, jobQueueCap, jobSlotLimitsOf } from './async-job-queue.ts';
import { libsqlJobStore } from './async-job-store.ts';
import type { Client } from '@libsql/client';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { AggregatorRegistry, Gauge } from 'prom-client';
import { processPeers, type WorkerSlot } from './cluster-peers.ts';
import { processChannel, workerAdmission } from './cluster-limits.ts';
import { scopeKey } from './limit-leases.ts';

/** A drain's longest wait for its last job pin write (the store hung: the drain goes on). */
const DRAIN_PIN_WAIT_MS = 2_000;
/**
 * A drain's longest wait for each of its two reports (the draining row first, the last outcomes
 * at the end). Each store call has its own 5 s deadline, but a slow store that still answers
 * would make a report take that per outcome batch, holding a deploy for minutes.
 */
const DRAIN_MARK_WAIT_MS = 2_000;
const DRAIN_REPORT_WAIT_MS = 5_000;

export interface ProxyDeps {
  readonly store?: ProxyStore;
  readonly dispatcher?: Dispatcher;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Token verification; default: the JWKS from config via shared/tokens. */
  readonly verify?: VerifyFn;
  /** Endpoint source; default: the store, else the static endpoints file. */
  readonly source?: RegistrySource;
  /** Node default process metrics on /metrics (off for several proxies in one process). */
  readonly defaultMetrics?: boolean;
  /** Where spans go instead of the configured OTLP endpoint (tests); given, tracing is on. */
  readonly traceExporter?: SpanExporter;
  /** The libSQL client behind `store`: enables the tokenless in-region path (in-region-wiring.ts). */
  readonly db?: Client;
  /**
   * This process is worker `index` of `count` on a shared port (cluster-primary.ts): limited
   * admissions go through the primary (cluster-limits.ts), circuit/outlier transitions are relayed, the primary serves the
   * admin listener, and only worker 0 writes the proxy's own rows and recovers its async jobs.
   */
  readonly worker?: WorkerSlot;
}

export interface RunningProxy {
  readonly url: string;
  readonly port: number;
  /** The admin listener (metrics, health): `adminHost:adminPort`, loopback by default. */
  readonly adminUrl: string;
  readonly runtime: ProxyRuntime;
  /** Refresh endpoints and run one health-check round now (tests, operators). */
  refresh(): Promise<void>;
  /** Stop accepting, finish in-flight work up to the deadline, then close everything. */
  drain(deadlineMs?: number): Promise<DrainResult>;
  /** Immediate stop (drain with a zero deadline). */
  close(): Promise<void>;
}

/** Every cluster the proxy knows → whether any app's circuit on it is open (the gauge, at scrape). */
function openCircuitsByCluster(rt: ProxyRuntime): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const id of rt.registry.clusterIds()) out.set(id, false);
  const now = rt.now();
  for (const [key, breaker] of rt.breakers) if (breaker.current(now) === 'open') out.set(parseCircuitKey(key).clusterId, true);
  return out;
}

/** A worker's kept job result, for the primary's one count of them. */
function reportToPrimary(appId: string, result: RetainedResult): void {
  const m: JobResultMessage = { sy: 'job-result', appId, id: result.id, path: result.path, bytes: result.bytes, expiresAt: result.expiresAt };
  // Disconnected: the primary is gone and this worker with it (an async send error would crash it first).
  if (process.connected) process.send?.(m);
}

export async function startProxy(config: ProxyConfig, deps: ProxyDeps = {}): Promise<RunningProxy> {
  const now = deps.now ?? Date.now;
  // Before any listener opens: recovery takes up only jobs created before this (async-jobs.ts).
  const bootedAt = deps.worker?.bootedAt ?? now();
  const logger =
    deps.logger ??
    pino({
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers["x-switchyard-token"]'],
    });
  const ownsDispatcher = deps.dispatcher === undefined;
  const dispatcher =
    deps.dispatcher ??
    upstreamAgent(config, config.upstreamAllowH2);
  const upstreams = new UpstreamRouter(config, dispatcher);
  const store = deps.store ?? null;
  // An endpoints file named by the operator is the source even with a store (which then still takes
  // reports, outcomes and spend): `--endpoints-file` says "these replicas, not the store's".
  const source =
    deps.source ??
    (config.endpointsFile !== null
      ? staticFileSource(config.endpointsFile)
      : store !== null
        ? storeSource(store)
        : null);
  if (source === null)
    throw new Error('no endpoint source: pass a store or set PROXY_ENDPOINTS_FILE');
  const registry = new EndpointRegistry(source, config.defaultStrategy);
  await registry.refresh(now());
  // A file the operator named that cannot be used refuses the start (it said "ready" with no
  // replicas); a store that fails is retried by the refreshes instead: it comes back by itself.
  if (config.endpointsFile !== null && registry.lastError !== null)
    throw endpointsFileError(config.endpointsFile, registry.lastError);
  const slot = deps.worker ?? null;
  // A cluster worker leaves every limited key to its primary, the proxy's one limiter and lease
  // holder (cluster-limits.ts); one process counts and leases on its own.
  const leases: LimitLeases | null =
    store === null || slot !== null
      ? null
      : new LimitLeases({
          store,
          proxyId: config.id,
          region: config.region,
          intervalMs: config.limitLeaseIntervalMs,
          now,
          // App ids and `app#route` keys: route limits share the same leases (shared/routes/route-limits.ts).
          limitedApps: () => registry.limitKeys(),
          inFlight: (appId): number => limiter.inFlight(appId),
        });
  const clusterLimits = slot === null ? null : workerAdmission((key) => registry.limitsOf(key), processChannel());
  clusterLimits?.reportKeys(registry.limitKeys());
  // Keys are app ids and `app#route` (route limits, shared/routes/route-limits.ts).
  const limitsOf = (key: string, t: number): AppLimits => {
    const limits = registry.limitsOf(key);
    return leases !== null && scopeKey(limits, config.region) !== null ? leases.effective(key, limits, t) : limits;
  };
  const localLimiter = (): Admission => {
    if (leases === null) return new AppLimiter(limitsOf);
    const local = new AppLimiter(limitsOf, (appId, verdict) => leases.observe(appId, verdict));
    return firstClaimAdmission(local, leases, (key) => registry.limitsOf(key), now);
  };
  const limiter: Admission = clusterLimits ?? localLimiter();
  // Logged at most once a minute: a libSQL outage would otherwise log every interval.
  let lastLeaseLog = -Infinity;
  const onLeaseError = (err: unknown): void => {
    if (now() - lastLeaseLog < 60_000) return;
    lastLeaseLog = now();
    logger.warn({ err }, 'could not renew limit leases (shared app limits fall back to a local share when the lease lapses)');
  };
  let lastHoldSyncLog = -Infinity;
  const onHoldSyncError = (err: unknown): void => {
    if (now() - lastHoldSyncLog < 60_000) return;
    lastHoldSyncLog = now();
    logger.warn({ err }, 'could not share replica holds through libSQL (each proxy shares a replica between projects by its own holds meanwhile; a database before schema v34 needs `switchyard db migrate`)');
  };
  const verify = config.authDisabled
    ? null
    : (deps.verify ??
      (await jwksVerifier(await readJwks(config), {
        issuer: config.tokenIssuer,
        failureBudget: config.tokenFailureBudget,
        trustedProxies: config.trustedProxies,
        // Called only by requests, after `metrics` below exists.
        onFullCheck: (result) => metrics.tokenVerifications.inc({ result }),
      })));
  const inRegion = wireInRegion(
    config,
    verify === null
      ? openGate(config.id, (appId) => registry.clustersServing(appId))
      : verifyingGate(config.id, verify),
    deps.db ?? null,
    now,
    logger,
    (appId) => registry.hasApp(appId),
  );
  let rtRef: ProxyRuntime | null = null;
  const reporter = new Reporter(
    () => {
      if (rtRef === null) throw new Error('runtime not ready');
      return rtRef;
    },
    store,
    Math.random,
    // One proxy row and one health report per proxy, not one per worker.
    slot === null || slot.index === 0,
  );
  // Per process: each worker has its own open-file limit (in-flight-budget.ts).
  const files = openFileLimit();
  const inFlightBudget = new InFlightBudget(budgetFromConfig(config.maxInFlight, logger, files));
  const metrics = createMetrics(deps.defaultMetrics ?? false, inFlightBudget);
  // Client connections per process too (connection-limits.ts), from the same limit and budget.
  const connectionLimits = new ConnectionLimits(
    connectionLimitsFromConfig(config, inFlightBudget.limits.budget, logger, files),
    { refused: (reason) => metrics.connectionRefusals.inc({ reason }) },
    logger,
  );
  connectionGauges(connectionLimits, metrics.registry);
  const countDeadline = (err: unknown): void => {
    if (err instanceof StoreDeadlineError) metrics.storeDeadlines.inc({ call: err.call });
  };
  // The primary's scrape asks every worker for this registry and sums them.
  if (slot !== null) {
    AggregatorRegistry.setRegistries([metrics.registry]);
    // Constructing one installs the worker's answer to the primary's scrape requests.
    void new AggregatorRegistry();
    // Per-worker answered requests, read from the summed counter at scrape: shows the spread.
    const requests = metrics.requests;
    new Gauge({
      name: 'switchyard_proxy_worker_requests',
      help: 'Requests answered by each worker process since it started (the other series are sums over workers)',
      labelNames: ['worker'],
      registers: [metrics.registry],
      async collect() {
        const got = await requests.get();
        this.set({ worker: String(slot.index) }, got.values.reduce((n, v) => n + v.value, 0));
      },
    });
  }
  // Failed span exports are counted, and logged at most once a minute (a dead collector would
  // otherwise log every batch).
  let lastDropLog = -Infinity;
  const onDropped = (count: number, error: Error | undefined): void => {
    metrics.traceSpansDropped.inc(count);
    if (now() - lastDropLog < 60_000) return;
    lastDropLog = now();
    logger.warn({ spans: count, error: error?.message }, 'trace export failed: spans dropped (check the OTLP endpoint)');
  };
  // Unfinished async jobs: an app's cap from its own limits, within its project's (async-job-queue.ts).
  const jobCapOf = (appId: string): number => jobQueueCap(config.jobMaxQueuedPerApp, registry.limitsOf(appId).maxConcurrency);
  const projectJobCap = jobProjectCap(config.jobMaxQueuedPerProject, config.jobMaxQueuedPerApp);
  const jobs: AsyncJobs | null =
    deps.db === undefined
      ? null
      : new AsyncJobs({
          proxyId: config.id,
          store: libsqlJobStore(deps.db),
          dir: config.jobsDir === '' ? join(tmpdir(), `switchyard-jobs-${config.id}`) : config.jobsDir,
          retentionMs: config.jobRetentionMs,
          maxResultBytes: config.jobMaxResultBytes,
          resultBytesPerApp: jobResultBudgetPerApp(config),
          resultBytesTotal: jobResultBudgetTotal(config),
          maxAttempts: config.jobMaxAttempts,
          maxWaitMs: config.jobMaxWaitMs,
          recoverBefore: bootedAt,
          webhookAllowInternal: config.webhookAllowPrivate,
          webhookQueuePerApp: config.webhookQueuePerApp,
          webhookQueuePerProject: webhookQueuePerProject(config.webhookQueuePerProject, config.webhookQueuePerApp),
          onWebhookDropped: (appId) => metrics.jobWebhooksDropped.inc({ app: appId }),
          // A cluster's primary counts every worker's kept results once (job-result-ledger.ts).
          ...(slot === null ? {} : { reportResult: reportToPrimary }),
          maxQueuedOf: jobCapOf,
          maxQueuedPerProject: projectJobCap,
          // A cluster's workers count every app's and project's unfinished jobs at the primary: one cap per proxy.
          ...(slot === null ? {} : { slots: workerAdmission((key) => jobSlotLimitsOf(key, jobCapOf, projectJobCap), processChannel()) }),
          windowOf: (appId) => registry.limitsOf(appId).maxConcurrency ?? Number.POSITIVE_INFINITY,
          now,
          logger,
          dispatcher,
        });
  const rt: ProxyRuntime = {
    config,
    dispatcher,
    upstreams,
    logger,
    now,
    registry,
    outliers: new OutlierDetector(
      config.outlierConsecutiveFailures,
      config.outlierBaseEjectionMs,
      config.outlierMaxEjectionMs,
      (appId, url, until) => rtRef?.peers?.ejected(appId, url, until),
    ),
    budget: new RetryBudgets(config.retryBudgetRatio, config.retryBudgetMin),
    latency: new LatencyTracker(rttWindowMs(config.healthCheckIntervalMs)),
    limiter,
    inFlightBudget,
    connectionLimits,
    bodyBuffers: new BodyBuffers(config.bufferedBodyBytes),
    bodyParser: new BodyParser(config.bodyParseThreadBytes, {
      queued: (n) => metrics.bodyParseQueued.set(n),
      parsed: (project, seconds) => metrics.bodyParseSeconds.inc({ project }, seconds),
    }),
    tokenBudgets: new TokenBudgets(now),
    metrics,
    gate: asyncJobGate(inRegion.gate, () => rtRef?.jobs ?? null),
    breakers: new Map(),
    inFlight: new Set(),
    replicas: new ReplicaSignals(
      config.prefixBlockChars,
      config.prefixCharsPerToken,
      config.prefixIndexBlocks,
      Math.max(3 * config.replicaScrapeIntervalMs, 1_000),
    ),
    replicaShares: new ReplicaShares(config.replicaSlots, (url) => registry.reportedSlots(url)),
    recordOutcome: (row) => reporter.record(row),
    tracing: tracingFromConfig(config, { ...(deps.traceExporter === undefined ? {} : { exporter: deps.traceExporter }), onDropped, onShed: (o) => metrics.traceSpansShed.inc({ project: o.project, app: o.app }) }),
    jobPins: new JobPins(store, config.id, (err: unknown) => {
      countDeadline(err);
      logger.warn({ err }, 'could not write a job pin');
    }),
    jobs,
    jobRoutes: jobs === null ? null : new JobRouteReads(jobs, { slots: config.jobRouteReads, now, onDeadline: (call) => metrics.storeDeadlines.inc({ call }), trustedProxies: config.trustedProxies, budget: inFlightBudget }),
    peers:
      slot === null
        ? null
        : processPeers(
            (key) => {
              const { clusterId, appId } = parseCircuitKey(key);
              return breakerFor(rt, clusterId, appId);
            },
            () => rt.outliers,
          ),
    draining: false,
  };
  rtRef = rt;
  metrics.circuits.read = () => openCircuitsByCluster(rt);

  // forward-websocket narrows each client's offer to the replica's subprotocol before accepting.
  const wss = new WebSocketServers();
  const handlers: Parameters<typeof createListeners> extends [ProxyConfig, infer R, infer U, infer C, ...unknown[]] ? [R, U, C] : never = [
    // Never throws: what escapes a request is logged by handleRequest itself (no promise per request).
    (req, res) => handleRequest(rt, req, res),
    (req, socket, head) => {
      handleUpgrade(rt, wss, req, socket, head).catch((err: unknown) => {
        logger.error({ err }, 'upgrade handler failed');
        socket.destroy();
      });
    },
    (req, res) => {
      handleH2Connect(rt, req, res).catch((err: unknown) => {
        logger.error({ err }, 'h2 connect handler failed');
        res.stream.close();
      });
    },
  ];
  const listeners = createListeners(config, ...handlers, connectionLimits);
  // A worker's backlog reaches the primary's round-robin listener too (node:cluster passes it).
  await listenOrExplain(listeners.server, { port: config.port, host: config.host, backlog: config.listenBacklog }, TRAFFIC_LISTENER);
  // What the start opens from here on is closed again when a later step fails: a port left
  // listening kept a failed `switchyard proxy` running, and serving, after it printed its error.
  const undo: Array<() => unknown> = [() => closeListeners(listeners)];
  const step = <T>(p: Promise<T>): Promise<T> =>
    p.catch(async (err: unknown) => {
      // Last opened, first closed; one that fails to close does not stop the others.
      for (const u of undo.reverse()) await Promise.resolve().then(u).catch(() => undefined);
      throw err;
    });
  const port = (listeners.server.address() as AddressInfo).port;
  const scheme = config.tlsCertFile !== null ? 'https' : 'http';
  const url = `${scheme}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const runtimeConfig: ProxyConfig = {
    ...config,
    publicUrl: config.publicUrl === '' ? url : config.publicUrl,
  };
  Object.assign(rt, { config: runtimeConfig });
  // Workers leave metrics and health to the primary, which sums them (cluster-primary.ts).
  const admin = slot === null ? await step(startAdminListener(rt)) : { url: '', close: () => Promise.resolve() };
  undo.push(() => admin.close());
  // Jobs replay through our own listener (loopback), so they start once it listens; of several
  // workers only the first recovers the interrupted ones (else each would run them again).
  // A worker replays its jobs through a loopback port of its own (`exclusive`: not shared with
  // its siblings), since a job's runner credential is known to the worker running it only.
  const jobListeners =
    slot === null || rt.jobs === null ? null : createListeners({ ...runtimeConfig, tlsCertFile: null, tlsKeyFile: null }, ...handlers);
  if (jobListeners !== null) {
    undo.push(() => closeListeners(jobListeners));
    await step(
      new Promise<void>((resolve, reject) => {
        jobListeners.server.once('error', reject);
        jobListeners.server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => resolve());
      }),
    );
  }
  const jobsUrl =
    jobListeners === null ? url : `http://127.0.0.1:${(jobListeners.server.address() as AddressInfo).port}`;
  undo.push(() => rt.jobs?.stop());
  await step(rt.jobs?.start(jobsUrl, slot === null || slot.index === 0) ?? Promise.resolve());

  const refreshPins = (): Promise<void> =>
    rt.jobPins.refresh(registry.clusterIds(), now()).catch((err: unknown) => {
      countDeadline(err);
      logger.warn({ err }, 'could not load job pins');
    });
  await refreshPins();
  await leases?.renewOnce().catch(onLeaseError);
  leases?.start(onLeaseError);
  undo.push(() => leases?.stop());
  // Token leases and spend rows are per process: a worker writes (and reads the others') under
  // its own holder id, else siblings sharing the proxy's id would overwrite each other's spend.
  const holderId = slot === null ? config.id : `${config.id}#${slot.index}`;
  const tokenLeases = await step(startTokenLeases(
    store,
    {
      proxyId: holderId,
      region: config.region,
      intervalMs: config.limitLeaseIntervalMs,
      now,
      budgets: () => budgetKeys(registry).map(([key, , b]) => [key, b] as const),
      clamp: (key, claim) => rt.tokenBudgets.clamp(key, claim),
    },
    (shares) => rt.tokenBudgets.useShares(shares),
    onLeaseError,
  ));
  undo.push(() => tokenLeases?.stop());
  const holdSync = replicaHoldSync(rt, store, registry, holderId);
  // Not awaited: a start holds nothing yet, and a hung libSQL must not delay it (leases already may).
  void holdSync?.once().catch(onHoldSyncError);
  holdSync?.start(onHoldSyncError);
  undo.push(() => holdSync?.stop());
  const spendTimer = startSpendSync(rt, store, registry, holderId, (err: unknown) => logger.warn({ err }, 'could not share token-budget spend through libSQL (spend is counted by this proxy alone meanwhile)'));
  const refreshTimer = setInterval(() => {
    void registry.refresh(now()).then(() => clusterLimits?.reportKeys(registry.limitKeys()));
    void refreshPins();
  }, config.refreshIntervalMs);
  refreshTimer.unref();
  const stopChecks = startHealthChecks(rt);
  const stopScraper = startReplicaScraper(rt);
  reporter.start();
  undo.push(() => (spendTimer === null ? undefined : clearInterval(spendTimer)), () => clearInterval(refreshTimer), stopChecks, stopScraper, () => reporter.stop());
  await step(reporter.reportOnce());
  logger.info(
    { id: config.id, url, adminUrl: admin.url, region: config.region, auth: verify === null ? 'disabled' : 'jwks', maxInFlight: inFlightBudget.limits.budget, maxConnections: connectionLimits.settings.max, maxConnectionsPerAddress: connectionLimits.settings.perAddress ?? 'off' },
    'proxy listening',
  );

  let drained: Promise<DrainResult> | null = null;
  const doDrain = (deadlineMs: number): Promise<DrainResult> => {
    drained ??= (async () => {
      // Interrupted jobs stay `running` in the database: the next start retries or fails them.
      rt.jobs?.stop();
      const result = await drain(rt, listeners, () => withDeadline(reporter.reportOnce(true), DRAIN_MARK_WAIT_MS, 'drain: marking draining'), deadlineMs);
      if (jobListeners !== null) {
        jobListeners.server.close();
        for (const sock of jobListeners.sockets) sock.destroy();
      }
      clearInterval(refreshTimer);
      leases?.stop();
      tokenLeases?.stop();
      // Its holds are over: withdrawn now, or the peers count them until the rows lapse. Bounded.
      await holdSync?.withdraw(DRAIN_REPORT_WAIT_MS).catch(onHoldSyncError);
      if (spendTimer !== null) clearInterval(spendTimer);
      stopChecks();
      stopScraper();
      reporter.stop();
      await withDeadline(reporter.reportOnce(true), DRAIN_REPORT_WAIT_MS, 'drain: last report').catch((err: unknown) =>
        logger.warn({ err, outcomesUnwritten: reporter.stats().buffered }, 'the last outcomes were not all written before the drain ended'),
      );
      // Pins of the drained jobs reach libSQL before the next process loads them (hand-over),
      // written now even if a retry backoff runs. Bounded: a hung store must not hold the drain.
      const pins = await rt.jobPins.flushNow(DRAIN_PIN_WAIT_MS);
      if (pins.unwritten > 0)
        logger.warn({ pinsUnwritten: pins.unwritten }, 'job pins not written before the drain ended; their jobs lose their replica after the hand-off');
      await inRegion.stop();
      await admin.close();
      // The last spans (drained streams) leave before the process exits.
      await rt.tracing?.shutdown().catch(() => undefined);
      await upstreams.close();
      await rt.bodyParser.close();
      if (ownsDispatcher) await dispatcher.close().catch(() => undefined);
      logger.info({ ...result, pinsUnwritten: pins.unwritten, pinsDroppedSinceStart: pins.dropped }, 'proxy drained');
      return result;
    })();
    return drained;
  };
  return {
    url,
    port,
    adminUrl: admin.url,
    runtime: rt,
    async refresh() {
      await registry.refresh(now());
      const { checkAllOnce } = await import('./health-checker.ts');
      await checkAllOnce(rt);
    },
    drain: (deadlineMs = config.drainDeadlineMs) => doDrain(deadlineMs),
    async close() {
      await doDrain(0);
    },
  };
}

/** Stops a listener of a start that failed: its port, and any connection it accepted meanwhile. */
function closeListeners(l: Listeners): void {
  l.server.close();
  for (const socket of l.sockets) socket.destroy();
  for (const session of l.h2sessions) session.destroy();
}
