import { describe, expect, it } from 'vitest';
import { LLAMACPP, SGLANG, TGI, VLLM_V0, VLLM_V1 } from '../../shared/engine-metrics/engine-metric-samples.ts';
import { parseMetrics } from './parse-metrics.ts';
import { summarizeApp } from './summarize-app.ts';

const vllm = `# HELP vllm:num_requests_running Number of requests currently running on GPU.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{model_name="llama"} 3.0
vllm:num_requests_waiting{model_name="llama"} 2.0
vllm:gpu_cache_usage_perc{model_name="llama"} 0.75
vllm:request_success_total{model_name="llama",finished_reason="stop"} 12 1700000000000
`;

describe('parseMetrics', () => {
  it.each([
    ['vLLM text', vllm, { running: 3, waiting: 2, cacheUsage: 0.75, modelLoaded: null, queueTime: null, runTime: null, e2eTime: null }],
    ['two models summed', 'vllm:num_requests_running{model_name="a"} 1\nvllm:num_requests_running{model_name="b"} 2\n', { running: 3, waiting: 0, cacheUsage: null, modelLoaded: null, queueTime: null, runTime: null, e2eTime: null }],
    ['labels containing braces and quotes', 'vllm:num_requests_running{model_name="we}ird\\"x"} 4\n', { running: 4, waiting: 0, cacheUsage: null, modelLoaded: null, queueTime: null, runTime: null, e2eTime: null }],
    ['no labels', 'vllm:num_requests_running 0\nvllm:num_requests_waiting 5\n', { running: 0, waiting: 5, cacheUsage: null, modelLoaded: null, queueTime: null, runTime: null, e2eTime: null }],
    ['other NaN metrics are ignored', 'foo NaN\nvllm:num_requests_running 1\n', { running: 1, waiting: 0, cacheUsage: null, modelLoaded: null, queueTime: null, runTime: null, e2eTime: null }],
    ['the sim\'s model-loaded gauge (pending)', 'vllm:num_requests_running 1\nsim_model_loaded{model_name="m"} 0\n', { running: 1, waiting: 0, cacheUsage: null, modelLoaded: false, queueTime: null, runTime: null, e2eTime: null }],
    ['the sim\'s model-loaded gauge (loaded)', 'vllm:num_requests_running 0\nsim_model_loaded 1\n', { running: 0, waiting: 0, cacheUsage: null, modelLoaded: true, queueTime: null, runTime: null, e2eTime: null }],
  ])('reads %s', (_name, text, expected) => {
    expect(parseMetrics(text)).toEqual({ ok: true, metrics: expected });
  });

  it.each([
    ['an HTML page', '<html><body>502 Bad Gateway</body></html>', /not a Prometheus sample/],
    ['an empty body', '', /no running-requests gauge/],
    ['a non-numeric value', 'vllm:num_requests_running abc\n', /not a number/],
    ['a negative gauge', 'vllm:num_requests_running -1\n', /expected a finite number >= 0/],
    ['a NaN gauge', 'vllm:num_requests_running NaN\n', /expected a finite number >= 0/],
    ['metrics without the running gauge', 'vllm:num_requests_waiting 1\n', /no running-requests gauge/],
    // Finite but absurd: summed over replicas it overflows (one-apps-absurd-metrics-stop-no-push.test.ts).
    ['an implausible running count', 'vllm:num_requests_running 1e308\n', /implausible/],
    ['an implausible waiting count', 'vllm:num_requests_running 1\nvllm:num_requests_waiting 2000000\n', /implausible/],
  ])('refuses %s', (_name, text, reason) => {
    const r = parseMetrics(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('hot/warm/cold from each engine’s metrics', () => {
  // 8 slots per replica: hotFree = 8 - running (never negative), hotBusy = running, queued = waiting.
  it.each([
    ['vLLM V1', VLLM_V1, { hotFree: 5, hotBusy: 3, queued: 2 }],
    ['vLLM V0', VLLM_V0, { hotFree: 3, hotBusy: 5, queued: 1 }],
    ['SGLang', SGLANG, { hotFree: 0, hotBusy: 162, queued: 2826 }],
    ['TGI', TGI, { hotFree: 4, hotBusy: 4, queued: 7 }],
    ['llama.cpp', LLAMACPP, { hotFree: 6, hotBusy: 2, queued: 1 }],
  ])('%s', (_name, text, expected) => {
    const r = parseMetrics(text);
    expect(r.ok).toBe(true);
    const state = summarizeApp({
      clusterId: 'c1',
      app: { appId: 'acme/chat', replicas: ['http://r0'], slotsPerReplica: 8, gpuType: 'H100', warm: 2, cold: 4 },
      observations: [{ url: 'http://r0', healthy: true, metrics: r.ok ? r.metrics : null, problem: null }],
      headroom: { warm: 0, cold: 0 },
      pricePerHour: 1,
      previousLastServedAt: null,
      now: 1000,
    });
    expect({ hotFree: state.hotFree, hotBusy: state.hotBusy, queued: state.queued }).toEqual(expected);
    expect([state.warm, state.cold, state.health]).toEqual([2, 4, 'healthy']);
  });
});
