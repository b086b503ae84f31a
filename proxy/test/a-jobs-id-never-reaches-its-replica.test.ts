/**
 * A job's id is the capability to read its result and cancel it (no token: shared/http/job-path.ts).
 * The proxy's runner sends it to its own front door (`x-switchyard-job`, beside the runner
 * credential) to find the job's claims, and it went on to the replica, into whatever the replica
 * logs, like a presigned URL handed to a third party. It stops at the proxy, as the runner
 * credential does; a client's copy too. Real proxy (in-region, real libSQL), a real replica.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEchoReplica, type EchoReplica } from './echo-replica.ts';
import { waitFor } from './harness.ts';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

let replica: EchoReplica;
let f: InRegionFixture;

beforeAll(async () => {
  replica = await startEchoReplica();
  f = await startInRegionFixture(replica.url);
});
afterAll(async () => {
  await f.close();
  await replica.close();
});

it("a job's run reaches the replica without the job's id or the runner's credential", async () => {
  const res = await fetch(`${f.proxy.url}/v4/acme/open/v1/chat/completions?async=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(res.status).toBe(202);
  const id = ((await res.json()) as { id: string }).id;
  await waitFor(async () => ((await (await fetch(`${f.proxy.url}/_switchyard/jobs/${id}`)).json()) as { status: string }).status === 'completed', 'the job completes', 10_000);
  const seen = replica.received.find((r) => r.method === 'POST')?.headers ?? {};
  expect(JSON.stringify(seen)).not.toContain(id);
  expect(seen['x-switchyard-job-runner']).toBeUndefined();
});

it("a client's own x-switchyard-job never reaches the replica", async () => {
  const res = await fetch(`${f.proxy.url}/v4/acme/open/v1/models`, { headers: { 'x-switchyard-job': `job_${'a'.repeat(32)}` } });
  expect(res.status).toBe(200);
  await res.text();
  expect(replica.received.at(-1)?.headers['x-switchyard-job']).toBeUndefined();
});
