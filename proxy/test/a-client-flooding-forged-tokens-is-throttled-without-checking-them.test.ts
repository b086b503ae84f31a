/**
 * One client sending forged routing tokens costs the proxy an Ed25519 check each, CPU every tenant
 * shares. Past its failure budget (PROXY_TOKEN_FAILURE_BUDGET) its unknown tokens are refused 429
 * unchecked; tokens it already had verified still pass, and a client at another address (here:
 * another X-Forwarded-For behind a trusted balancer) is served throughout. Forgeries sent all at
 * once are bounded too: a client's checks run a few at a time, the rest waiting their turn.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys, type RawResponse } from './harness.ts';
import { metricSum } from './proxy-processes.ts';
import { CHECK_SLOTS_PER_CLIENT } from '../src/token-check-slots.ts';

const BUDGET = 5;
const CLIENT_A = '198.51.100.7';
const CLIENT_B = '203.0.113.9';

describe('a client flooding forged tokens is throttled without checking them', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0');
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      jwks: keys.jwks,
      // A minute's window: no failure comes back during the test.
      config: { trustedProxies: '127.0.0.1,::1', tokenFailureBudget: `${BUDGET}/60s` },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  const send = (client: string, token: string): Promise<RawResponse> =>
    rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ max_tokens: 2 }),
      headers: { 'x-switchyard-token': token, 'x-forwarded-for': client },
    });
  const metrics = async (): Promise<string> => (await fetch(`${proxy.adminUrl}/_switchyard/metrics`)).text();
  const code = (r: RawResponse): string => (JSON.parse(r.body) as { error: { code: string } }).error.code;

  // Runs first: the budget is per address, and C's must be untouched when it starts.
  it('expired and misrouted tokens (honest clients behind one address) cost no signature check and never use the budget', async () => {
    const CLIENT_C = '192.0.2.44';
    const checksBefore = metricSum(await metrics(), 'switchyard_proxy_token_verifications_total', {});
    for (let i = 0; i < 4 * BUDGET; i++) {
      const expired = await send(CLIENT_C, await keys.mint({ now: Date.now() - 3_600_000 }));
      expect([expired.status, code(expired)]).toEqual([401, 'token-expired']);
      const misrouted = await send(CLIENT_C, await keys.mint({ aud: 'another-proxy' }));
      expect(code(misrouted)).toBe('token-wrong-audience');
    }
    // Refused from the unverified claims: not one Ed25519 check for them (failed or not).
    expect(metricSum(await metrics(), 'switchyard_proxy_token_verifications_total', {})).toBe(checksBefore);
    expect((await send(CLIENT_C, await keys.mint())).status).toBe(200);
  });

  it('refuses 429 past the budget, stops checking signatures, and spares held tokens and other clients', async () => {
    const held = await keys.mint();
    expect((await send(CLIENT_A, held)).status).toBe(200); // A's token, now remembered as verified

    for (let i = 0; i < BUDGET; i++) {
      const r = await send(CLIENT_A, await keys.forge());
      expect([r.status, code(r)]).toEqual([401, 'token-bad-signature']);
      expect((await send(CLIENT_B, await keys.mint())).status).toBe(200);
    }
    const failedAtBudget = metricSum(await metrics(), 'switchyard_proxy_token_verifications_total', { result: 'failed' });
    expect(failedAtBudget).toBe(BUDGET);
    const upstreamBefore = sim.control.snapshot().counters.requests;

    for (let i = 0; i < 20; i++) {
      const r = await send(CLIENT_A, await keys.forge());
      expect([r.status, code(r)]).toEqual([429, 'token-failures-throttled']);
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(r.body).error.message).toMatch(/retry after \d+s/);
    }
    const text = await metrics();
    // Not one more signature check for A's flood, and nothing reached the replica for it.
    expect(metricSum(text, 'switchyard_proxy_token_verifications_total', { result: 'failed' })).toBe(failedAtBudget);
    expect(sim.control.snapshot().counters.requests).toBe(upstreamBefore);
    expect(metricSum(text, 'switchyard_proxy_refusals_total', { code: 'token-failures-throttled' })).toBe(20);
    expect(text).not.toContain(CLIENT_A); // no client address as a label

    // A's remembered token still passes; a token A never had checked waits for the bucket.
    expect((await send(CLIENT_A, held)).status).toBe(200);
    expect((await send(CLIENT_A, await keys.mint())).status).toBe(429);

    // B: its own budget, untouched by A's, and its valid tokens served.
    expect((await send(CLIENT_B, await keys.mint())).status).toBe(200);
    const forgedByB = await send(CLIENT_B, await keys.forge());
    expect([forgedByB.status, code(forgedByB)]).toEqual([401, 'token-bad-signature']);
  });

  it('a burst of forgeries sent at once costs about the budget in checks, not one per token; an honest burst from another address is all served', async () => {
    const CLIENT_D = '192.0.2.91';
    const CLIENT_E = '192.0.2.92';
    const before = metricSum(await metrics(), 'switchyard_proxy_token_verifications_total', { result: 'failed' });
    const forged = await Promise.all(Array.from({ length: 40 }, () => keys.forge()));
    const valid = await Promise.all(Array.from({ length: 20 }, () => keys.mint()));
    const [flood, honest] = await Promise.all([Promise.all(forged.map((t) => send(CLIENT_D, t))), Promise.all(valid.map((t) => send(CLIENT_E, t)))]);
    const codes = flood.map((r) => `${r.status} ${code(r)}`);
    const checked = codes.filter((c) => c === '401 token-bad-signature').length;
    expect(codes.filter((c) => c !== '401 token-bad-signature' && c !== '429 token-failures-throttled')).toEqual([]);
    // The budget, plus at most the checks already running when it ran out (was: all 40 checked).
    expect(checked).toBeGreaterThanOrEqual(BUDGET);
    expect(checked).toBeLessThanOrEqual(BUDGET + CHECK_SLOTS_PER_CLIENT - 1);
    expect(metricSum(await metrics(), 'switchyard_proxy_token_verifications_total', { result: 'failed' }) - before).toBe(checked);
    // Many clients behind one address, each with a fresh token, sent together: queued a few checks' time, never refused.
    expect(honest.map((r) => r.status)).toEqual(valid.map(() => 200));
  });
});
