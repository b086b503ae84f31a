/**
 * `GET|DELETE /_switchyard/jobs/<id>` take no token (the 128-bit id is the capability), and each
 * went straight to libSQL. The proxy's libSQL client runs at most 20 requests at once for
 * everything the process stores — limit and token leases, outcome writes, job submissions and
 * runs — so one client sending made-up job ids (or polling hard) while the database was slow took
 * every slot: every tenant's job submission, lease renewal and outcome write queued behind it
 * (a submission took ~20 s here), and the flood itself hung instead of being told to back off.
 *
 * Job-route lookups now hold a small share of the store (PROXY_JOB_ROUTE_READS, default 4),
 * fairly between client addresses (one address at most half): past it the answer is 429 (this
 * address's share) or 503 (the whole share) with Retry-After, at once, counted in the refusals
 * metric; concurrent polls of one id share a read; an unknown id is remembered.
 *
 * Real parts: the project's libSQL server, reached through a relay that is slow (holds the
 * request) for the made-up ids' reads only; the proxy with its real store client; clients on real
 * sockets from distinct loopback addresses (slow-libsql-proxy-fixture.ts).
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { ProxyError } from '../src/errors.ts';
import { JobRouteReads } from '../src/job-route-reads.ts';
import { waitFor } from './harness.ts';
import { useSlowLibsqlProxy, within, type Answer } from './slow-libsql-proxy-fixture.ts';

/** Made-up ids share this prefix, so the relay can be slow for their reads alone. */
const MADE_UP = 'job_deadbeefdeadbeef';
const madeUp = (): string => `${MADE_UP}${randomBytes(8).toString('hex')}`;
/** The proxy's default share of the store for job routes (PROXY_JOB_ROUTE_READS). */
const SHARE = 4;

const f = useSlowLibsqlProxy((body) => body.includes(MADE_UP));
const send = (addr: string, path: string, method = 'GET'): Promise<Answer> => f.send(addr, path, { method });

/** Another tenant (acme/open, in-region) submits a job: its 202 needs a libSQL insert. */
async function submit(addr: string): Promise<string> {
  const a = await f.send(addr, '/v4/acme/open/v1/chat/completions?async=1', { method: 'POST', body: '{"model":"demo-llm"}', headers: { 'content-type': 'application/json' } });
  expect(a.status, a.body).toBe(202);
  return (JSON.parse(a.body) as { id: string }).id;
}

it("one address flooding made-up job ids gets 429s at once, and other tenants' submissions and polls go on", async () => {
  // Another tenant's job, submitted and finished before the flood (its app's snapshot is cached).
  const earlier = await submit('127.0.0.3');
  await waitFor(async () => JSON.parse((await send('127.0.0.3', `/_switchyard/jobs/${earlier}`)).body).status === 'completed', 'the earlier job to complete', 5_000);

  const FLOOD = 40;
  const flood = Array.from({ length: FLOOD }, () => send('127.0.0.2', `/_switchyard/jobs/${madeUp()}`));
  const answered: Answer[] = [];
  for (const f of flood) void f.then((a) => answered.push(a));
  // Was: every one of them queued on the store (none answered); now all but its share at once.
  await waitFor(() => answered.length >= FLOOD - SHARE / 2, 'the flood past its share to be answered', 5_000);
  expect(answered.map((a) => a.status)).toEqual(Array(FLOOD - SHARE / 2).fill(429));
  for (const a of answered) {
    expect(a.code).toBe('job-lookups-over-share');
    expect(a.retryAfter).toBe('1');
  }
  expect(answered[0]?.body).toMatch(/retry after 1s/);
  // Its share is all it holds of the store: half the job routes' share.
  expect(f.relay.held).toBe(SHARE / 2);

  // Meanwhile another tenant's submission (a store insert) and its polls are answered promptly.
  const id = await within(submit('127.0.0.3'), 3_000, "another tenant's submission during the flood");
  const polled = await within(send('127.0.0.3', `/_switchyard/jobs/${id}`), 3_000, "another tenant's poll during the flood");
  expect(polled.status, polled.body).toBe(200);
  // A malformed id is refused without any store read, share or not.
  expect((await within(send('127.0.0.2', '/_switchyard/jobs/job_nothex'), 1_000, 'a malformed id')).status).toBe(404);
  // Still held: the tenant's work did not wait for the flood's reads to end.
  expect(f.relay.held).toBe(SHARE / 2);
  expect(await f.refusals('job-lookups-over-share')).toBe(FLOOD - SHARE / 2);

  f.relay.release();
  const last = await Promise.all(flood);
  expect(last.filter((a) => a.status === 404)).toHaveLength(SHARE / 2);
}, 20_000);

