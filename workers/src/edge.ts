/**
 * One edge instance per isolate (per parsed configuration): the snapshot and key caches, the
 * decision log, and the request path router → decision → answer. `index.ts` builds it once and
 * hands it requests; everything here takes its I/O (libSQL client, fetch, clock) as arguments.
 */
import type { Decision, StrategyState } from '../../shared/decision/types.ts';
import type { ApiKey, AppSnapshot, RequestFacts } from '../../shared/domain/types.ts';
import { continentUnserved } from '../../shared/domain/residency.ts';
import { attestedClientIp, forward } from './answer-forward.ts';
import type { ForwardAttempt, ForwardTarget } from './answer-forward.ts';
import { chooseAnswerMode } from './answer-mode.ts';
import type { AnswerMode } from './answer-mode.ts';
import { redirectResponse } from './answer-redirect.ts';
import { tokenResponse } from './answer-token.ts';

import { authorize, type KeyLookup } from './auth.ts';
import { AuthView } from './auth-view.ts';
import { gateApp } from './app-gate.ts';
import { benchRoute } from './bench-route.ts';
import { clientLocation, devLocationOverride } from './client-location.ts';
import type { CfProperties } from './client-location.ts';
import type { EdgeConfig } from './shared-deps.ts';
import { FairShares } from '../../shared/caching/fair-shares.ts';
import { applyCors, preflightResponse } from './cors.ts';
import { DecisionLog, type DecisionRow } from './decision-log.ts';
import type { WriteBufferStats } from './shared-deps.ts';
import { inputRecord } from '../../shared/decision/record-json.ts';
import { primeSnapshot } from '../../shared/decision/prime-snapshot.ts';
import { libsqlDecisionSink } from './decision-sink.ts';
import { EdgeError, errorResponse, refuse } from './errors.ts';
import type { Client } from './libsql.ts';
import { Lru } from './shared-deps.ts';
import { parseAppPath, projectOfAppId } from '../../shared/http/request-path.ts';
import { routeRollout, type RolloutNote } from '../../shared/rollout/select-version.ts';
import { CanaryBrake } from '../../shared/rollout/canary-brake.ts';
import { clientKeyOf } from './client-key.ts';
import type { AppPath } from '../../shared/http/request-path.ts';
import { admitRequest, pathRefusal } from './request-admission.ts';
import { newDecisionId, newSeed } from './request-ids.ts';
import { decorate, json } from './response-headers.ts';
import { noteRollout, noteRoute, resolveStrategy, seededRng } from './shared-deps.ts';
import { decideWithCanary } from './canary.ts';
import { apiKeyLoader, apiKeysLoader, appSnapshotLoader, authViewLoaders } from './snapshot-source.ts';
import { mintToken } from './mint-token.ts';
import { OPERATOR_KEY_HEADER, checkOperator } from './operator.ts';
import { FirstLoadsFull, SourceUnavailable, SwrCache } from './swr-cache.ts';
import { upstreamUrl } from './upstream-url.ts';
import { EdgeTrace, randomHex, type EdgeSpan } from './tracing.ts';
import { PROJECT_ATTRIBUTE } from '../../shared/tracing/attributes.ts';
import { decisionAttributes } from './tracing-decision.ts';

/** A traced request: its trace, the edge's SERVER span, and the decision span once decided. */
interface Traced {
  readonly trace: EdgeTrace;
  readonly server: EdgeSpan;
  decide: EdgeSpan | null;
}
import { hashJobKey, readJobKey } from '../../shared/domain/job-key.ts';
import { hashAffinityKey } from '../../shared/domain/affinity-key.ts';
import type { AppGate, RouteNote } from './shared-deps.ts';
import { routeRequest, type Routed } from './route-hook.ts';

/** A decision plus the app route it was made for (absent for apps without routes). */
type RoutedDecision = Decision & { readonly route?: RouteNote };

export interface EdgeDeps {
  readonly config: EdgeConfig;
  readonly db: Client;
  readonly fetcher: typeof fetch;
  readonly now: () => number;
  /** Monotonic high-resolution clock (ms) for Server-Timing. */
  readonly hrNow: () => number;
  readonly log: (line: string) => void;
}

export interface WaitUntil {
  waitUntil(p: Promise<unknown>): void;
}

interface Decided {
  readonly decision: Decision;
  readonly snapshot: AppSnapshot;
  readonly decisionMs: number;
  readonly client: RequestFacts['client'];
}

