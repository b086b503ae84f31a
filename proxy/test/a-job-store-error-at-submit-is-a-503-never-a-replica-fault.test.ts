/**
 * A libSQL error while an async job is submitted (its webhook secret's read, its row's insert)
 * escaped as a bare 500 with no body: no code, no Retry-After, nothing telling the client it may
 * submit again. It is now the job routes' typed refusal, 503 `job-store-unavailable` with
 * `Retry-After: 2`, counted in the refusals metric, and it is nobody's verdict on a replica or a
 * cluster: no upstream attempt, no request counted against the cluster.
 *
 * Real parts: the project's libSQL server (the proxy's real store client; the relay holds
 * nothing), the proxy on real sockets, and real libSQL errors — a trigger that aborts the insert,
 * a renamed webhook-secret table.
 */
import { request } from 'undici';
import { expect, it } from 'vitest';
import { waitFor } from './harness.ts';
import { useSlowLibsqlProxy, type Answer } from './slow-libsql-proxy-fixture.ts';

const f = useSlowLibsqlProxy(() => false);

/** An async submit to acme/open (in-region, keyless), with a webhook when given. */
const submit = (webhook?: string): Promise<Answer> =>
  f.send('127.0.0.2', '/v4/acme/open/v1/chat/completions?async=1', {
    method: 'POST',
    body: '{"model":"demo-llm"}',
    headers: { 'content-type': 'application/json', ...(webhook === undefined ? {} : { 'x-switchyard-webhook': webhook }) },
  });

/** A submit that is stored and run: its run is counted before the test takes its baseline. */
async function submitAndFinish(): Promise<void> {
  const ok = await submit();
  expect(ok.status, ok.body).toBe(202);
  const id = (JSON.parse(ok.body) as { id: string }).id;
  await waitFor(async () => JSON.parse((await f.send('127.0.0.2', `/_switchyard/jobs/${id}`)).body).status === 'completed', 'the job to complete', 5_000);
}

/** The metrics that say whether a cluster or a replica was blamed: attempts, requests per cluster, ejections. */
async function replicaAccounting(): Promise<string[]> {
  const text = await (await request(`${f.proxy.adminUrl}/_switchyard/metrics`)).body.text();
  return text.split('\n').filter((l) => /^switchyard_proxy_(upstream_attempts_total|requests_total|outlier_ejections_total)\{/.test(l));
}

it('a failed insert answers 503 job-store-unavailable with Retry-After, and blames no replica or cluster', async () => {
  await submitAndFinish(); // the app is known and jobs are stored
  const before = await replicaAccounting();
  await f.db.execute("CREATE TRIGGER fail_job_insert BEFORE INSERT ON async_jobs BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
  try {
    const a = await submit();
    expect(a.status, a.body).toBe(503);
    expect(a.code).toBe('job-store-unavailable');
    expect(a.retryAfter).toBe('2');
    expect(a.body).toMatch(/retry after 2s/);
    expect(await f.refusals('job-store-unavailable')).toBe(1);
    expect(await replicaAccounting()).toEqual(before);
  } finally {
    await f.db.execute('DROP TRIGGER fail_job_insert');
  }
  await submitAndFinish(); // and again once the database is back
}, 15_000);

it("a failed read of the app's webhook secret answers the same 503, not a 500", async () => {
  const before = await replicaAccounting();
  await f.db.execute('ALTER TABLE job_webhook_secrets RENAME TO job_webhook_secrets_away');
  try {
    const a = await submit('https://hooks.example.com/switchyard');
    expect(a.status, a.body).toBe(503);
    expect(a.code).toBe('job-store-unavailable');
    expect(a.retryAfter).toBe('2');
    expect(await replicaAccounting()).toEqual(before);
  } finally {
    await f.db.execute('ALTER TABLE job_webhook_secrets_away RENAME TO job_webhook_secrets');
  }
}, 15_000);
