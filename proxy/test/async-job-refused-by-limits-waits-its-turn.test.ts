/**
 * An async job that the proxy's own concurrency limit refuses (429 + Retry-After) goes back to
 * the queue and runs when a slot frees, instead of completing with the 429: absorbing a burst is
 * what callers submit async jobs for. Real proxy, real libSQL, a replica that holds the first job.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from './harness.ts';
import { startHoldingUpstream, type HoldingUpstream } from './holding-upstream.ts';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

let upstream: HoldingUpstream;
let f: InRegionFixture;

beforeAll(async () => {
  upstream = await startHoldingUpstream();
  f = await startInRegionFixture(upstream.url, {
    chatLimits: { maxConcurrency: 1, maxRps: null, scope: 'proxy' },
  });
});
afterAll(async () => {
  await f.close();
  await upstream.close();
});

interface JobStatus { id: string; status: string; attempts: number; resultStatus: number | null; resultUrl: string | null }

async function submit(key: string): Promise<JobStatus> {
  const res = await fetch(`${f.proxy.url}/v4/acme/chat/v1/chat/completions?async=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: '{"model":"demo-llm","messages":[]}',
  });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as JobStatus;
}

const status = async (id: string): Promise<JobStatus> => (await (await fetch(`${f.proxy.url}/_switchyard/jobs/${id}`)).json()) as JobStatus;

async function refusals(): Promise<number> {
  const counter = await f.proxy.runtime.metrics.refusals.get();
  return counter.values.find((v) => v.labels['code'] === 'concurrency-limited')?.value ?? 0;
}

it('queues a job refused by the concurrency limit again and completes it once the slot frees', async () => {
  const key = await f.serviceKey('acme/chat');
  const first = await submit(key);
  await waitFor(() => upstream.held.length === 1, 'the first job holds the only slot', 10_000);
  const second = await submit(key);
  // Refused at least twice: it came back after its Retry-After and was refused again.
  await waitFor(async () => (await refusals()) >= 2, 'the second job is refused while the slot is held', 15_000);
  const waiting = await status(second.id);
  expect(waiting.status).not.toBe('completed');
  expect(waiting.resultStatus).toBeNull();
  expect(waiting.attempts).toBeLessThanOrEqual(1);

  upstream.releaseHeld();
  let done = waiting;
  await waitFor(async () => (done = await status(second.id)).status === 'completed', 'the second job completes', 15_000);
  expect(done.resultStatus).toBe(200);
  expect(await (await fetch(`${f.proxy.url}${done.resultUrl ?? ''}`)).json()).toEqual({ call: 2 });
  expect((await status(first.id)).status).toBe('completed');
}, 60_000);
