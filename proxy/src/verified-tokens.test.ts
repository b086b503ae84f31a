import { describe, expect, it } from 'vitest';
import { DEFAULT_ISSUER, importVerificationKeys, verifyRoutingToken } from '../../shared/tokens/index.ts';
import { APP, PROXY_ID, testKeys } from '../test/harness.ts';
import type { VerifyFn } from './token-gate.ts';
import { rememberVerified } from './verified-tokens.ts';

const FN = 'v1/chat/completions';
const NOW = Date.now();
const opts = (o: Partial<Parameters<VerifyFn>[1]> = {}): Parameters<VerifyFn>[1] => ({ now: NOW, audience: PROXY_ID, app: APP, fn: FN, ...o });

/** The real verifier (shared/tokens, real keys), counting the tokens it had to check. */
async function setup(max?: number): Promise<{ verify: VerifyFn; checked: string[]; mint: Awaited<ReturnType<typeof testKeys>>['mint']; forge: Awaited<ReturnType<typeof testKeys>>['forge'] }> {
  const keys = await testKeys();
  const set = await importVerificationKeys(JSON.parse(keys.jwks) as { keys: unknown[] });
  const checked: string[] = [];
  const full: VerifyFn = (token, o) => {
    checked.push(token);
    return verifyRoutingToken(token, set, { ...o, issuer: DEFAULT_ISSUER });
  };
  return { verify: rememberVerified(full, DEFAULT_ISSUER, max), checked, mint: keys.mint, forge: keys.forge };
}

const code = (r: Awaited<ReturnType<VerifyFn>>): string => (r.ok ? 'ok' : r.error.code);

describe('a verified token, used again', () => {
  it('is accepted without a second signature check', async () => {
    const s = await setup();
    const token = await s.mint({ fn: FN, now: NOW, ttlSeconds: 60 });
    expect(code(await s.verify(token, opts()))).toBe('ok');
    const again = await s.verify(token, opts({ now: NOW + 1_000 }));
    expect(code(again)).toBe('ok');
    expect(again.ok && again.claims.aud).toBe(PROXY_ID);
    expect(s.checked).toHaveLength(1);
  });

  // Every use is held to the same claim checks as a first verification, against this request.
  it.each([
    ['after it expired (past the clock skew)', opts({ now: NOW + 60_000 + 31_000 }), 'expired'],
    ['for another app', opts({ app: 'acme/other' }), 'wrong-app'],
    ['for another function', opts({ fn: 'v1/embeddings' }), 'wrong-app'],
    ['at another proxy', opts({ audience: 'proxy-elsewhere' }), 'wrong-audience'],
  ])('is refused %s', async (_what, later, refusal) => {
    const s = await setup();
    const token = await s.mint({ fn: FN, now: NOW, ttlSeconds: 60 });
    expect(code(await s.verify(token, opts()))).toBe('ok');
    expect(code(await s.verify(token, later))).toBe(refusal);
    // A refusal on reuse does not spoil the token for a request (and a time) it is good for.
    expect(code(await s.verify(token, opts()))).toBe('ok');
  });

  // The hot path: admission awaits nothing for a token it has seen (request-handler.ts).
  it('is answered without a promise, and so is a refusal of it', async () => {
    const s = await setup();
    const token = await s.mint({ fn: FN, now: NOW, ttlSeconds: 60 });
    expect(s.verify(token, opts())).toBeInstanceOf(Promise);
    await s.verify(token, opts());
    const again = s.verify(token, opts({ now: NOW + 1_000 }));
    expect(again).not.toBeInstanceOf(Promise);
    expect(code(await again)).toBe('ok');
    expect(s.verify(token, opts({ app: 'acme/other' }))).not.toBeInstanceOf(Promise);
  });

  it('is forgotten once expired: a later use is checked afresh', async () => {
    const s = await setup();
    const token = await s.mint({ fn: FN, now: NOW, ttlSeconds: 60 });
    await s.verify(token, opts());
    expect(code(await s.verify(token, opts({ now: NOW + 120_000 })))).toBe('expired');
    await s.verify(token, opts());
    expect(s.checked).toHaveLength(2);
  });
});

describe('what is never remembered', () => {
  it('a token that failed: every use is checked, and refused', async () => {
    const s = await setup();
    const forged = await s.forge({ fn: FN, now: NOW });
    expect(code(await s.verify(forged, opts()))).toBe('bad-signature');
    expect(code(await s.verify(forged, opts()))).toBe('bad-signature');
    expect(s.checked).toHaveLength(2);
  });

  it('a verified token with its signature changed: checked afresh, refused', async () => {
    const s = await setup();
    const token = await s.mint({ fn: FN, now: NOW });
    await s.verify(token, opts());
    const [h, p, sig] = token.split('.') as [string, string, string];
    const altered = `${h}.${p}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`;
    expect(code(await s.verify(altered, opts()))).toBe('bad-signature');
    expect(s.checked).toEqual([token, altered]);
  });

  it('more tokens than the bound: the least recently used is forgotten', async () => {
    const s = await setup(2);
    const [a, b, c] = await Promise.all([1, 2, 3].map((i) => s.mint({ fn: FN, now: NOW, did: `d${i}` })));
    for (const t of [a, b, a, c, a, b]) await s.verify(t ?? '', opts());
    // a, b checked; a remembered; c pushes out b (a was used last); a remembered; b checked again.
    expect(s.checked).toEqual([a, b, c, b]);
  });
});

// Token mode: each edge answer is a fresh token, so a tenant can hold any number of valid ones
// and send them all. One list of the most recent tokens let its flood push every other tenant's
// token out, and each of their requests paid a signature check on the libuv pool again.
describe('many tokens of one project', () => {
  it('never push out another project’s token: the project holding the most loses its own', async () => {
    const s = await setup(8);
    const quiet = await s.mint({ app: 'quiet/chat', fn: FN, now: NOW });
    const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => s.mint({ app: 'loud/chat', fn: FN, now: NOW, did: `f${i}` })));
    await s.verify(quiet, opts({ app: 'quiet/chat' }));
    for (const t of flood) await s.verify(t, opts({ app: 'loud/chat' }));
    // The flood is over budget only against itself; the quiet tenant's token is still known.
    expect(code(await s.verify(quiet, opts({ app: 'quiet/chat' })))).toBe('ok');
    expect(s.checked.filter((t) => t === quiet)).toHaveLength(1);
    // Its many apps are one tenant: a second app of the loud project takes from the same share.
    const other = await s.mint({ app: 'loud/embed', fn: FN, now: NOW });
    await s.verify(other, opts({ app: 'loud/embed' }));
    await s.verify(quiet, opts({ app: 'quiet/chat' }));
    expect(s.checked.filter((t) => t === quiet)).toHaveLength(1);
  });
});
