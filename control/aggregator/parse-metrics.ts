/** The vLLM gauges the aggregator needs from one replica's `/metrics`, summed over label sets. */
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

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)(?:\s+-?\d+)?$/;
const RUNNING = 'vllm:num_requests_running';
const WAITING = 'vllm:num_requests_waiting';
const CACHE = 'vllm:gpu_cache_usage_perc';
const LOADED = 'sim_model_loaded';

/**
 * Parses Prometheus text exposition strictly enough that garbage (an HTML error page, a
 * truncated body) is refused rather than read as "0 running": a wrong zero would advertise
 * free capacity that does not exist.
 */
export function parseMetrics(text: string): MetricsResult {
  const sums = new Map<string, number>();
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    const name = m?.[1];
    const valueText = m?.[3];
    if (name === undefined || valueText === undefined) return { ok: false, reason: `line ${lineNo} is not a Prometheus sample` };
    const value = Number(valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') return { ok: false, reason: `line ${lineNo}: value '${valueText}' is not a number` };
    if (name === RUNNING || name === WAITING || name === CACHE || name === LOADED) {
      if (!Number.isFinite(value) || value < 0) return { ok: false, reason: `${name} is ${valueText}, expected a finite number >= 0` };
      sums.set(name, (sums.get(name) ?? 0) + value);
    }
  }
  const running = sums.get(RUNNING);
  const waiting = sums.get(WAITING);
  if (running === undefined) return { ok: false, reason: `no ${RUNNING} sample` };
  return { ok: true, metrics: { running: Math.round(running), waiting: Math.round(waiting ?? 0), cacheUsage: sums.get(CACHE) ?? null, modelLoaded: loadedOf(sums.get(LOADED)) } };
}

/** A replica serves one model, so any non-zero sample means loaded. */
function loadedOf(sum: number | undefined): boolean | null {
  return sum === undefined ? null : sum > 0;
}
