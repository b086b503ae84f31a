/**
 * Carries one verified HTTP exchange to a replica: walks the token's cluster
 * then its ranked fallbacks, retries only when it is safe (the request body was
 * never read, and the request never reached a replica or is idempotent) and the
 * retry budget allows, then streams the response back with backpressure and no
 * duration cap. An upstream that dies mid-response aborts the client's response.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { RoutingClaims } from '../../shared/tokens/types.ts';
import { chooseEndpoint, trackOutstanding } from './choose-endpoint.ts';
import {
  abortResponse,
  clientHost,
  clientProto,
  sendError,
  writeChunk,
  type ClientRequest,
  type ClientResponse,
} from './client-io.ts';
import {
  ProxyError,
  classifyUpstreamError,
  statusForFailure,
  type UpstreamFailure,
} from './errors.ts';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.ts';
import { spanId, traceId } from './random-ids.ts';
import { UpstreamAbort } from './upstream-abort.ts';
import { callUpstream, type UpstreamResponse } from './upstream-call.ts';
import type { RequestTarget } from './request-target.ts';
import { breakerFor, type ProxyRuntime, type Tracked } from './runtime.ts';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Statuses that count against an endpoint/cluster (the replica is there but not serving). */
const FAILING_STATUS = new Set([502, 503, 504]);

interface BodyTracker {
  started: boolean;
  bytes: number;
}

function hasBody(req: ClientRequest): boolean {
  const len = req.headers['content-length'];
  if (len !== undefined) return Number(len) > 0;
  if (req.headers['transfer-encoding'] !== undefined) return true;
  // HTTP/2 has no framing headers: a body may follow unless the stream already ended.
  return req.httpVersionMajor === 2
    ? !req.readableEnded && req.method !== 'GET' && req.method !== 'HEAD'
    : false;
}

