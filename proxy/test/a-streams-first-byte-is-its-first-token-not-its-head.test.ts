/**
 * An inference engine streaming an answer sends its head (200 text/event-stream) at once and its
 * first token after the prefill. A plain (not managed) stream's outcome recorded the head's time
 * as its TTFB: a cluster whose prefill took seconds looked as fast as any to the edge's slowness
 * term, the canary gates' TTFT and the proxy's latency reports (session 47's stated limit). Its
 * first byte is now its first body chunk, as managed streams measured it already: real proxy,
 * real simulated engine, real libSQL, and the edge's own snapshot read of the outcomes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { loadAppSnapshot } from '../../shared/snapshot/load-app-snapshot.ts';
import { startReplica, waitFor } from './harness.ts';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

const PREFILL_MS = 400;
let sim: SimCluster;
let f: InRegionFixture;

beforeAll(async () => {
  sim = await startReplica('c1', 'r0');
  sim.control.apply({ reset: true, firstTokenDelayMs: PREFILL_MS });
  f = await startInRegionFixture(sim.url);
});
afterAll(async () => {
  await f.close();
  await sim.close();
});

async function chat(stream: boolean): Promise<{ headAfterMs: number; text: string }> {
  const t0 = performance.now();
  const res = await fetch(`${f.proxy.url}/v4/acme/open/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'demo-llm', stream, max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const headAfterMs = performance.now() - t0;
  expect(res.status).toBe(200);
  return { headAfterMs, text: await res.text() };
}

async function ttfbs(): Promise<number[]> {
  const rs = await f.client.execute("SELECT ttfb_ms FROM outcomes WHERE app_id = 'acme/open' ORDER BY at");
  return rs.rows.map((r) => Number(r['ttfb_ms']));
}

it("records a plain stream's time to its first token, not to its head", async () => {
  await f.proxy.refresh(); // the replica list, read from libSQL
  const streamed = await chat(true);
  // The head came well before the first token: the case the outcome used to get wrong.
  expect(streamed.headAfterMs).toBeLessThan(PREFILL_MS / 2);
  expect(streamed.text).toContain('data: [DONE]');
  await waitFor(async () => (await ttfbs()).length === 1, 'the stream recorded', 10_000);
  expect((await ttfbs())[0]).toBeGreaterThanOrEqual(PREFILL_MS);
  // The proxy's own TTFB histogram says the same: its one sample is above the 0.25 s bucket.
  const scrape = await (await fetch(`${f.proxy.adminUrl}/_switchyard/metrics`)).text();
  const bucket = (le: string): number => Number(new RegExp(`switchyard_proxy_upstream_ttfb_seconds_bucket\\{[^}]*le="${le.replace('+', '\\+')}"[^}]*\\} (\\d+)`).exec(scrape)?.[1]);
  expect([bucket('0.25'), bucket('+Inf')]).toEqual([0, 1]);
});

it("the edge's snapshot read gives the cluster that time as its least TTFB, which the slowness term compares", async () => {
  const c1 = (await loadAppSnapshot(f.client, 'acme/open', Date.now()))?.outcomes?.get('c1');
  expect(c1?.requests).toBe(1);
  expect(c1?.ttfbMinMs).toBeGreaterThanOrEqual(PREFILL_MS);
});

it('a non-streamed answer keeps its head as its first byte (the whole answer waits for it)', async () => {
  const whole = await chat(false);
  expect(whole.headAfterMs).toBeGreaterThanOrEqual(PREFILL_MS);
  await waitFor(async () => (await ttfbs()).length === 2, 'the answer recorded', 10_000);
  const last = (await ttfbs())[1] ?? NaN;
  expect(last).toBeGreaterThanOrEqual(PREFILL_MS);
  expect(last).toBeLessThanOrEqual(whole.headAfterMs);
});
