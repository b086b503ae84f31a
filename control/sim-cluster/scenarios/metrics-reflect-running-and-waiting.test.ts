import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../server.ts';
import { chatBody, rawRequest, startTestCluster, waitFor } from './harness.ts';

/** A minimal exposition-format parser: `name{labels} value` lines, comments checked for shape. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      expect(line).toMatch(/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparseable metrics line: ${line}`);
    out.set(`${m[1] ?? ''}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

describe('metrics text parses and reflects running/waiting', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster({ slots: 2, queue: 3, tokensPerSecond: 100 });
  });
  afterAll(() => sim.close());

  const scrape = async (): Promise<Map<string, number>> => {
    const res = await rawRequest(sim.url, { method: 'GET', path: '/metrics' });
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(res.body);
  };
  const label = '{model_name="demo-llm"}';

  it('idle: zero running and waiting', async () => {
    const m = await scrape();
    expect(m.get(`vllm:num_requests_running${label}`)).toBe(0);
    expect(m.get(`vllm:num_requests_waiting${label}`)).toBe(0);
    expect(m.get(`vllm:gpu_cache_usage_perc${label}`)).toBe(0);
    expect(m.get(`sim_slots${label}`)).toBe(2);
    expect(m.get('sim_replica_info{model_name="demo-llm",cluster_id="test-cluster",replica_id="r0",gpu_type="H100"}')).toBe(1);
  });

  it('busy: two running, one waiting, KV blocks in use, then counters after they finish', async () => {
    const requests = [0, 1, 2].map(() => rawRequest(sim.url, { path: '/v1/chat/completions', body: chatBody({ max_tokens: 100 }) }));
    await waitFor(() => sim.control.snapshot().waiting === 1, 'a request to queue');
    const m = await scrape();
    expect(m.get(`vllm:num_requests_running${label}`)).toBe(2);
    expect(m.get(`vllm:num_requests_waiting${label}`)).toBe(1);
    // KV usage = blocks held by running requests / the cache's blocks (kv-cache-model.ts).
    expect(m.get(`vllm:gpu_cache_usage_perc${label}`)).toBeGreaterThan(0);
    await Promise.all(requests);
    const after = await scrape();
    expect(after.get(`vllm:num_requests_running${label}`)).toBe(0);
    expect(after.get(`vllm:request_success_total${label}`)).toBe(3);
    expect(after.get(`vllm:generation_tokens_total${label}`)).toBe(300);
    expect(after.get(`vllm:prompt_tokens_total${label}`)).toBe(9);
    expect(after.get('sim_requests_total{model_name="demo-llm",outcome="completed"}')).toBe(3);
  });
});
