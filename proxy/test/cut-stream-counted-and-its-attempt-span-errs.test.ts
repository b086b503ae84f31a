import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys, type TestKeys } from './harness.ts';

let sim: SimCluster;
let proxy: RunningProxy;
let keys: TestKeys;
const spans = new InMemorySpanExporter();

beforeAll(async () => {
  keys = await testKeys();
  sim = await startReplica('c1', 'r0', { tokensPerSecond: 100 });
  sim.control.setDieMidStream(true, 3);
  proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], jwks: keys.jwks, deps: { traceExporter: spans } });
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
});

it('a replica dying mid-stream is counted as a cut stream and its attempt span ends in error', async () => {
  const r = await rawRequest(proxy.url, {
    path: `/v4/${APP}/v1/chat/completions`,
    body: chatBody({ stream: true, max_tokens: 20, stream_options: { include_usage: true } }),
    headers: { 'x-switchyard-token': await keys.mint(), accept: 'text/event-stream' },
  });
  expect(r.complete).toBe(false);
  const text = await (await fetch(`${proxy.adminUrl}/_switchyard/metrics`)).text();
  expect(text).toContain(`switchyard_proxy_gen_ai_streams_total{app="${APP}",cluster="c1",result="cut"} 1`);
  expect(text).not.toContain('result="completed"');
  await proxy.runtime.tracing?.flush();
  const attempt = spans.getFinishedSpans().find((s) => s.kind === 2);
  expect(attempt?.status.code).toBe(2); // ERROR
  expect(attempt?.attributes['switchyard.stream.end']).toBe('cut');
  expect(attempt?.attributes['error.type']).toEqual(expect.any(String));
  // No usage arrived: no token attributes are invented.
  expect(attempt?.attributes['gen_ai.usage.output_tokens']).toBeUndefined();
});
