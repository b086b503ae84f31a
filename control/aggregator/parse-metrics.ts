/**
 * What the aggregator needs from one replica's `/metrics`, for any engine (vLLM, SGLang, TGI,
 * llama.cpp): the shared reader in shared/engine-metrics, the same one the proxy uses.
 */
import { readEngineMetrics, type EngineSetting } from '../../shared/engine-metrics/read-engine-metrics.ts';

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
  return { ok: true, metrics: { running: l.running, waiting: l.waiting, cacheUsage: l.kvUsage, modelLoaded: l.modelLoaded } };
}
