import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys, type TestKeys } from './harness.ts';

// The edge decided not to sample (tp flags 00). The replica must get that trace with "not
// sampled", not the client's own header nor a fresh sampled trace (an orphan it would record).
const EDGE_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_TRACE = 'b'.repeat(32);
let sim: SimCluster;
let keys: TestKeys;
let proxy: RunningProxy;
const spans = new InMemorySpanExporter();

beforeAll(async () => {
  keys = await testKeys();
  sim = await startReplica('c1', 'r0');
  proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], jwks: keys.jwks, deps: { traceExporter: spans } });
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
});

it.each([
  ['no client header', {}],
  ['a client header of its own sampled trace', { traceparent: `00-${CLIENT_TRACE}-cccccccccccccccc-01`, tracestate: 'vendor=client' }],
])('%s: the replica sees the edge trace, not sampled', async (_name, extra: Record<string, string>) => {
  const token = await keys.mint({ cluster: 'c1', tp: `00-${EDGE_TRACE}-00f067aa0ba902b7-00` });
  const r = await rawRequest(proxy.url, {
    path: `/v4/${APP}/v1/chat/completions?sy_token=${token}`,
    body: chatBody({ max_tokens: 2 }),
    headers: extra,
  });
  expect(r.status).toBe(200);
  const received = JSON.parse(String(r.headers['x-sim-received-headers'])) as Record<string, string>;
  expect(received['traceparent']).toMatch(new RegExp(`^00-${EDGE_TRACE}-[\\da-f]{16}-00$`));
  expect(received['tracestate']).toBeUndefined();
  await proxy.runtime.tracing?.flush();
  expect(spans.getFinishedSpans()).toHaveLength(0);
});
