import { describe, expect, it } from 'vitest';
import { zeroCounters } from './counters.ts';
import { escapeLabel, renderMetrics } from './metrics-text.ts';

describe('renderMetrics', () => {
  const text = renderMetrics({
    model: 'demo-llm',
    clusterId: 'us-east-1',
    replicaId: 'r0',
    gpuType: 'H100',
    slots: 4,
    running: 3,
    waiting: 2,
    modelLoaded: true,
    coldStarts: 1,
    counters: { ...zeroCounters(), completed: 7 },
  });

  it.each([
    ['vllm:num_requests_running{model_name="demo-llm"} 3'],
    ['vllm:num_requests_waiting{model_name="demo-llm"} 2'],
    ['vllm:gpu_cache_usage_perc{model_name="demo-llm"} 0.75'],
    ['vllm:request_success_total{model_name="demo-llm"} 7'],
    ['sim_model_loaded{model_name="demo-llm"} 1'],
    ['# TYPE vllm:num_requests_running gauge'],
    ['# TYPE vllm:request_success_total counter'],
  ])('contains %s', (line) => {
    expect(text.split('\n')).toContain(line);
  });

  it('ends with a newline and has HELP and TYPE before every family', () => {
    expect(text.endsWith('\n')).toBe(true);
    expect(text.match(/^# HELP /gm)?.length).toBe(text.match(/^# TYPE /gm)?.length);
  });

  it.each([
    ['plain', 'plain'],
    ['a"b', 'a\\"b'],
    ['a\\b', 'a\\\\b'],
    ['a\nb', 'a\\nb'],
  ])('escapeLabel(%j)', (input, out) => {
    expect(escapeLabel(input)).toBe(out);
  });
});