/** Keys and gates are re-read at least this often even when the auth clock stands still. */
const KEY_MAX_AGE_MS = 60_000;
/** An unknown key checks the auth clock at most this often per isolate (keys created since the last check). */
const KEY_RECHECK_MS = 250;
/**
 * Most keys an isolate holds (min with EDGE_MAX_KEYS), whole projects smallest first: every key
 * change re-reads them all in every isolate (~128 B a key, ~50 ms at 10,000), so one tenant
 * changing keys often must not make every isolate pull megabytes a second. The keys of a project
 * that does not fit are read one by one.
 */
const VIEW_MAX_KEYS = 20_000;

/**
 * The request target's path as the client sent it. WHATWG URL parsing turns `\` into `/`, so
 * `/v4/acme/chat/v1\models` was served as `v1/models` where the proxy, reading the raw target,
 * refuses it (one canonical path rule: shared/http/request-path.ts). Cloudflare normalizes backslashes
 * before a Worker runs; a self-hosted or local edge does not.
 */
function rawPath(requestUrl: string): string {
  const start = requestUrl.indexOf('/', requestUrl.indexOf('//') + 2);
  if (start < 0) return '/';
  const end = requestUrl.search(/[?#]/);
  return requestUrl.slice(start, end < 0 || end < start ? undefined : end);
}

export class Edge {
  readonly snapshots: SwrCache<AppSnapshot>;
  readonly keys: SwrCache<ApiKey>;
  /** Every app's gate and the auth clock: what is checked before a snapshot is read. */
  readonly authView: AuthView;
  readonly decisions: DecisionLog;
  readonly #strategy: Lru<string, StrategyState>;
  /** This isolate's fast stop for a failing rollout canary (shared/rollout/canary-brake.ts). */
  readonly #brake = new CanaryBrake();
  /** Bytes of request bodies held to re-send on a fallback, shared fairly by project (answer-forward.ts). */
  readonly #retryBuffers: FairShares;
  /** The last request decided here: a refreshed snapshot is primed with a client like it (same colo). */
  #lastFacts: RequestFacts | null = null;

  constructor(readonly deps: EdgeDeps) {
    const c = deps.config;
    this.#retryBuffers = new FairShares(c.retryBufferBytes);
    this.snapshots = new SwrCache({
      max: c.maxApps,
      maxNegative: c.maxNegative,
      maxFirstLoads: c.maxFirstLoads,
      refreshMs: c.refreshMs,
      negativeMs: c.negativeCacheMs,
      staleMs: c.staleSnapshotMs,
      staleWaitMs: c.staleRefreshWaitMs,
      now: deps.now,
      load: appSnapshotLoader(deps.db, deps.now, c.dbTimeoutMs, c.policy),
      // In the refresh's waitUntil, before the new snapshot is served: the next request pays a warm decision.
      prepare: (s) => this.#prime(s),
      // One tenant's many apps in use evict its own snapshots, never another tenant's, and take at
      // most half of the first loads in flight.
      groupOf: (_appId, s) => s.app.projectId,
      firstLoadGroupOf: projectOfAppId,
    });
    const keyMaxAgeMs = Math.max(c.refreshMs, KEY_MAX_AGE_MS);
    // Keys one by one: only those of a project the auth view does not hold (more keys than fit
    // in EDGE_MAX_KEYS beside the smaller projects'; every project with a database before v26). Re-read when the auth clock moves, not every EDGE_REFRESH_MS: the refresh here
    // is the long safety net. Unknown keys too are forgotten when the clock moves.
    this.keys = new SwrCache({
      max: c.maxKeys,
      maxNegative: c.maxNegative,
      maxFirstLoads: c.maxFirstLoads,
      refreshMs: keyMaxAgeMs,
      negativeMs: c.negativeCacheMs,
      now: deps.now,
      load: apiKeyLoader(deps.db, c.dbTimeoutMs),
      loadMany: apiKeysLoader(deps.db, c.dbTimeoutMs),
      groupOf: (_hash, k) => k.projectId,
    });
    this.authView = new AuthView({
      checkMs: c.refreshMs,
      maxAgeMs: keyMaxAgeMs,
      recheckMs: KEY_RECHECK_MS,
      now: deps.now,
      ...authViewLoaders(deps.db, c.dbTimeoutMs, Math.min(c.maxKeys, VIEW_MAX_KEYS), c.maxFilteredKeys),
      // Holding every project's keys, the view answers alone: the per-key cache would only go
      // stale. Otherwise the cache is re-read in one read (with the keys in use of the projects
      // the view has just stopped holding carried over).
      onMove: (holdsKeys, carried) => (holdsKeys ? Promise.resolve(this.keys.clear()) : this.keys.seed(carried)),
      log: deps.log,
    });
    this.decisions = new DecisionLog({
      batch: c.decisionBatch,
      flushMs: c.decisionFlushMs,
      maxBuffered: c.decisionBatch * 20,
      sink: libsqlDecisionSink(deps.db, c.dbTimeoutMs * 5, deps.now),
      onError: (m) => deps.log(JSON.stringify({ level: 'error', msg: m, decisionLog: this.decisions.stats() })),
      now: deps.now,
    });
    this.#strategy = new Lru(c.maxApps, projectOfAppId);
  }

  /**
   * A key from the auth view, which holds every key of the app's project as of its clock (unless
   * that project has more keys than fit): one it does not know may be newer than the view, so the
   * clock is checked (shared, rate-limited) before the refusal. For a project whose keys the view
   * does not hold (too many, old schema), one read per key through the key cache, unless the
   * view's filter of that project's key hashes shows it is none of them: then it is unknown, as
   * above (so made-up keys for a tenant with a key per end-user cost no read each).
   */
  readonly #lookupKey: KeyLookup = async (hash, projectId, tenant, waitUntil) => {
    const known = this.authView.key(hash, projectId);
    if (known === undefined) return (await this.keys.get(hash, waitUntil, tenant)).value;
    if (known !== null) return known;
    const checked = await this.authView.recheck(waitUntil);
    // The re-read may have found the project has more keys than fit (the view then no longer
    // holds them), or the database did not answer: this key, maybe one just created, is then
    // looked up like any other (503 when the database is down), not refused unread.
    const after = this.authView.key(hash, projectId);
    return after === undefined || (after === null && !checked) ? (await this.keys.get(hash, waitUntil, tenant)).value : after;
  };

  /** Answers one request. Never throws: every failure becomes a typed JSON error. */
  async handle(request: Request, ctx: WaitUntil): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/health') return this.#health(request);
    if (url.pathname === '/__bench' && this.deps.config.benchRoute) return benchRoute(this, url, request);
    const raw = rawPath(request.url);
    if (raw.includes('\\')) return errorResponse(refuse.badPath(raw));
    const parsed = parseAppPath(url.pathname);
    if (!parsed.ok) {
      // A malformed app route (`/v4`, `/token/x`) is `bad-path` by the shared parser, as at the proxy.
      return errorResponse(pathRefusal(url.pathname, parsed));
    }
    const path = parsed.path;
    const traced = this.#startTrace(request, path);
    const res = await this.#appOrError(request, url, path, ctx, traced);
    if (traced !== null) {
      traced.server.set({ 'http.response.status_code': res.status });
      traced.server.end(res.status >= 500 ? String(res.status) : undefined);
      ctx.waitUntil(traced.trace.export(this.deps.fetcher, this.deps.log));
    }
    return res;
  }

  /**
   * Liveness for anyone; with the operator key, this isolate's decision-log counters (drops during
   * a database outage show here). The counters stay behind the key: `written` moves by one per
   * request, so polling it gave anyone the isolate's request rate, a competitor's traffic when
   * tenants are few. Totals only even then: which apps lost rows goes to the operator's error log.
   */
  async #health(request: Request): Promise<Response> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return errorResponse(refuse.methodNotAllowed('/health', 'GET, HEAD'), { allow: 'GET, HEAD' });
    if (!request.headers.has(OPERATOR_KEY_HEADER)) return json({ ok: true });
    const refused = await checkOperator(request.headers, this.deps.config.operatorKey);
    return refused !== null ? errorResponse(refused) : json({ ok: true, decisionLog: withoutTenants(this.decisions.stats()) });
  }

  #prime(snap: AppSnapshot): void {
    try {
      primeSnapshot(snap, this.deps.config.policy, this.#sampleFor(snap), this.deps.now());
    } catch (err) {
      // An optimisation only: the refreshed snapshot is served anyway, compiled by its first request.
      this.deps.log(JSON.stringify({ level: 'error', msg: 'priming a refreshed snapshot failed', app: snap.app.id, error: err instanceof Error ? err.message : String(err) }));
    }
  }

  /** A keyless request for `snap`'s app from the last client seen here; null before any request. */
  #sampleFor(snap: AppSnapshot): RequestFacts | null {
    const last = this.#lastFacts;
    if (last === null) return null;
    return { appId: snap.app.id, fn: last.fn, method: last.method, client: last.client, affinityKey: null, jobKeyHash: null, synthetic: false };
  }

  /** Null when tracing is off; otherwise the trace (sampled or not: the flag travels on either way). */
  #startTrace(request: Request, path: AppPath): Traced | null {
    const cfg = this.deps.config.tracing;
    if (cfg === null) return null;
    const trace = new EdgeTrace(request.headers.get('traceparent'), cfg, { now: this.deps.now, randomHex });
    const route = `${path.kind === 'public' ? '' : `/${path.kind}`}${path.publicPath}`;
    const server = trace.start(`${request.method} ${route}`, 'server', null, {
      'http.request.method': request.method,
      'url.path': route,
      'switchyard.app': path.appId,
      'switchyard.function': path.fn,
    });
    return { trace, server, decide: null };
  }

  async #appOrError(request: Request, url: URL, path: AppPath, ctx: WaitUntil, traced: Traced | null): Promise<Response> {
    try {
      return await this.#handleApp(request, url, path, ctx, traced);
    } catch (err) {
      if (err instanceof EdgeError) {
        // What the client may not see (e.g. an open app's route names) is for the operator's log.
        if (err.logDetail !== undefined) this.deps.log(JSON.stringify({ level: 'info', msg: 'request refused', code: err.code, app: path.appId, fn: path.fn, detail: err.logDetail }));
        return errorResponse(err);
      }
      // A flood of uncached names/keys (L7): refuse quickly rather than queue more database reads.
      if (err instanceof FirstLoadsFull) return errorResponse(refuse.edgeBusy(), { 'retry-after': '1' });
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof SourceUnavailable) {
        this.deps.log(JSON.stringify({ level: 'warn', msg: 'no snapshot: database unreachable', app: path.appId, error: message }));
        return errorResponse(refuse.noSnapshot(path.appId));
      }
      // The cause stays in the log: it may name internal hosts or configuration.
      this.deps.log(JSON.stringify({ level: 'error', msg: 'unexpected edge failure', app: path.appId, error: message }));
      return errorResponse(refuse.internal());
    }
  }

  async #handleApp(request: Request, url: URL, path: AppPath, ctx: WaitUntil, traced: Traced | null): Promise<Response> {
    const arrivedAt = this.deps.now();
    const waitUntil = (p: Promise<unknown>): void => ctx.waitUntil(p);
    // Neither needs the snapshot: decided first, so a refused request never reads one.
    const mode = chooseAnswerMode(path.kind, url, request.headers, this.deps.config.answerMode);
    const synthetic = mode.ok && (mode.mode === 'explain' || request.headers.get('x-switchyard-synthetic') === '1');
    const early = !mode.ok ? mode.error : synthetic ? await checkOperator(request.headers, this.deps.config.operatorKey) : null;
    let checked: AppGate | null = null;
    if (this.deps.config.auth) {
      const gated = await gateApp({ request, path, early, view: this.authView, keys: this.#lookupKey, waitUntil, arrivedAt });
      if (!gated.pass) return gated.response;
      checked = gated.checked;
    }
    const hit = await this.snapshots.get(path.appId, waitUntil);
    const snapshot = hit.value;
    if (snapshot === null) throw refuse.unknownApp(path.appId);
    const origins = snapshot.app.corsOrigins;
    const origin = request.headers.get('origin');
    const withCors = (res: Response): Response => {
      applyCors(res.headers, origins, origin);
      return res;
    };
    if (request.method === 'OPTIONS' && request.headers.has('access-control-request-method')) {
      return preflightResponse(origins, request);
    }
    const inadmissible = admitRequest(request, path.appId, path.fn, snapshot.app.requests);
    if (inadmissible !== null) {
      if (inadmissible.logDetail !== undefined) {
        this.deps.log(JSON.stringify({ level: 'info', msg: 'request refused', code: inadmissible.code, app: path.appId, fn: path.fn, detail: inadmissible.logDetail }));
      }
      return withCors(errorResponse(inadmissible));
    }
    if (!mode.ok) return withCors(errorResponse(mode.error));
    if (early !== null) return withCors(errorResponse(early));
    // Again on the snapshot's app when it disagrees with the gate checked (one is a refresh older).
    if (this.deps.config.auth && !sameGate(checked, snapshot.app)) {
      const denied = await authorize(request.headers, snapshot.app, this.#lookupKey, waitUntil);
      if (denied !== null) return withCors(errorResponse(denied));
    }
    // The tenant, now that the key checked out (or auth is off): the trace store shares its rows by it.
    traced?.server.set({ [PROJECT_ATTRIBUTE]: snapshot.app.projectId });
    // Routes inside the app (route-hook.ts): the decision sees the matched route's clusters/limits/strategy.
    // Only a caller whose key is the app's may be told the app's route names.
    const routed = await routeRequest(request, url, path.fn, snapshot, mode.mode, this.deps.config.auth && snapshot.app.authRequired);
    const now = this.deps.now();
    const stale = now - hit.loadedAt > this.deps.config.staleSnapshotMs;
    // Client data of any length: decided on and recorded only as its hash (shared/domain/affinity-key.ts).
    const affinityHeader = snapshot.app.affinityHeader === null ? null : request.headers.get(snapshot.app.affinityHeader);
    const affinityKey = affinityHeader === null ? null : await hashAffinityKey(affinityHeader);
    const jobKeyHash = await jobKeyHashOf(request.headers, path.appId, snapshot.app.requests.jobKeyHeader);
    // Keyless requests under a rollout or policy canary stick to one arm by the client's salted identity.
    const needsClientKey = affinityKey === null && jobKeyHash === null && (snapshot.rollout !== undefined || this.deps.config.canary !== null);
    const clientKey = needsClientKey ? await clientKeyOf(request.headers, path.appId, this.deps.config.clientKeySalt, attestedClientIp(request)) : null;
    const facts: RequestFacts = {
      appId: path.appId,
      fn: path.fn,
      method: request.method,
      client: clientLocation(
        (this.deps.config.trustDevLocation ? devLocationOverride(request.headers) : undefined) ??
          (request as Request & { cf?: CfProperties }).cf,
      ),
      affinityKey,
      jobKeyHash,
      ...(clientKey === null ? {} : { clientKey }),
      synthetic,
    };
    // Rollout hook (shared/rollout/): the request's model version picks, within the route's
    // clusters, the ones decide() sees.
    this.#lastFacts = facts;
    const rollout = routeRollout(facts, routed.snapshot, Math.random(), (r) => this.#brake.admits(r));
    const decided = this.#decide(facts, { snapshot: rollout.snapshot, note: routed.note }, now, stale, mode.mode, waitUntil, rollout.note);
    if (traced !== null) {
      traced.decide = traced.trace.start('edge decide', 'internal', traced.server, decisionAttributes(decided.decision, decided.decisionMs, mode.mode));
      traced.decide.end();
    }
    const answerMode = synthetic ? 'explain' : mode.mode;
    const res = await this.#answerCountingCanary(routed.snapshot.rollout, rollout.note, answerMode, () => this.#answer(request, url, path, decided, answerMode, now, traced));
    const decorated = decorate(res, decided.decision.id, decided.decisionMs, stale);
    if (rollout.note !== null) decorated.headers.set('x-switchyard-model-version', `${rollout.note.model}@${rollout.note.version}`);
    return withCors(decorated);
  }

  /**
   * The answer, counted by the canary brake when it is a forwarded canary request: a 5xx (or no
   * answer) the client sees spends the canary's error budget in this isolate.
   */
  async #answerCountingCanary(
    view: AppSnapshot['rollout'],
    note: RolloutNote | null,
    mode: AnswerMode,
    answer: () => Promise<Response>,
  ): Promise<Response> {
    if (view === undefined || note === null || !note.canary || mode !== 'forward') return answer();
    this.#brake.begin(view);
    let failed = true;
    try {
      const res = await answer();
      failed = res.status >= 500;
      return res;
    } finally {
      this.#brake.end(view, failed);
    }
  }

  #decide(
    facts: RequestFacts,
    routed: Routed,
    now: number,
    stale: boolean,
    mode: AnswerMode,
    waitUntil: (p: Promise<unknown>) => void,
    rollout: RolloutNote | null = null,
  ): Decided {
    const c = this.deps.config;
    const { snapshot, note } = routed;
    const seed = newSeed();
    // A route has its own clusters (and maybe strategy), so its round-robin/outstanding state too.
    const stateKey = note?.route == null ? facts.appId : `${facts.appId}#${note.route}`;
    let strategyState = this.#strategy.get(stateKey);
    if (strategyState === undefined) {
      strategyState = { roundRobinCursor: 0, outstanding: new Map() };
      this.#strategy.set(stateKey, strategyState);
    }
    // Stateful classic strategies depend on this state: record it as it was before the decision so
    // a replay reproduces the choice exactly (the snapshot and seed cover everything else).
    const strategyName = resolveStrategy(snapshot.app.strategy, c.policy);
    const stateful = strategyName === 'round-robin' || strategyName === 'least-outstanding' || strategyName === 'power-of-two';
    const stateBefore = stateful && c.recordDecisions
      ? { roundRobinCursor: strategyState.roundRobinCursor, outstanding: [...strategyState.outstanding.entries()] }
      : undefined;
    const t0 = this.deps.hrNow();
    // Policy canary (canary.ts): inside the slice the candidate policy decides and the stable one is logged beside it.
    const { decision: decided, policy, note: canary } = decideWithCanary(facts, snapshot, c.policy, c.canary, {
      now,
      rng: seededRng(seed),
      seed,
      decisionId: newDecisionId(),
      staleSnapshot: stale,
      strategyState,
    });
    // Notes are added without a spread, which would build the whole explanation here: the log
    // line and the record build it a macrotask later (#logAfterResponse), to the same bytes.
    const versioned = rollout === null ? decided : noteRollout(decided, rollout);
    const decisionMs = this.deps.hrNow() - t0;
    // The route (and the classifier's scores) travels with the decision: log, explain, replay input.
    const decision: RoutedDecision = note === null ? versioned : noteRoute(versioned, note);
    const decisionUs = Math.round(decisionMs * 1000 * 10) / 10;
    const record = c.recordDecisions
      ? (): DecisionRow => ({ decision, decisionUs, canaryJson: canary === null ? null : JSON.stringify(canary), ...inputRecord({ request: facts, policy, now, seed, staleSnapshot: stale, ...(stateBefore === undefined ? {} : { strategyState: stateBefore }), snapshot }) })
      : null;
    if (c.logDecisions || record !== null) this.#logAfterResponse(c.logDecisions ? { decision, decisionUs, mode, colo: facts.client.colo, route: note?.route } : null, record, waitUntil);
    return { decision, snapshot, decisionMs, client: facts.client };
  }

  /**
   * The decision's log line and record, built a macrotask after the decision and kept alive by
   * waitUntil: their summary, explanation and input JSON (~1 ms) stay off the path to the
   * forward's fetch. For a forward the timer fires while the proxy's answer is in flight, not
   * after it; moving it after the first chunk resolved no gain (BENCHMARKS.md, session 8) and
   * would hold the line back by the answer's time to first token. Everything they read is fixed
   * at the decision (its frame, the facts, the snapshot, the strategy state copied before it).
   */
  #logAfterResponse(line: DecisionLine | null, record: (() => DecisionRow) | null, waitUntil: (p: Promise<unknown>) => void): void {
    const work = (): void => {
      if (line !== null) this.deps.log(decisionLine(line));
      if (record !== null) this.decisions.record(record(), waitUntil);
    };
    waitUntil(
      new Promise<void>((resolve) => setTimeout(resolve, 0))
        .then(work)
        .catch((err: unknown) => this.deps.log(JSON.stringify({ level: 'error', msg: 'decision log failed', error: err instanceof Error ? err.message : String(err) }))),
    );
  }

  async #answer(request: Request, url: URL, path: AppPath, d: Decided, mode: AnswerMode, now: number, traced: Traced | null): Promise<Response> {
    const { decision, snapshot } = d;
    if (mode === 'explain') return json({ synthetic: true, decision });
    const targets = [decision.chosen, ...decision.fallbacks]
      .filter((id): id is string => id !== null)
      .flatMap((id): ForwardTarget[] => {
        const cl = snapshot.clusters.get(id);
        return cl === undefined ? [] : [{ clusterId: id, proxyUrl: cl.proxyUrl }];
      });
    const first = targets[0];
    if (first === undefined)
      return errorResponse(
        continentUnserved(snapshot.app.residency, snapshot.clusters.values(), d.client.continent)
          ? refuse.continentUnserved(d.client.continent)
          : refuse.noCandidate(),
      );
    // Token and redirect answers: the proxy continues from the decision span (the client calls it).
    const decisionTp = traced?.decide?.traceparent;
    const mint = (index: number, traceparent = decisionTp): Promise<{ token: string; expiresAt: number }> =>
      mintToken({
        config: this.deps.config,
        snapshot,
        decision,
        fn: path.fn,
        clusterIds: targets.slice(index).map((t) => t.clusterId),
        now,
        route: (decision as RoutedDecision).route?.route ?? null,
        ...(traceparent === undefined ? {} : { traceparent }),
      });
    if (mode === 'token') {
      const { token, expiresAt } = await mint(0);
      return tokenResponse({ token, expiresAt, url: upstreamUrl(first.proxyUrl, path.publicPath, url.search), decisionId: decision.id });
    }
    if (mode === 'redirect') {
      const { token } = await mint(0);
      return redirectResponse(first.proxyUrl, path.publicPath, url.search, token);
    }
    const result = await forward({
      request,
      upstreamPath: path.publicPath,
      search: url.search,
      decisionId: decision.id,
      targets,
      mint: async (i, tp) => (await mint(i, tp)).token,
      ...(traced === null ? {} : { attemptSpan: (clusterId: string) => forwardSpan(traced, clusterId, snapshot) }),
      fetcher: this.deps.fetcher,
      forwardCredentials: snapshot.app.requests.forwardAuthorization,
      retryBudget: { shares: this.#retryBuffers, project: snapshot.app.projectId },
      log: this.deps.log,
    });
    return result.ok ? result.response : this.#forwardFailed(result, decision.id);
  }

  /** No cluster answered: either the client left (its fault, nobody reads the answer) or all refused. */
  #forwardFailed(result: { attempts: readonly ForwardAttempt[]; clientGone: boolean }, decisionId: string): Response {
    const tried = result.attempts.map((a) => `${a.clusterId} (${a.error ?? a.status ?? '?'})`);
    if (result.clientGone) {
      this.deps.log(JSON.stringify({ level: 'info', msg: 'client left before the proxy answered', decision: decisionId, tried }));
      return errorResponse(refuse.clientGone());
    }
    this.deps.log(JSON.stringify({ level: 'warn', msg: 'every cluster refused', decision: decisionId, tried }));
    return errorResponse(refuse.allRefused(result.attempts.length));
  }
}

