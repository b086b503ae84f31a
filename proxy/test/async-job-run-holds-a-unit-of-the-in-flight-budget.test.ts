/**
 * An async job's run holds a unit of the proxy's in-flight budget like any request (it goes out
 * through the front door), its submission none: with PROXY_MAX_IN_FLIGHT=2 and one request of
 * the app held, a submission is still accepted, its run is refused 429 `proxy-in-flight-limited`
 * and queued again, and it completes once the held request ends. Real proxy, real libSQL.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from './harness.ts';
import { startHoldingUpstream, type HoldingUpstream } from './holding-upstream.ts';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

let upstream: HoldingUpstream;
let f: InRegionFixture;

beforeAll(async () => {
  upstream = await startHoldingUpstream();
  f = await startInRegionFixture(upstream.url, { proxyConfig: { maxInFlight: 2 } });
});
afterAll(async () => {
  await f.close();
  await upstream.close();
});

interface JobStatus { id: string; status: string; resultStatus: number | null; resultUrl: string | null }

const CHAT = (): string => `${f.proxy.url}/v4/acme/chat/v1/chat/completions`;
const status = async (id: string): Promise<JobStatus> => (await (await fetch(`${f.proxy.url}/_switchyard/jobs/${id}`)).json()) as JobStatus;

async function budgetRefusals(): Promise<number> {
  const counter = await f.proxy.runtime.metrics.refusals.get();
  return counter.values.find((v) => v.labels['code'] === 'proxy-in-flight-limited')?.value ?? 0;
}

it('refuses the run while the app holds its share, accepts the submission, and runs it after', async () => {
  const key = await f.serviceKey('acme/chat');
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const body = '{"model":"demo-llm","messages":[]}';
  const sync = fetch(CHAT(), { method: 'POST', headers, body });
  await waitFor(() => upstream.held.length === 1, 'the first request is held', 10_000);
  expect(f.proxy.runtime.inFlightBudget.total).toBe(1);

  const submitted = await fetch(`${CHAT()}?async=1`, { method: 'POST', headers, body });
  expect(submitted.status, await submitted.clone().text()).toBe(202);
  const job = (await submitted.json()) as JobStatus;
  await waitFor(async () => (await budgetRefusals()) >= 1, 'the run is refused by the budget', 15_000);
  expect((await status(job.id)).status).not.toBe('completed');

  upstream.releaseHeld();
  expect((await sync).status).toBe(200);
  let done: JobStatus = job;
  await waitFor(async () => (done = await status(job.id)).status === 'completed', 'the job completes', 15_000);
  expect(done.resultStatus).toBe(200);
  expect(await (await fetch(`${f.proxy.url}${done.resultUrl ?? ''}`)).json()).toEqual({ call: 2 });
  await waitFor(() => f.proxy.runtime.inFlightBudget.total === 0, 'every unit back');
}, 60_000);
