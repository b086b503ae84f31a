/**
 * The load and KV-cache families of `/metrics` under a real engine's names: vLLM's by default
 * (current `kv_cache_usage_perc` and the older `gpu_cache_usage_perc`, `cache_config_info`,
 * prefix-cache counters), or SGLang's. Readers (aggregator, proxy) see nothing a real engine
 * would not publish.
 */
import type { KvReport } from './kv-cache-model.ts';

export type MetricNames = 'vllm' | 'sglang';
export const METRIC_NAMES: readonly MetricNames[] = ['vllm', 'sglang'];

export type Sample = readonly [labels: Readonly<Record<string, string>>, value: number];

export interface Family {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly help: string;
  readonly samples: readonly Sample[];
}

export interface EngineFamilyInput {
  readonly model: string;
  readonly slots: number;
  readonly running: number;
  readonly waiting: number;
  /** Absent: no KV model, usage reads as running / slots (as before prefix caching). */
  readonly kv?: KvReport;
  readonly names?: MetricNames;
}

export function engineFamilies(m: EngineFamilyInput): Family[] {
  const model = { model_name: m.model };
  const usage = m.kv?.usage ?? (m.slots === 0 ? 0 : m.running / m.slots);
  const kv = m.kv;
  if (m.names === 'sglang') {
    return [
      { name: 'sglang:num_running_reqs', type: 'gauge', help: 'The number of running requests', samples: [[model, m.running]] },
      { name: 'sglang:num_queue_reqs', type: 'gauge', help: 'The number of requests in the waiting queue', samples: [[model, m.waiting]] },
      { name: 'sglang:token_usage', type: 'gauge', help: 'The token usage', samples: [[model, usage]] },
      ...(kv === undefined
        ? []
        : ([
            { name: 'sglang:cache_hit_rate', type: 'gauge', help: 'The cache hit rate', samples: [[model, kv.queries === 0 ? 0 : kv.hits / kv.queries]] },
            { name: 'sglang:max_total_num_tokens', type: 'gauge', help: 'Maximum total number of tokens in the KV pool', samples: [[model, kv.blocks * kv.blockTokens]] },
          ] satisfies Family[])),
    ];
  }
  return [
    { name: 'vllm:num_requests_running', type: 'gauge', help: 'Number of requests currently running on GPU.', samples: [[model, m.running]] },
    { name: 'vllm:num_requests_waiting', type: 'gauge', help: 'Number of requests waiting to be processed.', samples: [[model, m.waiting]] },
    { name: 'vllm:gpu_cache_usage_perc', type: 'gauge', help: 'GPU KV-cache usage. 1 means 100 percent usage.', samples: [[model, usage]] },
    ...(kv === undefined
      ? []
      : ([
          { name: 'vllm:kv_cache_usage_perc', type: 'gauge', help: 'KV-cache usage. 1 means 100 percent usage.', samples: [[model, usage]] },
          { name: 'vllm:prefix_cache_queries_total', type: 'counter', help: 'Prefix cache queries, in terms of number of queried tokens.', samples: [[model, kv.queries]] },
          { name: 'vllm:prefix_cache_hits_total', type: 'counter', help: 'Prefix cache hits, in terms of number of cached tokens.', samples: [[model, kv.hits]] },
          {
            name: 'vllm:cache_config_info',
            type: 'gauge',
            help: 'Information of the LLMEngine CacheConfig',
            samples: [[{ block_size: String(kv.blockTokens), enable_prefix_caching: 'True', num_gpu_blocks: String(kv.blocks) }, 1]],
          },
        ] satisfies Family[])),
  ];
}

/** A histogram rendered with only its `+Inf` bucket: what a reader of sums and counts needs. */
export interface HistogramFamily {
  readonly name: string;
  readonly help: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly sum: number;
  readonly count: number;
}

/** Totals of the request-time histograms (counters.ts), under the engine's names. */
export interface RequestTimes {
  readonly queueSeconds: number;
  readonly queueCount: number;
  readonly runSeconds: number;
  readonly runCount: number;
  readonly e2eSeconds: number;
}

/**
 * The engine's request-time histograms: vLLM publishes the wait (WAITING phase) and the running
 * time (RUNNING phase); SGLang the wait and the end-to-end latency, not the running time.
 */
export function engineHistograms(model: string, t: RequestTimes, names: MetricNames = 'vllm'): HistogramFamily[] {
  const labels = { model_name: model };
  if (names === 'sglang') {
    return [
      { name: 'sglang:queue_time_seconds', help: 'Histogram of queueing time in seconds.', labels, sum: t.queueSeconds, count: t.queueCount },
      { name: 'sglang:e2e_request_latency_seconds', help: 'Histogram of End-to-end request latency in seconds', labels, sum: t.e2eSeconds, count: t.runCount },
    ];
  }
  return [
    { name: 'vllm:request_queue_time_seconds', help: 'Histogram of time spent in WAITING phase for request.', labels, sum: t.queueSeconds, count: t.queueCount },
    { name: 'vllm:request_inference_time_seconds', help: 'Histogram of time spent in RUNNING phase for request.', labels, sum: t.runSeconds, count: t.runCount },
  ];
}
