/**
 * Forged routing tokens sent together are all in flight before the first check fails, so the
 * per-client failure budget alone would check every one of them (an Ed25519 check each, on CPU
 * every tenant shares). A client's checks now run a few at a time and each waiting one asks the
 * budget again when its turn comes. Driven at the verifier with real keys: the HTTP server of an
 * in-process test hands requests over too slowly to put 40 checks in flight at once (the socket
 * test in a-client-flooding-… checks the same bound end to end).
 */
import { describe, expect, it } from 'vitest';
import { CHECK_SLOTS_PER_CLIENT } from '../src/token-check-slots.ts';
import { TOTAL_FACTOR } from '../src/token-failure-throttle.ts';
import { jwksVerifier } from '../src/verifier.ts';
import { APP, PROXY_ID, testKeys } from './harness.ts';

const BUDGET = 5;

describe('forgeries sent at once cost the budget in checks, not one check each', () => {
  it.each([
    ['one address', ['198.51.100.20']],
    ['two addresses, each its own budget', ['198.51.100.21', '198.51.100.22']],
  ])('%s: 40 forged tokens at once per address', async (_, addresses) => {
    const keys = await testKeys();
    let checks = 0;
    const verify = await jwksVerifier({ text: keys.jwks, source: 'test' }, { failureBudget: { failures: BUDGET, windowMs: 60_000 }, onFullCheck: () => checks++ });
    const forged = await Promise.all(Array.from({ length: 40 }, () => keys.forge()));
    const now = Date.now();
    const results = await Promise.all(
      addresses.flatMap((remote) => forged.map(async (t) => verify(t, { now, audience: PROXY_ID, app: APP, fn: '*', remote }))),
    );
    const codes = results.map((r) => (r.ok ? 'ok' : r.error.code));
    // Was: 40 checks per address (all of them), then the budget.
    expect(checks).toBeLessThanOrEqual(addresses.length * (BUDGET + CHECK_SLOTS_PER_CLIENT - 1));
    expect(checks).toBeGreaterThanOrEqual(addresses.length * BUDGET);
    expect(codes.filter((c) => c === 'bad-signature')).toHaveLength(checks);
    expect(codes.filter((c) => c !== 'bad-signature' && c !== 'token-failures-throttled')).toEqual([]);
    // A valid token from another address at the same moment is checked and passes.
    const fine = await verify(await keys.mint(), { now, audience: PROXY_ID, app: APP, fn: '*', remote: '203.0.113.50' });
    expect(fine.ok).toBe(true);
  });

  it('40 valid tokens at once from one address (many clients behind one NAT) all pass: queued, never refused', async () => {
    const keys = await testKeys();
    const verify = await jwksVerifier({ text: keys.jwks, source: 'test' }, { failureBudget: { failures: BUDGET, windowMs: 60_000 } });
    const valid = await Promise.all(Array.from({ length: 40 }, () => keys.mint()));
    const now = Date.now();
    const results = await Promise.all(valid.map(async (t) => verify(t, { now, audience: PROXY_ID, app: APP, fn: '*', remote: '198.51.100.30' })));
    expect(results.map((r) => r.ok)).toEqual(valid.map(() => true));
  });

  it('forgeries from many addresses: once failures in all use the total, each further address costs one check, not its budget', async () => {
    const keys = await testKeys();
    let checks = 0;
    const verify = await jwksVerifier({ text: keys.jwks, source: 'test' }, { failureBudget: { failures: BUDGET, windowMs: 60_000 }, onFullCheck: () => checks++ });
    const forged = await Promise.all(Array.from({ length: BUDGET }, () => keys.forge()));
    const now = Date.now();
    const at = (remote: string) => ({ now, audience: PROXY_ID, app: APP, fn: '*', remote });
    const addresses = Array.from({ length: 60 }, (_, i) => `10.7.${i >> 8}.${i & 255}`);
    const refusals: string[] = [];
    for (const remote of addresses) {
      for (const t of forged) {
        const r = await verify(t, at(remote));
        if (!r.ok && r.error.code === 'token-failures-throttled') refusals.push(r.error.message);
      }
    }
    const total = BUDGET * TOTAL_FACTOR;
    // The first addresses use their budgets until the total is used (10 × 5 = 50), then one check per address (50 more).
    // Was: every address its whole budget, 60 × 5 = 300 checks.
    expect(checks).toBe(total + (addresses.length - total / BUDGET));
    expect(refusals[refusals.length - 1]).toMatch(/from many clients are failing verification \(over 50 per 60s in all\), this client's among them/);
    // An address that has sent no forgery is still checked, and its valid token passes; one that forged waits.
    expect((await verify(await keys.mint(), at('10.8.0.1'))).ok).toBe(true);
    const forger = await verify(await keys.mint(), at(addresses[59] ?? ''));
    expect(forger.ok ? 'ok' : forger.error.code).toBe('token-failures-throttled');
  });
});
