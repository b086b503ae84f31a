import { describe, expect, it } from 'vitest';
import { LLAMACPP, SGLANG, TGI, VLLM_V0, VLLM_V1 } from './engine-metric-samples.ts';
import { readEngineMetrics, type EngineLoad, type EngineSetting } from './read-engine-metrics.ts';

const none = { kvUsage: null, kvCapacityTokens: null, blockSize: null, prefixQueries: null, prefixHits: null, prefixHitRate: null, modelLoaded: null, queueTime: null, runTime: null, e2eTime: null };

describe('readEngineMetrics on each engine’s own metric text', () => {
  it.each<[string, string, EngineSetting, EngineLoad]>([
    ['vLLM V1 (kv_cache_usage_perc, cache_config_info, prefix counters)', VLLM_V1, 'auto', { ...none, engine: 'vllm', running: 3, waiting: 2, kvUsage: 0.42, kvCapacityTokens: 16 * 81767, blockSize: 16, prefixQueries: 1000, prefixHits: 560, prefixHitRate: 0.56, queueTime: { seconds: 12.5, count: 100 }, runTime: { seconds: 245, count: 98 } }],
    ['vLLM V0 (gpu_cache_usage_perc, hit-rate gauge)', VLLM_V0, 'auto', { ...none, engine: 'vllm', running: 5, waiting: 1, kvUsage: 0.734, prefixHitRate: 0.25 }],
    // SGLang has no running-time histogram: its end-to-end latency instead.
    ['SGLang', SGLANG, 'auto', { ...none, engine: 'sglang', running: 162, waiting: 2826, kvUsage: 0.28, prefixHitRate: 0.007507552643049313, queueTime: { seconds: 5504, count: 11008 }, e2eTime: { seconds: 60544, count: 11008 } }],
    ['SGLang ≥ 0.5.4 (sglang_ prefix)', 'sglang_num_running_reqs{model_name="m"} 1\nsglang_num_queue_reqs{model_name="m"} 4\nsglang_token_usage{model_name="m"} 0.5\nsglang_max_total_num_tokens{model_name="m"} 144870\n', 'auto', { ...none, engine: 'sglang', running: 1, waiting: 4, kvUsage: 0.5, kvCapacityTokens: 144870 }],
    ['TGI', TGI, 'auto', { ...none, engine: 'tgi', running: 4, waiting: 7, queueTime: { seconds: 2.1, count: 42 }, runTime: { seconds: 84, count: 42 } }],
    ['llama.cpp', LLAMACPP, 'auto', { ...none, engine: 'llamacpp', running: 2, waiting: 1, kvUsage: 0.63 }],
    ['configured engine', TGI, 'tgi', { ...none, engine: 'tgi', running: 4, waiting: 7, queueTime: { seconds: 2.1, count: 42 }, runTime: { seconds: 84, count: 42 } }],
    ['a histogram with a _sum and no _count: not read', 'vllm:num_requests_running 0\nvllm:request_queue_time_seconds_sum 3\n', 'auto', { ...none, engine: 'vllm', running: 0, waiting: 0 }],
    ['a negative queue-time sum: the times left out, the load still read', 'vllm:num_requests_running 1\nvllm:request_queue_time_seconds_sum -1\nvllm:request_queue_time_seconds_count 1\n', 'auto', { ...none, engine: 'vllm', running: 1, waiting: 0 }],
    ['two engines (ranks) summed', 'vllm:num_requests_running 0\nvllm:request_queue_time_seconds_sum{engine="0"} 1\nvllm:request_queue_time_seconds_count{engine="0"} 4\nvllm:request_queue_time_seconds_sum{engine="1"} 2\nvllm:request_queue_time_seconds_count{engine="1"} 6\n', 'auto', { ...none, engine: 'vllm', running: 0, waiting: 0, queueTime: { seconds: 3, count: 10 } }],
    ['two models summed', 'vllm:num_requests_running{model_name="a"} 1\nvllm:num_requests_running{model_name="b"} 2\n', 'auto', { ...none, engine: 'vllm', running: 3, waiting: 0 }],
    ['labels containing braces and quotes', 'vllm:num_requests_running{model_name="we}ird\\"x"} 4\n', 'auto', { ...none, engine: 'vllm', running: 4, waiting: 0 }],
    ['the sim’s model-loaded gauge', 'vllm:num_requests_running 1\nsim_model_loaded{model_name="m"} 0\n', 'auto', { ...none, engine: 'vllm', running: 1, waiting: 0, modelLoaded: false }],
    ['newer kv name wins when both are present', 'vllm:num_requests_running 0\nvllm:gpu_cache_usage_perc 0.9\nvllm:kv_cache_usage_perc 0.1\n', 'auto', { ...none, engine: 'vllm', running: 0, waiting: 0, kvUsage: 0.1 }],
    ['prefix counters at zero queries', 'vllm:num_requests_running 0\nvllm:prefix_cache_queries_total 0\nvllm:prefix_cache_hits_total 0\n', 'auto', { ...none, engine: 'vllm', running: 0, waiting: 0, prefixQueries: 0, prefixHits: 0 }],
  ])('reads %s', (_name, text, engine, expected) => {
    expect(readEngineMetrics(text, engine)).toEqual({ ok: true, load: expected });
  });

  it.each([
    ['an HTML page', '<html><body>502 Bad Gateway</body></html>', 'auto', /not a Prometheus sample/],
    ['an empty body', '', 'auto', /no running-requests gauge/],
    ['a non-numeric value', 'vllm:num_requests_running abc\n', 'auto', /not a number/],
    ['a negative gauge', 'vllm:num_requests_running -1\n', 'auto', /expected a finite number >= 0/],
    ['a NaN gauge', 'vllm:num_requests_running NaN\n', 'auto', /expected a finite number >= 0/],
    ['a NaN KV gauge', 'vllm:num_requests_running 1\nvllm:kv_cache_usage_perc NaN\n', 'auto', /kv_cache_usage_perc is NaN/],
    ['the wrong configured engine', VLLM_V1, 'sglang', /no sglang:num_running_reqs/],
    ['waiting without running', 'vllm:num_requests_waiting 1\n', 'auto', /no running-requests gauge/],
  ] as const)('refuses %s', (_name, text, engine, reason) => {
    const r = readEngineMetrics(text, engine);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