interface DecisionLine {
  readonly decision: Decision;
  readonly decisionUs: number;
  readonly mode: AnswerMode;
  readonly colo: string | null;
  readonly route: string | null | undefined;
}

function decisionLine({ decision, decisionUs, mode, colo, route }: DecisionLine): string {
  return JSON.stringify({
    msg: 'decision', id: decision.id, app: decision.appId, fn: decision.fn, mode, outcome: decision.outcome,
    chosen: decision.chosen, reason: decision.reason, tier: decision.tier, stale: decision.stale,
    synthetic: decision.synthetic, decisionUs, colo, summary: decision.summary,
    ...(route === undefined ? {} : { route }),
  });
}

/** The edge's CLIENT span for one forward attempt to a cluster's regional proxy. */
function forwardSpan(traced: Traced, clusterId: string, snapshot: AppSnapshot): EdgeSpan {
  const proxyUrl = snapshot.clusters.get(clusterId)?.proxyUrl;
  return traced.trace.start('edge forward', 'client', traced.server, { 'switchyard.cluster': clusterId, 'url.full': proxyUrl });
}

/** The hash of the app's job key header (never the raw value, which is client data), or null. */
async function jobKeyHashOf(headers: Headers, appId: string, header: string | null): Promise<string | null> {
  const read = readJobKey(header, header === null ? null : headers.get(header));
  if (!read.ok) throw refuse.badJobKey(read.problem);
  return read.key === null ? null : hashJobKey(appId, read.key);
}

/** Whether the key check against `checked` also holds for `app`. */
function sameGate(checked: AppGate | null, app: AppSnapshot['app']): boolean {
  return checked !== null && checked.authRequired === app.authRequired && checked.projectId === app.projectId;
}

/** Decision-log stats for the operator's /health: how many projects lost rows, never which. */
function withoutTenants(stats: WriteBufferStats): Omit<WriteBufferStats, 'droppedByKey'> & { projectsWithDrops: number } {
  const { droppedByKey, ...totals } = stats;
  return { ...totals, projectsWithDrops: droppedByKey === undefined ? 0 : Object.keys(droppedByKey).length };
}
