import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys, type TestKeys } from './harness.ts';

// The SDK reports a failed export only to its diag logger, silent by default: an operator whose
// collector was down or mistyped saw nothing. Dropped spans are now counted (and logged).
class DeadCollector implements SpanExporter {
  export(_spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    done({ code: 1, error: new Error('connect ECONNREFUSED 127.0.0.1:4318') });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

let sim: SimCluster;
let proxy: RunningProxy;
let keys: TestKeys;

beforeAll(async () => {
  keys = await testKeys();
  sim = await startReplica('c1', 'r0');
  proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], jwks: keys.jwks, deps: { traceExporter: new DeadCollector() } });
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
});

it('spans a dead collector refused show in switchyard_proxy_trace_spans_dropped_total', async () => {
  const r = await rawRequest(proxy.url, {
    path: `/v4/${APP}/v1/chat/completions`,
    body: chatBody({ max_tokens: 2 }),
    headers: { 'x-switchyard-token': await keys.mint() },
  });
  expect(r.status).toBe(200);
  await proxy.runtime.tracing?.flush().catch(() => undefined); // the flush itself reports the failure
  const text = await (await fetch(`${proxy.adminUrl}/_switchyard/metrics`)).text();
  // server + admission + one attempt
  expect(text).toContain('switchyard_proxy_trace_spans_dropped_total 3');
});
