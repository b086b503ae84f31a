/**
 * The shared decision and token case tables, run inside workerd. The same tables run under Node
 * in shared/; a case failing only here means the runtimes disagree — which exact replays and
 * proxies verifying edge-minted tokens cannot tolerate.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DECISION_CASES, checkDecisionCase, rngPinMismatch } from '../../shared/decision/decision-cases.ts';
import { CLAIMS, NOW, TOKEN_CASES, TTL, buildTokenFixture } from '../../shared/tokens/token-cases.ts';
import type { TokenFixture } from '../../shared/tokens/token-cases.ts';
import { verifyRoutingToken } from '../../shared/tokens/index.ts';

describe('shared decision cases in workerd', () => {
  it.each(DECISION_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(checkDecisionCase(c).problems).toEqual([]);
  });
  it('the RNG reproduces its pinned draws', () => {
    expect(rngPinMismatch()).toBeNull();
  });
});

describe('shared token cases in workerd', () => {
  let f: TokenFixture;
  beforeAll(async () => {
    f = await buildTokenFixture();
  });
  it.each(TOKEN_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const result = await verifyRoutingToken(await c.token(f), f.keys, { now: NOW, audience: 'proxy-eu', ...c.options });
    if ('kid' in c.expect) {
      expect(result).toEqual({
        ok: true,
        kid: c.expect.kid,
        claims: { ...CLAIMS, iss: 'switchyard-edge', iat: NOW / 1000, exp: NOW / 1000 + TTL, ...c.expect.claims },
      });
    } else {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe(c.expect.code);
    }
  });
});
