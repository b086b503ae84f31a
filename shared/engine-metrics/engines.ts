/**
 * Which metric names each inference engine publishes on `/metrics`, so one reader serves
 * the aggregator (hot/warm/cold) and the proxy (replica choice) for every engine alike.
 * Sources of the names: vLLM `vllm/v1/metrics/loggers.py` and its Production Metrics docs;
 * SGLang `docs/references/production_metrics.md` (and the `sglang_` prefix of ≥ 0.5.4);
 * TGI `docs/source/reference/metrics.md`; llama.cpp `tools/server/README.md` (`--metrics`).
 */

export type EngineName = 'vllm' | 'sglang' | 'tgi' | 'llamacpp';
export const ENGINES: readonly EngineName[] = ['vllm', 'sglang', 'tgi', 'llamacpp'];

export interface EngineNames {
  /** Requests being generated (summed over label sets); required: it identifies the engine. */
  readonly running: readonly string[];
  /** Requests waiting for a slot. */
  readonly waiting: readonly string[];
  /** KV-cache usage as a 0..1 ratio; the first name present wins (newer names first). */
  readonly kvUsage: readonly string[];
  /** Cumulative prefix-cache lookups and hits (tokens), when the engine counts them. */
  readonly prefixQueries: readonly string[];
  readonly prefixHits: readonly string[];
  /** A 0..1 prefix-cache hit-rate gauge, for engines that publish a rate and no counters. */
  readonly prefixHitRate: readonly string[];
  /** Info gauge whose labels carry `block_size` and `num_gpu_blocks` (vLLM). */
  readonly cacheConfigInfo: readonly string[];
  /** A gauge of the KV pool's size in tokens (SGLang `max_total_num_tokens`). */
  readonly kvCapacityTokens: readonly string[];
  /**
   * Histograms, by base name (their `_sum` and `_count` are read): seconds requests waited for a
   * slot, and seconds they ran (prefill and decode: how long a request holds its slot). An engine
   * without a running-time histogram (SGLang) has its end-to-end latency read instead.
   */
  readonly queueTime: readonly string[];
  readonly runTime: readonly string[];
  readonly e2eTime: readonly string[];
}

/** The fields of `EngineNames` that name histograms, not samples. */
export const HISTOGRAM_FIELDS = ['queueTime', 'runTime', 'e2eTime'] as const satisfies ReadonlyArray<keyof EngineNames>;

/** SGLang renamed `sglang:` to `sglang_` in 0.5.4; both spellings are read. */
const sg = (n: string): string[] => [`sglang:${n}`, `sglang_${n}`];

export const ENGINE_NAMES: Readonly<Record<EngineName, EngineNames>> = {
  vllm: {
    running: ['vllm:num_requests_running'],
    waiting: ['vllm:num_requests_waiting'],
    // vLLM V1 renamed gpu_cache_usage_perc to kv_cache_usage_perc (both are ratios 0..1).
    kvUsage: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'],
    prefixQueries: ['vllm:prefix_cache_queries_total', 'vllm:gpu_prefix_cache_queries_total'],
    prefixHits: ['vllm:prefix_cache_hits_total', 'vllm:gpu_prefix_cache_hits_total'],
    prefixHitRate: ['vllm:gpu_prefix_cache_hit_rate'],
    cacheConfigInfo: ['vllm:cache_config_info'],
    kvCapacityTokens: [],
    queueTime: ['vllm:request_queue_time_seconds'],
    runTime: ['vllm:request_inference_time_seconds'],
    e2eTime: [],
  },
  sglang: {
    running: sg('num_running_reqs'),
    waiting: sg('num_queue_reqs'),
    kvUsage: sg('token_usage'),
    prefixQueries: [],
    prefixHits: [],
    prefixHitRate: sg('cache_hit_rate'),
    cacheConfigInfo: [],
    kvCapacityTokens: sg('max_total_num_tokens'),
    queueTime: sg('queue_time_seconds'),
    runTime: [],
    e2eTime: sg('e2e_request_latency_seconds'),
  },
  tgi: {
    running: ['tgi_batch_current_size'],
    waiting: ['tgi_queue_size'],
    kvUsage: [],
    prefixQueries: [],
    prefixHits: [],
    prefixHitRate: [],
    cacheConfigInfo: [],
    kvCapacityTokens: [],
    queueTime: ['tgi_request_queue_duration'],
    runTime: ['tgi_request_inference_duration'],
    e2eTime: [],
  },
  llamacpp: {
    running: ['llamacpp:requests_processing'],
    waiting: ['llamacpp:requests_deferred'],
    kvUsage: ['llamacpp:kv_cache_usage_ratio'],
    prefixQueries: [],
    prefixHits: [],
    prefixHitRate: [],
    cacheConfigInfo: [],
    kvCapacityTokens: [],
    queueTime: [],
    runTime: [],
    e2eTime: [],
  },
};

/** Every family any engine reader needs (plus the simulator's model-loaded gauge). */
export const ALL_ENGINE_FAMILIES: ReadonlySet<string> = new Set([
  'sim_model_loaded',
  ...ENGINES.flatMap((e) =>
    Object.entries(ENGINE_NAMES[e]).flatMap(([field, names]: [string, readonly string[]]) =>
      (HISTOGRAM_FIELDS as readonly string[]).includes(field) ? names.flatMap((n) => [`${n}_sum`, `${n}_count`]) : names,
    ),
  ),
]);
