/**
 * The in-region path takes callers without a token and looks their key up in libSQL; made-up
 * well-formed keys are unknown, so each costs a read (API keys, then service keys). Those first
 * loads were bounded at 64 per cache — three caches, 192 reads — all queued on the proxy's store
 * client, whose 20 slots every tenant's leases, outcome writes and job submissions share: a flood
 * of made-up keys while the database was slow stalled another tenant's submission for the
 * transport's 10 s timeout. The three caches now share one bound of 8 (IN_REGION_FIRST_LOADS),
 * max-min fair between the projects the keys are read for (one alone holds half); the rest of
 * the flood waits its turn for up to FIRST_LOAD_WAIT_MS (64 at most) or is told 503
 * `in-region-busy` with Retry-After.
 *
 * Real parts: libSQL through a relay that is slow for key lookups only, the proxy's real store
 * client, clients on real sockets (slow-libsql-proxy-fixture.ts).
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { IN_REGION_FIRST_LOADS } from '../src/in-region-source.ts';
import { waitFor } from './harness.ts';
import { useSlowLibsqlProxy, within, type Answer } from './slow-libsql-proxy-fixture.ts';

const f = useSlowLibsqlProxy((body) => body.includes('FROM api_keys WHERE hash') || body.includes('FROM service_keys WHERE hash'));

const submit = (from: string): Promise<Answer> =>
  f.send(from, '/v4/acme/open/v1/chat/completions?async=1', { method: 'POST', body: '{"model":"demo-llm"}', headers: { 'content-type': 'application/json' } });

it("a flood of made-up in-region keys holds at most a share of the store, and another tenant's submission goes on", async () => {
  // The other tenant's app is known (its snapshot cached), as is the flooded app's.
  expect((await submit('127.0.0.3')).status).toBe(202);
  expect((await f.send('127.0.0.2', '/v4/acme/chat/v1/chat/completions')).status).toBe(401);

  const FLOOD = 100;
  const flood = Array.from({ length: FLOOD }, () =>
    f.send('127.0.0.2', '/v4/acme/chat/v1/chat/completions', { method: 'POST', body: '{}', headers: { authorization: `Bearer sk-${randomBytes(16).toString('hex')}` } }),
  );
  const answered: Answer[] = [];
  for (const a of flood) void a.then((x) => answered.push(x));
  // One project alone holds half the bound; the rest of its flood is refused, the waiters once their wait ends.
  const share = IN_REGION_FIRST_LOADS / 2;
  await waitFor(() => answered.length >= FLOOD - share, 'the flood past its share to be answered', 5_000);
  expect(f.relay.held).toBe(share);
  for (const a of answered) {
    expect(a).toMatchObject({ status: 503, code: 'in-region-busy', retryAfter: '1' });
  }

  const during = await within(submit('127.0.0.3'), 3_000, "another tenant's submission during the flood");
  expect(during.status).toBe(202);
  expect(f.relay.held).toBe(share);
  expect(await f.refusals('in-region-busy')).toBe(FLOOD - share);

  f.relay.release();
  const last = await Promise.all(flood);
  expect(last.filter((a) => a.status === 401)).toHaveLength(share);
}, 20_000);
