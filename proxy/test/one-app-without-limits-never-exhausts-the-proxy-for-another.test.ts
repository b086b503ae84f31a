/**
 * Issue 10 P1 (tenant isolation): an app without limits used to hold as many streams as it
 * liked, until the process's open files ran out and accept() and upstream connects failed with
 * EMFILE for every tenant. With a per-process in-flight budget (PROXY_MAX_IN_FLIGHT=40, so a
 * high-water mark of 36), app A, flooding with held streams and a WebSocket, is refused 429
 * `proxy-in-flight-limited` past the mark while app B of another project (no limits either) is
 * still served, and nothing of the refusals counts against the replica. Every unit comes back when A's clients go.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningProxy } from '../src/proxy.ts';
import { rawRequest, startTestProxy, waitFor } from './harness.ts';
import { holdingReplica, open, type Opened } from './stream-holding-replica.ts';

const A = 'acme/a';
const B = 'globex/b';
const BUDGET = 40;
const HIGH_WATER = 36;

describe('one app without limits never exhausts the proxy for another', () => {
  let replica: Awaited<ReturnType<typeof holdingReplica>>;
  let proxy: RunningProxy;
  const held: Opened[] = [];
  let socket: WebSocket | null = null;
  beforeAll(async () => {
    replica = await holdingReplica();
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', app: A, url: replica.url },
        { cluster: 'c1', app: B, url: replica.url },
      ],
      config: { maxInFlight: BUDGET },
    });
  });
  afterAll(async () => {
    for (const h of held) h.req.destroy();
    socket?.terminate();
    await proxy.close();
    await replica.close();
  });

  it('refuses the flooding app past the high-water mark, with a 429 that names no other tenant', async () => {
    // A WebSocket holds a unit like a stream.
    socket = new WebSocket(`${proxy.url.replace('http', 'ws')}/v4/${A}/v1/ws`);
    await once(socket, 'message');
    let refused: Opened | null = null;
    for (let i = 0; i < BUDGET + 10 && refused === null; i += 1) {
      const o = await open(proxy.url, `/v4/${A}/v1/hold`);
      if (o.status === 200) held.push(o);
      else refused = o;
    }
    expect(held.length + 1).toBe(HIGH_WATER);
    expect(refused?.status).toBe(429);
    expect(refused?.res.headers['retry-after']).toBe('1');
    // Nothing reached a replica: the edge may send it to another proxy.
    expect(refused?.res.headers['x-switchyard-refused']).toBe('not-started');
    const body = await refused?.body;
    expect(JSON.parse(body ?? '{}')).toMatchObject({ error: { code: 'proxy-in-flight-limited' } });
    expect(body).not.toContain(B);
    // A WebSocket of the flood is refused the same way.
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v4/${A}/v1/ws`);
    const [, answer] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
    expect(answer.statusCode).toBe(429);
    ws.on('error', () => undefined);
    ws.terminate();
  });

  it('still serves the other app, up to the budget', async () => {
    for (let i = 0; i < 3; i += 1) {
      const r = await rawRequest(proxy.url, { method: 'GET', path: `/v4/${B}/v1/models` });
      expect(r.status).toBe(200);
      expect(r.body).toBe('{"ok":true}');
    }
    // B's own streams take the headroom; at the budget even B waits.
    for (let i = 0; i < BUDGET - HIGH_WATER; i += 1) {
      const o = await open(proxy.url, `/v4/${B}/v1/hold`);
      expect(o.status).toBe(200);
      held.push(o);
    }
    const full = await open(proxy.url, `/v4/${B}/v1/hold`);
    expect(full.status).toBe(429);
    expect(JSON.parse(await full.body)).toMatchObject({ error: { code: 'proxy-in-flight-limited' } });
  });

  it('counts the refusals, and nothing against the replica', async () => {
    const text = await proxy.runtime.metrics.registry.metrics();
    expect(text).toContain('switchyard_proxy_in_flight_budget_refusals_total{reason="over-share",project="acme"} 2');
    expect(text).toContain('switchyard_proxy_in_flight_budget_refusals_total{reason="full",project=""} 1');
    expect(text).toContain('switchyard_proxy_refusals_total{code="proxy-in-flight-limited"} 3');
    expect(text).toMatch(/switchyard_proxy_in_flight_budget_held 40\b/);
    // Only admitted work reached the replica: 36 of A (the WebSocket too), 3 + 4 of B.
    expect(replica.seen()).toBe(HIGH_WATER + 3 + (BUDGET - HIGH_WATER));
    const now = Date.now();
    for (const app of [A, B]) expect(proxy.runtime.outliers.isEjected(app, replica.url, now)).toBe(false);
    for (const breaker of proxy.runtime.breakers.values()) expect(breaker.current(now)).toBe('closed');
    // Every upstream attempt answered 200 (HTTP only: 35 of A, 7 of B); no refusal is an attempt.
    expect(text.match(/^switchyard_proxy_upstream_attempts_total\{.*$/gm)).toEqual([
      `switchyard_proxy_upstream_attempts_total{cluster="c1",result="200"} ${HIGH_WATER - 1 + 3 + (BUDGET - HIGH_WATER)}`,
    ]);
  });

  it('gives every unit back once when the clients go, and admits the app again', async () => {
    for (const h of held.splice(0)) h.req.destroy();
    socket?.terminate();
    await waitFor(() => proxy.runtime.inFlightBudget.total === 0, 'every unit back');
    expect(proxy.runtime.inFlightBudget.projectsHolding).toBe(0);
    const again = await open(proxy.url, `/v4/${A}/v1/hold`);
    expect(again.status).toBe(200);
    again.req.destroy();
    await waitFor(() => proxy.runtime.inFlightBudget.total === 0, 'its unit back');
  });
});
