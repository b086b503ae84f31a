/**
 * Tenant isolation: app acme/chat (maxConcurrency 1) floods async jobs behind a job that holds its
 * only slot. Its submits past the per-app cap get 429 `jobs-queue-full` (nothing stored), the
 * accepted ones wait without re-sending themselves through the proxy every second, and app
 * acme/open (another tenant) keeps its latency. Once the slot frees, the line drains promptly
 * (each job's end wakes the next, not one retry per second). Real proxy, real libSQL, a replica
 * that holds the first job. Before the fix: every submit was accepted and each queued job
 * retried about once a second (the audit measured 200 refusals/s and open's p50 6 ms → 1.2 s).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JOB_QUEUE_MIN } from '../src/async-job-queue.ts';
import { waitFor } from './harness.ts';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

const FLOOD = 200;
let upstream: Server;
let f: InRegionFixture;
const held: ServerResponse[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(200).end('ok');
    req.resume();
    req.on('end', () => {
      if (req.url?.includes('hold') === true) return void held.push(res);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  f = await startInRegionFixture(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, {
    chatLimits: { maxConcurrency: 1, maxRps: null, scope: 'proxy' },
  });
});
afterAll(async () => {
  for (const r of held) r.destroy();
  await f.close();
  await new Promise((r) => upstream.close(r));
});

async function refusals(): Promise<number> {
  const counter = await f.proxy.runtime.metrics.refusals.get();
  return counter.values.find((v) => v.labels['code'] === 'concurrency-limited')?.value ?? 0;
}

/** Sorted latencies (ms) of `n` plain requests of the other tenant, one after another. */
async function openLatencies(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(`${f.proxy.url}/v4/acme/open/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"m","messages":[]}', signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    await res.text();
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}
const p50 = (xs: number[]): number => xs[Math.floor(xs.length / 2)] ?? NaN;

it('one app flooding async jobs gets 429 past its cap and does not slow another tenant', async () => {
  await openLatencies(30); // warm-up: the first requests pay for connections and JIT
  const baseline = p50(await openLatencies(40));
  const key = await f.serviceKey('acme/chat');
  const submit = async (path: string): Promise<Response> => {
    const res = await fetch(`${f.proxy.url}/v4/acme/chat/v1/chat/completions${path}?async=1`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: '{"model":"demo-llm","messages":[]}',
    });
    return res;
  };
  const first = await submit('/hold');
  expect(first.status).toBe(202);
  await first.text();
  await waitFor(() => held.length === 1, 'the first job holds the only slot', 10_000);

  const statuses: number[] = [];
  let full: { code?: string; message?: string } | undefined;
  let retryAfter: string | null = null;
  const accepted: string[] = [];
  for (let i = 0; i < FLOOD; i += 50) {
    await Promise.all(Array.from({ length: 50 }, async () => {
      const res = await submit('');
      statuses.push(res.status);
      const body = (await res.json()) as { id?: string; error?: { code?: string; message?: string } };
      if (res.status === 202 && body.id !== undefined) accepted.push(body.id);
      if (res.status === 429) { full = body.error; retryAfter = res.headers.get('retry-after'); }
    }));
  }
  // Default cap for maxConcurrency 1: 64 unfinished jobs, the holding one included.
  expect(statuses.filter((s) => s === 202)).toHaveLength(JOB_QUEUE_MIN - 1);
  expect(statuses.filter((s) => s === 429)).toHaveLength(FLOOD - (JOB_QUEUE_MIN - 1));
  expect(full).toMatchObject({ code: 'jobs-queue-full' });
  expect(full?.message).toContain('PROXY_JOB_MAX_QUEUED_PER_APP');
  expect(Number(retryAfter)).toBeGreaterThan(0);

  // Waiting jobs do not poll: at most one probe per Retry-After for the whole app.
  await new Promise((r) => setTimeout(r, 1_500));
  const r0 = await refusals();
  const t0 = Date.now();
  const during = p50(await openLatencies(40));
  await new Promise((r) => setTimeout(r, Math.max(0, 4_000 - (Date.now() - t0))));
  const perS = ((await refusals()) - r0) / ((Date.now() - t0) / 1000);
  expect(perS).toBeLessThan(5);
  // Loose on purpose (a loaded 2-core machine): before the fix this was ~100× the baseline (the
  // audit: 6 ms → 1.2 s). Under load a request is ~2 ms or, when its process waits for a core,
  // 10-250 ms, so a p50 taken in a quiet moment and one in a busy one differ by more than 3×:
  // 2.6 ms before and 14.7 ms during were seen beside two busy loops (the old bound: 3× + 25 ms).
  expect(during, `open p50 ${during.toFixed(1)} ms during the flood vs ${baseline.toFixed(1)} ms before`).toBeLessThan(3 * baseline + 100);

  // The slot frees: each ending job wakes the next, so the line drains in seconds, not one a second
  // (63 s for these 63): 40 s, as 9.4 s were seen on a loaded machine.
  for (const r of held.splice(0)) r.writeHead(200, { 'content-type': 'application/json' }).end('{"held":true}');
  const status = async (id: string): Promise<string> => ((await (await fetch(`${f.proxy.url}/_switchyard/jobs/${id}`)).json()) as { status: string }).status;
  await waitFor(async () => (await status(accepted.at(-1) ?? '')) === 'completed', 'the last accepted job completes', 40_000);
  const done = await Promise.all(accepted.map(status));
  expect(done.every((s) => s === 'completed')).toBe(true);
  // Room again: a new submit is accepted.
  const again = await submit('');
  expect(again.status).toBe(202);
  await again.text();
}, 90_000);
