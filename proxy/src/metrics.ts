/**
 * Prometheus metrics on a per-proxy registry (not the global one, so several
 * proxies can live in one process, as tests and benchmarks do).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CounterBatch } from './counter-batch.ts';

export interface ProxyMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'cluster' | 'status'>;
  readonly refusals: Counter<'code'>;
  readonly attempts: Counter<'cluster' | 'result'>;
  readonly retries: Counter<'reason'>;
  readonly ejections: Counter<'cluster'>;
  readonly ttfb: Histogram<'cluster'>;
  readonly inFlight: Gauge;
  readonly websockets: Gauge;
  readonly circuitOpen: Gauge<'cluster'>;
  readonly streamRecoveries: Counter<'cluster' | 'result'>;
  readonly heartbeatStreams: Counter;
  /** Hot-path form of `requests` (cluster, status): counted in a Map, summed in at scrape. */
  readonly requestsBatch: CounterBatch<'cluster' | 'status'>;
  /** Hot-path form of `attempts` (cluster, result). */
  readonly attemptsBatch: CounterBatch<'cluster' | 'result'>;
}

export function createMetrics(defaultMetrics: boolean): ProxyMetrics {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'switchyard_proxy_' });
  const registers = [registry];
  const requestsBatch = new CounterBatch<'cluster' | 'status'>(['cluster', 'status']);
  const attemptsBatch = new CounterBatch<'cluster' | 'result'>(['cluster', 'result']);
  return {
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
    ttfb: new Histogram({
      name: 'switchyard_proxy_upstream_ttfb_seconds',
      help: 'Upstream time to response headers',
      labelNames: ['cluster'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    inFlight: new Gauge({
      name: 'switchyard_proxy_in_flight',
      help: 'HTTP exchanges in flight (streams included)',
      registers,
    }),
    websockets: new Gauge({
      name: 'switchyard_proxy_websockets',
      help: 'Open proxied WebSockets',
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
      help: '1 when the cluster circuit is open',
      labelNames: ['cluster'],
      registers,
    }),
  };
}
