/**
 * The job routes share their store reads fairly by client address (job-route-reads.ts). Behind a
 * load balancer every connection comes from the balancer, so one client flooding made-up ids took
 * the balancer's share and every other client behind it got 429 `job-lookups-over-share` for its
 * own polls. With the balancer listed in PROXY_TRUSTED_PROXIES the client is the address the
 * balancer saw (X-Forwarded-For), and each client keeps its own share; a peer that is not listed
 * is never believed about the header.
 *
 * Real parts: the project's libSQL server behind a relay that holds the made-up ids' reads, the
 * proxy with its real store client, real sockets from loopback addresses
 * (slow-libsql-proxy-fixture.ts): 127.0.0.20 plays the balancer.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { waitFor } from './harness.ts';
import { useSlowLibsqlProxy, within, type Answer } from './slow-libsql-proxy-fixture.ts';

const MADE_UP = 'job_feedfacefeedface';
const madeUp = (): string => `${MADE_UP}${randomBytes(8).toString('hex')}`;
const BALANCER = '127.0.0.20';

const f = useSlowLibsqlProxy((body) => body.includes(MADE_UP), { trustedProxies: `${BALANCER}/32` });
const via = (from: string, client: string, path: string): Promise<Answer> => f.send(from, path, { headers: { 'x-forwarded-for': client } });

it("one client behind the balancer flooding made-up ids takes only its own share: another client's poll behind it is answered", async () => {
  const flood = Array.from({ length: 20 }, () => via(BALANCER, '198.51.100.1', `/_switchyard/jobs/${madeUp()}`));
  const answered: Answer[] = [];
  for (const p of flood) void p.then((a) => answered.push(a));
  await waitFor(() => answered.length >= 18, 'the flood past its share to be answered', 5_000);
  expect(new Set(answered.map((a) => a.code))).toEqual(new Set(['job-lookups-over-share']));
  // Another client behind the same balancer: its own share, so its lookup reaches the store.
  // (A made-up id of its own, held too: it is let through, not refused.)
  const other = via(BALANCER, '198.51.100.2', `/_switchyard/jobs/${madeUp()}`);
  await waitFor(() => f.relay.held === 3, "the other client's lookup to reach libSQL", 3_000);
  f.relay.release();
  expect((await within(other, 3_000, "the other client's lookup")).status).toBe(404);
  await Promise.all(flood);
}, 20_000);

it('a peer not listed is not believed: its X-Forwarded-For names no one, its own address is the key', async () => {
  f.relay.holdAgain();
  const flood = Array.from({ length: 10 }, (_, i) => via('127.0.0.21', `203.0.113.${i + 1}`, `/_switchyard/jobs/${madeUp()}`));
  const answered: Answer[] = [];
  for (const p of flood) void p.then((a) => answered.push(a));
  // Ten "clients" by header, one by address: all but its share refused.
  await waitFor(() => answered.length >= 8, 'the flood past its share to be answered', 5_000);
  expect(new Set(answered.map((a) => a.code))).toEqual(new Set(['job-lookups-over-share']));
  f.relay.release();
  await Promise.all(flood);
}, 20_000);