/** A body source undici pulls from; `started` tells us whether any byte was consumed. */
function bodyFrom(req: ClientRequest, tracker: BodyTracker): Readable {
  // Readable.from pulls lazily: nothing is read from the client until undici writes the body.
  return Readable.from(
    (async function* () {
      tracker.started = true;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        tracker.bytes += chunk.length;
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
}

function isStreamingResponse(headers: Record<string, string | string[] | undefined>): boolean {
  const ct = String(headers['content-type'] ?? '').toLowerCase();
  return (
    ct.includes('text/event-stream') ||
    ct.includes('application/x-ndjson') ||
    ct.includes('application/jsonl')
  );
}

interface AttemptLog {
  clusterId: string;
  endpoint: string;
  failure: UpstreamFailure;
}

/** Proxy one exchange whose token passed the gate. Never throws; always ends `res`. */
export async function forwardHttp(
  rt: ProxyRuntime,
  req: ClientRequest,
  res: ClientResponse,
  claims: RoutingClaims,
  target: RequestTarget,
): Promise<void> {
  const start = rt.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const bodyExpected = hasBody(req);
  const tracker: BodyTracker = { started: false, bytes: 0 };
  const ac = new UpstreamAbort();
  let clientGone = false;
  res.on('close', () => {
    if (res.writableEnded) return;
    clientGone = true;
    ac.abort();
  });
  const tracked: Tracked = {
    kind: 'http',
    close: () => (ac.abort(), abortResponse(res)),
    // Drain: a request still waiting for its replica's first byte is told to retry, and cut upstream.
    refuseIfUnstarted: (err) => {
      if (res.headersSent) return false;
      sendError(res, err, 'stream' in res ? {} : { connection: 'close' });
      ac.abort();
      return true;
    },
  };
  rt.inFlight.add(tracked);
  rt.metrics.inFlight.inc();
  const headers = upstreamRequestHeaders(req.headers, {
    policy: target.headerPolicy, // credentials only for apps that forward them
    clientIp: req.socket?.remoteAddress ?? 'unknown',
    proto: clientProto(req),
    host: clientHost(req),
    traceId,
    spanId,
  });
  rt.budget.request(start);
  const failures: AttemptLog[] = [];
  const clusters = [claims.cluster, ...claims.fallbacks.filter((c) => c !== claims.cluster)];
  let attempt = 0;
  let skipped: 'circuit-open' | 'no-endpoints' | null = null;
  try {
    for (const clusterId of clusters) {
      const breaker = breakerFor(rt, clusterId);
      if (rt.registry.endpoints(clusterId, target.appId).length === 0) {
        skipped ??= 'no-endpoints';
        continue;
      }
      if (!breaker.allow(rt.now())) {
        skipped = 'circuit-open';
        continue;
      }
      const tried = new Set<string>();
      let clusterFailed = false;
      for (;;) {
        if (clientGone) return;
        const ep = chooseEndpoint(rt, clusterId, target.appId, req.headers, tried);
        if (ep === null || attempt >= rt.config.maxAttempts) break;
        tried.add(ep.url);
        const attemptNo = attempt;
        attempt += 1;
        const t0 = rt.now();
        const release = trackOutstanding(rt, clusterId, target.appId, ep.url);
        let up: UpstreamResponse;
        try {
          up = await callUpstream(
            rt.dispatcher,
            {
              origin: ep.url,
              path: target.upstreamPath,
              method: method as Dispatcher.HttpMethod,
              headers,
              body: bodyExpected ? bodyFrom(req, tracker) : null,
              headersTimeout: rt.config.upstreamHeadersTimeoutMs,
              // Streams have no idle cap; non-stream silence is watched below.
              bodyTimeout: 0,
            },
            ac,
          );
        } catch (err) {
          release();
          // Our own abort (client gone, drain) or the client's fault (body over the limit) is no upstream failure.
          if (clientGone || ac.aborted) return;
          if (err instanceof ProxyError) return sendError(res, err);
          const failure = classifyUpstreamError(err);
          failures.push({ clusterId, endpoint: ep.url, failure });
          clusterFailed = true;
          noteEndpointFailure(rt, clusterId, ep.url);
          rt.metrics.attempts.inc({ cluster: clusterId, result: failure.code });
          rt.recordOutcome({
            decisionId: claims.did,
            attempt: attemptNo,
            proxyId: rt.config.id,
            clusterId,
            endpoint: ep.url,
            status: 0,
            ttfbMs: null,
            durationMs: rt.now() - t0,
            bytesIn: tracker.bytes,
            bytesOut: 0,
            error: failure.detail,
            at: rt.now(),
          });
          const safe =
            !tracker.started &&
            (failure.beforeSend || failure.code === 'upstream-reset' || IDEMPOTENT.has(method));
          if (!safe) {
            breaker.failure(rt.now());
            sendError(
              res,
              new ProxyError(
                failure.code,
                statusForFailure(failure.code),
                `cluster ${clusterId} failed after the request was sent (${failure.code}); not retried because it may have been processed`,
              ),
            );
            return;
          }
          if (!rt.budget.tryRetry(rt.now())) {
            breaker.failure(rt.now());
            sendError(
              res,
              new ProxyError(
                failure.code,
                statusForFailure(failure.code),
                `cluster ${clusterId} failed (${failure.code}) and the retry budget is spent`,
                true,
                1,
              ),
            );
            return;
          }
          rt.metrics.retries.inc({ reason: failure.code });
          continue;
        }
        const ttfb = rt.now() - t0;
        rt.latency.ttfb(clusterId, ttfb);
        rt.metrics.ttfb.observe({ cluster: clusterId }, ttfb / 1000);
        // The cluster answered: its circuit closes even if this replica is unwell.
        breaker.success();
        if (FAILING_STATUS.has(up.statusCode)) noteEndpointFailure(rt, clusterId, ep.url);
        else rt.outliers.success(ep.url);
        rt.metrics.attemptsBatch.inc(clusterId, String(up.statusCode));
        await streamResponse(rt, res, up, clusterId, ac);
        release();
        const bytesOut = streamed.get(res) ?? 0;
        const error = streamError.get(res) ?? null;
        rt.metrics.requestsBatch.inc(clusterId, String(up.statusCode));
        rt.recordOutcome({
          decisionId: claims.did,
          attempt: attemptNo,
          proxyId: rt.config.id,
          clusterId,
          endpoint: ep.url,
          status: up.statusCode,
          ttfbMs: ttfb,
          durationMs: rt.now() - start,
          bytesIn: tracker.bytes,
          bytesOut,
          error,
          at: rt.now(),
        });
        // Access logs off (the usual production level is warn) must cost nothing per request.
        if (rt.logger.isLevelEnabled('info'))
          rt.logger.info(
            {
              did: claims.did,
              app: target.appId,
              fn: target.fn,
              method,
              status: up.statusCode,
              cluster: clusterId,
              endpoint: ep.url,
              attempt: attemptNo,
              ttfbMs: ttfb,
              durationMs: rt.now() - start,
              bytesIn: tracker.bytes,
              bytesOut,
              error,
            },
            'request',
          );
        return;
      }
      // Every replica we tried in this cluster failed: that is one failure of the cluster.
      if (clusterFailed) breaker.failure(rt.now());
    }
    const last = failures[failures.length - 1];
    const err =
      last !== undefined
        ? new ProxyError(
            'all-clusters-failed',
            statusForFailure(last.failure.code),
            `every cluster failed for ${target.appId}: ${failures.map((f) => `${f.clusterId} ${f.failure.code}`).join(', ')}`,
            true,
            1,
          )
        : skipped === 'circuit-open'
          ? new ProxyError(
              'circuit-open',
              503,
              `circuit open for ${clusters.join(', ')}; try the next fallback`,
              true,
              1,
            )
          : new ProxyError(
              'no-endpoints',
              503,
              `no replicas of ${target.appId} in ${clusters.join(', ')} are known to this proxy`,
              true,
              1,
            );
    rt.metrics.requests.inc({ cluster: 'none', status: String(err.status) });
    rt.logger.warn(
      {
        did: claims.did,
        app: target.appId,
        fn: target.fn,
        method,
        status: err.status,
        code: err.code,
        attempts: attempt,
      },
      'request failed',
    );
    sendError(res, err);
  } finally {
    rt.inFlight.delete(tracked);
    rt.metrics.inFlight.dec();
  }
}

function noteEndpointFailure(rt: ProxyRuntime, clusterId: string, url: string): void {
  if (rt.outliers.failure(url, rt.now())) rt.metrics.ejections.inc({ cluster: clusterId });
}

const streamed = new WeakMap<ClientResponse, number>();
const streamError = new WeakMap<ClientResponse, string>();

/** Pump the upstream body to the client: backpressure both ways, idle watch only for non-streams. */
function streamResponse(
  rt: ProxyRuntime,
  res: ClientResponse,
  up: UpstreamResponse,
  clusterId: string,
  ac: UpstreamAbort,
): Promise<void> {
  return new Promise((resolve) => {
    const outHeaders: OutgoingHttpHeaders = {
      ...downstreamResponseHeaders(up.headers),
      'x-switchyard-cluster': clusterId,
    };
    const streaming = isStreamingResponse(up.headers);
    if (rt.draining && !('stream' in res)) outHeaders['connection'] = 'close';
    if (res.writableEnded || res.destroyed) {
      up.abort(new Error('client gone'));
      resolve();
      return;
    }
    res.writeHead(up.statusCode, outHeaders);
    // Headers first, so SSE clients see the stream open before the first event; but when body
    // bytes are already here they leave with the headers in one write (one syscall, not two).
    if (!('stream' in res) && (streaming || !up.bodyArrived))
      (res as ServerResponse).flushHeaders();
    let bytes = 0;
    let done = false;
    let idle: NodeJS.Timeout | null = null;
    const armIdle = (): void => {
      if (streaming || rt.config.idleTimeoutMs === 0) return;
      if (idle !== null) idle.refresh();
      else
        idle = setTimeout(() => {
          streamError.set(res, 'idle-timeout');
          up.abort(new Error('idle timeout'));
        }, rt.config.idleTimeoutMs);
    };
    const finish = (): void => {
      if (done) return;
      done = true;
      if (idle !== null) clearTimeout(idle);
      res.off('close', onClose);
      streamed.set(res, bytes);
      resolve();
    };
    const onClose = (): void => {
      if (res.writableEnded) return;
      if (!streamError.has(res)) streamError.set(res, 'client-closed');
      ac.abort();
      up.abort(new Error('client closed'));
      finish();
    };
    res.once('close', onClose);
    up.pipe({
      data(chunk) {
        bytes += chunk.length;
        if (idle !== null) idle.refresh();
        if (writeChunk(res, chunk)) return true;
        res.once('drain', () => up.resume());
        return false;
      },
      end() {
        res.end();
        finish();
      },
      error(err) {
        if (done) return;
        // Our own abort (client left, drain) is recorded as the client's doing, not the upstream's.
        if (ac.aborted && !streamError.has(res)) streamError.set(res, 'client-closed');
        // Upstream died (or went idle) mid-response: the client must see an error, never a clean end.
        if (!streamError.has(res)) streamError.set(res, classifyUpstreamError(err).detail);
        abortResponse(res);
        finish();
      },
    });
    // Armed only now: a small response usually ended inside pipe(), and then needs no timer.
    if (!done) armIdle();
  });
}