it('many addresses together never hold more than the share: 503 with Retry-After past it, and submissions go on', async () => {
  f.relay.holdAgain();
  const before = f.relay.matched;
  const flood = ['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8', '127.0.0.9'].flatMap((addr) =>
    Array.from({ length: 5 }, () => send(addr, `/_switchyard/jobs/${madeUp()}`)),
  );
  const answered: Answer[] = [];
  for (const f of flood) void f.then((a) => answered.push(a));
  await waitFor(() => answered.length >= flood.length - SHARE, 'the flood past the share to be answered', 5_000);
  expect(f.relay.held).toBe(SHARE);
  expect(f.relay.matched - before).toBe(SHARE);
  for (const a of answered) {
    expect([429, 503]).toContain(a.status);
    expect(a.retryAfter).toBe('1');
  }
  expect(answered.filter((a) => a.code === 'job-lookups-busy').length).toBeGreaterThan(0);

  await within(submit('127.0.0.3'), 3_000, "another tenant's submission during the flood");
  f.relay.release();
  const last = await Promise.all(flood);
  expect(last.filter((a) => a.status === 404)).toHaveLength(SHARE);
}, 20_000);

it('an id found unknown is answered again without a store read', async () => {
  const id = madeUp();
  f.relay.release(); // the first read is answered
  expect((await send('127.0.0.10', `/_switchyard/jobs/${id}`)).status).toBe(404);
  f.relay.holdAgain();
  const before = f.relay.matched;
  const again = await within(send('127.0.0.10', `/_switchyard/jobs/${id}`), 2_000, 'a second poll of an unknown id');
  expect(again.status).toBe(404);
  expect((await within(send('127.0.0.10', `/_switchyard/jobs/${id}`, 'DELETE'), 2_000, 'a cancel of an unknown id')).status).toBe(404);
  expect(f.relay.matched).toBe(before);
  f.relay.release();
}, 10_000);

it('concurrent polls of one id share one store read', async () => {
  f.relay.holdAgain();
  const before = f.relay.matched;
  const id = madeUp();
  const polls = Array.from({ length: 20 }, () => send('127.0.0.11', `/_switchyard/jobs/${id}`));
  await waitFor(() => f.relay.held === 1, 'the one read to reach libSQL', 5_000);
  f.relay.release();
  const answers = await Promise.all(polls);
  expect(answers.map((a) => a.status)).toEqual(Array(20).fill(404));
  expect(f.relay.matched - before).toBe(1);
}, 10_000);

it('a lookup libSQL does not answer gets 503 with Retry-After at its deadline, and keeps its slot until the call ends', async () => {
  const jobs = f.proxy.runtime.jobs;
  if (jobs === null) throw new Error('no jobs');
  f.relay.holdAgain();
  const reads = new JobRouteReads(jobs, { slots: SHARE, now: Date.now, deadlineMs: 200 });
  const late = await reads.get(madeUp(), 'a');
  expect(late).toBeInstanceOf(ProxyError);
  expect(late).toMatchObject({ code: 'job-store-unavailable', status: 503, retryAfterS: 2 });
  // Its read still holds a store request: it still counts against the address's share.
  void reads.get(madeUp(), 'a');
  expect(await reads.get(madeUp(), 'a')).toMatchObject({ code: 'job-lookups-over-share', status: 429, retryAfterS: 1 });
  f.relay.release();
  await waitFor(() => f.relay.held === 0, 'the held reads to be answered', 5_000);
  await waitFor(async () => (await reads.get(madeUp(), 'a')) === null, 'the share to be free again', 5_000);
}, 10_000);
