/**
 * An inference engine streaming an answer sends its head (200 text/event-stream) at once and its
 * first token after the prefill. A plain (not managed) stream's outcome recorded the head's time
 * as its TTFB: a cluster whose prefill took seconds looked as fast as any to the edge's slowness
 * term, the canary gates' TTFT and the proxy's latency reports (session 47's stated limit). Its
 * first byte is now its first body chunk, as managed streams measured it already: real proxy,
 * real simulated engine, real libSQL, and the edge's own snapshot read of the outcomes.
 */
import { expect, it } from 'vitest';
import { loadAppSnapshot } from '../../shared/snapshot/load-app-snapshot.ts';
import { waitFor } from './harness.ts';
import { useSlowPrefill } from './slow-prefill-fixture.ts';

const PREFILL_MS = 400;
const slow = useSlowPrefill(PREFILL_MS);

async function chat(stream: boolean): Promise<{ headAfterMs: number; text: string }> {
  const t0 = performance.now();
  const res = await slow.chat(stream);
  const headAfterMs = performance.now() - t0;
  expect(res.status).toBe(200);
  return { headAfterMs, text: await res.text() };
}

async function ttfbs(): Promise<number[]> {
  const rs = await slow.f.client.execute("SELECT ttfb_ms FROM outcomes WHERE app_id = 'acme/open' ORDER BY at");
  return rs.rows.map((r) => Number(r['ttfb_ms']));
}

it("records a plain stream's time to its first token, not to its head", async () => {
  await slow.f.proxy.refresh(); // the replica list, read from libSQL
  const streamed = await chat(true);
  // The head came well before the first token: the case the outcome used to get wrong.
  expect(streamed.headAfterMs).toBeLessThan(PREFILL_MS / 2);
  expect(streamed.text).toContain('data: [DONE]');
  await waitFor(async () => (await ttfbs()).length === 1, 'the stream recorded', 10_000);
  expect((await ttfbs())[0]).toBeGreaterThanOrEqual(PREFILL_MS);
  // The proxy's own TTFB histogram says the same: its one sample is above the 0.25 s bucket.
  const scrape = await (await fetch(`${slow.f.proxy.adminUrl}/_switchyard/metrics`)).text();
  const bucket = (le: string): number => Number(new RegExp(`switchyard_proxy_upstream_ttfb_seconds_bucket\\{[^}]*le="${le.replace('+', '\\+')}"[^}]*\\} (\\d+)`).exec(scrape)?.[1]);
  expect([bucket('0.25'), bucket('+Inf')]).toEqual([0, 1]);
});

it("the edge's snapshot read gives the cluster that time as its least TTFB, which the slowness term compares", async () => {
  const c1 = (await loadAppSnapshot(slow.f.client, 'acme/open', Date.now()))?.outcomes?.get('c1');
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
