/**
 * What the aggregator needs from one replica's `/metrics`, for any engine (vLLM, SGLang, TGI,
 * llama.cpp): the shared reader in shared/engine-metrics, the same one the proxy uses.
 */
import { readEngineMetrics, type EngineSetting, type TimeTotals } from '../../shared/engine-metrics/read-engine-metrics.ts';

export interface ReplicaMetrics {
  readonly running: number;
  readonly waiting: number;
  /** KV-cache usage 0..1, or null when the server does not export it. */
  readonly cacheUsage: number | null;
  /**
   * Whether the model is loaded, from `sim_model_loaded` (engines that load lazily report it);
   * null when the server does not say (vLLM: ready means loaded).
   */
  readonly modelLoaded: boolean | null;
  /** The engine's queue-time and running-time histogram totals (engine-times.ts); null when not published. */
  readonly queueTime: TimeTotals | null;
  readonly runTime: TimeTotals | null;
  /** End-to-end latency totals (SGLang, which has no running-time histogram). */
  readonly e2eTime?: TimeTotals | null;
}

/**
 * Most requests one replica can plausibly report running or waiting. Each gauge is checked
 * finite, but a sum over replicas of absurd values (two at 1e308) is not: one app's bogus page
 * turned its row non-finite and libSQL refused the whole cluster's push, every app's.
 */
export const MAX_REPLICA_REQUESTS = 1_000_000;

/** Whether a replica's counts could be real; anything else is a bad scrape, like garbage. */
export function plausibleLoad(m: Pick<ReplicaMetrics, 'running' | 'waiting'>): boolean {
  return m.running <= MAX_REPLICA_REQUESTS && m.waiting <= MAX_REPLICA_REQUESTS;
}

export type MetricsResult = { readonly ok: true; readonly metrics: ReplicaMetrics } | { readonly ok: false; readonly reason: string };

/**
 * Parses Prometheus text strictly enough that garbage (an HTML error page, a truncated body)
 * is refused rather than read as "0 running": a wrong zero would advertise free capacity.
 */
export function parseMetrics(text: string, engine: EngineSetting = 'auto'): MetricsResult {
  const r = readEngineMetrics(text, engine);
  if (!r.ok) return r;
  const l = r.load;
  if (!plausibleLoad(l)) return { ok: false, reason: `${l.running} running / ${l.waiting} waiting, more than ${MAX_REPLICA_REQUESTS} is implausible` };
  return { ok: true, metrics: { running: l.running, waiting: l.waiting, cacheUsage: l.kvUsage, modelLoaded: l.modelLoaded, queueTime: l.queueTime, runTime: l.runTime, e2eTime: l.e2eTime } };
}
