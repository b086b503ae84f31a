import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys, type TestKeys } from './harness.ts';

// An app with managed streams (heartbeats / continuation) is a GenAI app like any other: its
// streams must show up in the GenAI metrics. The managed path splices the replica's events itself
// and recorded none of them (no TTFT, no tokens, no stream end); both paths now share one
// delivery hook (tracing-genai-watch.ts: watchDelivery / recordDelivery).
let sim: SimCluster;
let proxy: RunningProxy;
let keys: TestKeys;

beforeAll(async () => {
  keys = await testKeys();
  sim = await startReplica('c1', 'r0', { tokensPerSecond: 200 });
  proxy = await startTestProxy({
    endpoints: [{ cluster: 'c1', url: sim.url }],
    apps: [{ id: APP, requests: { streams: { heartbeats: true, heartbeatIntervalMs: 1000, continuation: true } } }],
    jwks: keys.jwks,
  });
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
});

it('a managed streamed chat completion is counted like an unmanaged one: TTFT, time per output token, tokens, stream end', async () => {
  const r = await rawRequest(proxy.url, {
    path: `/v4/${APP}/v1/chat/completions`,
    body: chatBody({ stream: true, max_tokens: 5, stream_options: { include_usage: true } }),
    headers: { 'x-switchyard-token': await keys.mint(), accept: 'text/event-stream' },
  });
  expect(r.status).toBe(200);
  expect(r.complete).toBe(true);
  const text = await (await fetch(`${proxy.adminUrl}/_switchyard/metrics`)).text();
  const labels = `app="${APP}",cluster="c1"`;
  expect(text).toContain(`switchyard_proxy_gen_ai_streams_total{${labels},result="completed"} 1`);
  expect(text).toContain(`switchyard_proxy_gen_ai_tokens_total{${labels},type="input"}`);
  expect(text).toContain(`switchyard_proxy_gen_ai_tokens_total{${labels},type="output"} 5`);
  expect(text).toContain(`switchyard_proxy_gen_ai_time_to_first_chunk_seconds_count{${labels}} 1`);
  expect(text).toContain(`switchyard_proxy_gen_ai_time_per_output_token_seconds_count{${labels}} 1`);
});
