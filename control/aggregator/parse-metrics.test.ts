import { describe, expect, it } from 'vitest';
import { parseMetrics } from './parse-metrics.ts';

const vllm = `# HELP vllm:num_requests_running Number of requests currently running on GPU.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{model_name="llama"} 3.0
vllm:num_requests_waiting{model_name="llama"} 2.0
vllm:gpu_cache_usage_perc{model_name="llama"} 0.75
vllm:request_success_total{model_name="llama",finished_reason="stop"} 12 1700000000000
`;

describe('parseMetrics', () => {
  it.each([
    ['vLLM text', vllm, { running: 3, waiting: 2, cacheUsage: 0.75, modelLoaded: null }],
    ['two models summed', 'vllm:num_requests_running{model_name="a"} 1\nvllm:num_requests_running{model_name="b"} 2\n', { running: 3, waiting: 0, cacheUsage: null, modelLoaded: null }],
    ['labels containing braces and quotes', 'vllm:num_requests_running{model_name="we}ird\\"x"} 4\n', { running: 4, waiting: 0, cacheUsage: null, modelLoaded: null }],
    ['no labels', 'vllm:num_requests_running 0\nvllm:num_requests_waiting 5\n', { running: 0, waiting: 5, cacheUsage: null, modelLoaded: null }],
    ['other NaN metrics are ignored', 'foo NaN\nvllm:num_requests_running 1\n', { running: 1, waiting: 0, cacheUsage: null, modelLoaded: null }],
    ['the sim\'s model-loaded gauge (pending)', 'vllm:num_requests_running 1\nsim_model_loaded{model_name="m"} 0\n', { running: 1, waiting: 0, cacheUsage: null, modelLoaded: false }],
    ['the sim\'s model-loaded gauge (loaded)', 'vllm:num_requests_running 0\nsim_model_loaded 1\n', { running: 0, waiting: 0, cacheUsage: null, modelLoaded: true }],
  ])('reads %s', (_name, text, expected) => {
    expect(parseMetrics(text)).toEqual({ ok: true, metrics: expected });
  });

  it.each([
    ['an HTML page', '<html><body>502 Bad Gateway</body></html>', /not a Prometheus sample/],
    ['an empty body', '', /no vllm:num_requests_running/],
    ['a non-numeric value', 'vllm:num_requests_running abc\n', /not a number/],
    ['a negative gauge', 'vllm:num_requests_running -1\n', /expected a finite number >= 0/],
    ['a NaN gauge', 'vllm:num_requests_running NaN\n', /expected a finite number >= 0/],
    ['metrics without the running gauge', 'vllm:num_requests_waiting 1\n', /no vllm:num_requests_running/],
  ])('refuses %s', (_name, text, reason) => {
    const r = parseMetrics(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
