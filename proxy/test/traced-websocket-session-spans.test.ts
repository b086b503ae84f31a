/**
 * A sampled WebSocket is traced like any request: a server span continuing the token's trace
 * that lasts the whole session and ends with its close code and byte counts, the admission, and
 * one CLIENT span per handshake attempt whose traceparent reaches the replica — a failed attempt
 * (the token's cluster is down) ends in error, the fallback's ends at its 101. Before, sessions
 * produced no span at all.
 */
import { once } from 'node:events';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startReplica, startTestProxy, testKeys, waitFor, type TestKeys } from './harness.ts';

const EDGE_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const EDGE_SPAN = '00f067aa0ba902b7';
let dead: SimCluster;
let live: SimCluster;
let keys: TestKeys;
let proxy: RunningProxy;
const spans = new InMemorySpanExporter();

beforeAll(async () => {
  keys = await testKeys();
  dead = await startReplica('c1', 'r0');
  await dead.close();
  live = await startReplica('c2', 'r0', { tokensPerSecond: 1000 });
  proxy = await startTestProxy({
    endpoints: [{ cluster: 'c1', url: dead.url }, { cluster: 'c2', url: live.url }],
    jwks: keys.jwks,
    deps: { traceExporter: spans },
  });
});
afterAll(async () => {
  await proxy.close();
  await live.close();
});

it('spans the session, each handshake attempt, and ends with the close code and bytes', async () => {
  const token = await keys.mint({ cluster: 'c1', fallbacks: ['c2'], tp: `00-${EDGE_TRACE}-${EDGE_SPAN}-01` });
  const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v4/${APP}/v1/ws?sy_token=${token}`);
  await once(ws, 'open');
  const done = new Promise<void>((resolve) => ws.on('message', (d: Buffer) => String(d).includes('"done"') && resolve()));
  ws.send(JSON.stringify({ id: 'x', prompt: 'hello there', max_tokens: 4 }));
  await done;
  // While the session is open its server span has not ended.
  await proxy.runtime.tracing?.flush();
  expect(spans.getFinishedSpans().find((s) => s.kind === 1)).toBeUndefined();
  ws.close(1000);
  await once(ws, 'close');

  let got: ReadableSpan[] = [];
  await waitFor(async () => {
    await proxy.runtime.tracing?.flush();
    got = spans.getFinishedSpans();
    return got.some((s) => s.kind === 1);
  }, 'the session span ends after the close');
  const server = got.find((s) => s.kind === 1);
  const attempts = got.filter((s) => s.kind === 2).sort((a, b) => Number(a.attributes['switchyard.attempt']) - Number(b.attributes['switchyard.attempt']));
  expect(server?.name).toBe(`GET /v4/${APP}/v1/ws`);
  expect(server?.parentSpanContext?.spanId).toBe(EDGE_SPAN);
  for (const s of got) expect(s.spanContext().traceId).toBe(EDGE_TRACE);
  expect(server?.attributes).toMatchObject({ 'http.response.status_code': 101, 'switchyard.websocket.close_code': 1000 });
  expect(Number(server?.attributes['switchyard.websocket.bytes_in'])).toBeGreaterThan(0);
  expect(Number(server?.attributes['switchyard.websocket.bytes_out'])).toBeGreaterThan(0);
  expect(got.some((s) => s.name === 'proxy admission')).toBe(true);
  expect(attempts.map((s) => s.attributes['switchyard.cluster'])).toEqual(['c1', 'c2']);
  expect(attempts[0]?.status.code).toBe(2); // SpanStatusCode.ERROR: the dead cluster
  expect(attempts[1]?.attributes['http.response.status_code']).toBe(101);
  for (const a of attempts) expect(a.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
  expect(JSON.stringify(got.map((s) => s.attributes))).not.toContain(token);
});
