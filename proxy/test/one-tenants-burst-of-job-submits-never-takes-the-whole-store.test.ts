/**
 * An async submit writes its job's row before the 202, on the proxy's libSQL client whose
 * STORE_CONCURRENCY (20) request slots every tenant's leases, outcome writes, submissions and job
 * lookups share. The job routes' lookups and the in-region first loads got bounded, fair shares
 * of them (cb74980, af5f67c); submissions did not: a burst of submits to one tenant's open app
 * (auth off: anyone, no key) while the database was slow for them held all 20 slots, and every
 * other tenant's store work — here a poll of another project's job — queued behind it.
 *
 * Submit writes now hold a bounded share of the store, fair between projects; past it a submit
 * waits its turn (bounded), then 503 with Retry-After. Real parts: the project's libSQL server
 * behind a relay that holds acme's job inserts, the proxy's real store client, clients on real
 * sockets (slow-libsql-proxy-fixture.ts).
 */
import { expect, it } from 'vitest';
import { libsqlJobStore } from '../src/async-job-store.ts';
import { waitFor } from './harness.ts';
import { useSlowLibsqlProxy, within, type Answer } from './slow-libsql-proxy-fixture.ts';

/** acme/open's job inserts: the relay holds them (a database slow for that tenant's writes). */
const f = useSlowLibsqlProxy((body) => body.includes('INSERT INTO async_jobs') && body.includes('acme/open'));

const submit = (): Promise<Answer> =>
  f.send('127.0.0.2', '/v4/acme/open/v1/chat/completions?async=1', { method: 'POST', body: '{"model":"demo-llm"}', headers: { 'content-type': 'application/json' } });

it("a burst of one tenant's submits holds a share of the store; another project's job is still answered", async () => {
  // Another project's finished job, written directly.
  const id = `job_${'b'.repeat(32)}`;
  const now = Date.now();
  const jobs = libsqlJobStore(f.db);
  await jobs.insert({ id, appId: 'beta/app', proxyId: 'p', method: 'POST', publicPath: '/v1/x', headers: {}, body: null, claimsJson: '{}', retryable: false, status: 'running', attempts: 1, resultStatus: null, resultType: null, resultPath: null, resultBytes: null, error: null, createdAt: now, updatedAt: now, expiresAt: Number.MAX_SAFE_INTEGER, webhookUrl: null });
  await jobs.update(id, ['running'], { status: 'failed', error: 'test', expiresAt: now + 3_600_000 }, now);

  const burst = Array.from({ length: 40 }, () => submit());
  await waitFor(() => f.relay.held >= 2, "the burst's inserts to reach libSQL", 5_000);
  await new Promise((r) => setTimeout(r, 300));
  // Was: all 20 of the store client's slots.
  expect(f.relay.held).toBeLessThanOrEqual(4);
  const polled = await within(f.send('127.0.0.3', `/_switchyard/jobs/${id}`), 3_000, "another project's poll during the burst");
  expect(polled.status, polled.body).toBe(200);

  f.relay.release();
  const answers = await Promise.all(burst);
  // Each waited its turn: stored, or told when to come back.
  for (const a of answers) {
    expect([202, 503]).toContain(a.status);
    if (a.status === 503) expect(a.retryAfter).toBeDefined();
  }
  expect(answers.filter((a) => a.status === 202).length).toBeGreaterThan(0);
}, 20_000);
