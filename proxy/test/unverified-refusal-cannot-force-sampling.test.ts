import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys, type TestKeys } from './harness.ts';

// Sample ratio 0: only a verified edge context may ask for recording. A request refused before
// its token verified is anyone's; its `traceparent ...-01` must not make the proxy record (and
// export) a trace per refused request of an unauthenticated flood.
let sim: SimCluster;
let keys: TestKeys;
let proxy: RunningProxy;
const spans = new InMemorySpanExporter();
const SAMPLED = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

beforeAll(async () => {
  keys = await testKeys();
  sim = await startReplica('c1', 'r0');
  proxy = await startTestProxy({
    endpoints: [{ cluster: 'c1', url: sim.url }],
    jwks: keys.jwks,
    config: { traceSampleRatio: 0 },
    deps: { traceExporter: spans },
  });
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
});

it('a refusal without a verified token records nothing, whatever its traceparent says', async () => {
  for (const path of [`/v4/${APP}/v1/chat/completions`, `/v4/${APP}/v1/chat/completions?sy_token=not.a.token`]) {
    const r = await rawRequest(proxy.url, { path, body: chatBody({}), headers: { traceparent: SAMPLED } });
    expect(r.status).toBe(401);
  }
  await proxy.runtime.tracing?.flush();
  expect(spans.getFinishedSpans()).toHaveLength(0);
});

it('a verified edge context still asks for recording', async () => {
  const token = await keys.mint({ cluster: 'c1', tp: SAMPLED });
  const r = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions?sy_token=${token}`, body: chatBody({ max_tokens: 2 }) });
  expect(r.status).toBe(200);
  await proxy.runtime.tracing?.flush();
  expect(spans.getFinishedSpans().length).toBeGreaterThan(0);
});

it('an admitted request whose token carries no trace context cannot force recording with its own header', async () => {
  spans.reset();
  const token = await keys.mint({ cluster: 'c1' });
  const r = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions?sy_token=${token}`, body: chatBody({ max_tokens: 2 }), headers: { traceparent: SAMPLED } });
  expect(r.status).toBe(200);
  await proxy.runtime.tracing?.flush();
  expect(spans.getFinishedSpans()).toHaveLength(0);
});
