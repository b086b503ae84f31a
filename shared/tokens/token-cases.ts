/**
 * The routing-token case table, shared by runtimes: `verify.test.ts` runs it under Node, and a
 * workerd test can run the same table (`buildTokenFixture()` then each case). No test framework
 * imports here, only jose and our token code.
 */
import { base64url, SignJWT } from 'jose';
import { TOKEN_TYP } from './constants.ts';
import {
  generateKeyPair,
  importSigningKey,
  importVerificationKeys,
  type SigningKey,
  type VerificationKeySet,
} from './keys.ts';
import { signRoutingToken } from './sign.ts';
import type { RoutingClaims, TokenErrorCode } from './types.ts';
import type { VerifyOptions } from './verify.ts';

export const NOW = 1_750_000_000_000;
export const TTL = 60;
export const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

export const CLAIMS: Omit<RoutingClaims, 'iat' | 'exp' | 'iss'> = {
  aud: 'proxy-eu',
  app: 'acme/chat',
  fn: 'v1/chat',
  cluster: 'eu-1',
  fallbacks: ['eu-2', 'us-1'],
  did: 'dec-123',
};

export interface TokenFixture {
  /** Current signer (kid k2) and the previous one (kid k1), both trusted. */
  readonly current: SigningKey;
  readonly previous: SigningKey;
  /** A key the proxy does not trust, with the SAME kid as `current`. */
  readonly impostor: SigningKey;
  readonly keys: VerificationKeySet;
  /** The public JWK of `current` (what an attacker can see). */
  readonly currentPublicJson: string;
  sign(
    over?: Partial<typeof CLAIMS>,
    at?: { now?: number; ttlSeconds?: number; key?: SigningKey; issuer?: string },
  ): Promise<string>;
  /** Sign an arbitrary payload/header with a trusted key, bypassing signRoutingToken's checks. */
  signRaw(payload: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
}

export async function buildTokenFixture(): Promise<TokenFixture> {
  const k1 = await generateKeyPair('k1');
  const k2 = await generateKeyPair('k2');
  const evil = await generateKeyPair('k2');
  const current = await importSigningKey(k2.privateJwk);
  const previous = await importSigningKey(k1.privateJwk);
  const impostor = await importSigningKey(evil.privateJwk);
  const keys = await importVerificationKeys({ keys: [k1.publicJwk, k2.publicJwk] });
  return {
    current,
    previous,
    impostor,
    keys,
    currentPublicJson: JSON.stringify(k2.publicJwk),
    sign: (over = {}, at = {}) =>
      signRoutingToken({ ...CLAIMS, ...over }, at.key ?? current, {
        now: at.now ?? NOW,
        ttlSeconds: at.ttlSeconds ?? TTL,
        ...(at.issuer === undefined ? {} : { issuer: at.issuer }),
      }),
    signRaw: (payload, header = {}) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k2', typ: TOKEN_TYP, ...header })
        .sign(current.key),
  };
}

const b64 = (value: unknown): string => base64url.encode(JSON.stringify(value));
const iat = Math.floor(NOW / 1000);
const validPayload = { ...CLAIMS, iss: 'switchyard-edge', iat, exp: iat + TTL, jti: CLAIMS.did };

/** Replace one dot-separated part of a compact JWS. */
function swapPart(token: string, index: 0 | 1 | 2, part: string): string {
  const parts = token.split('.');
  parts[index] = part;
  return parts.join('.');
}

export interface TokenCase {
  readonly name: string;
  readonly token: (f: TokenFixture) => Promise<unknown>;
  readonly options?: Partial<VerifyOptions>;
  /** `{ kid }` when the token must verify, `{ code }` when it must be refused. */
  readonly expect:
    | { readonly kid: string; readonly claims?: Partial<RoutingClaims> }
    | { readonly code: TokenErrorCode };
}

export const TOKEN_CASES: readonly TokenCase[] = [
  { name: 'round trip', token: (f) => f.sign(), expect: { kid: 'k2' } },
  {
    name: 'rotation: token of the previous key still verifies',
    token: (f) => f.sign({}, { key: f.previous }),
    expect: { kid: 'k1' },
  },
  {
    name: 'app and exact fn match',
    token: (f) => f.sign(),
    options: { app: 'acme/chat', fn: 'v1/chat' },
    expect: { kid: 'k2' },
  },
  {
    name: 'fn below the granted prefix',
    token: (f) => f.sign(),
    options: { fn: '/v1/chat/completions' },
    expect: { kid: 'k2' },
  },
  {
    name: 'fn * allows any function',
    token: (f) => f.sign({ fn: '*' }),
    options: { fn: 'admin/x' },
    expect: { kid: 'k2', claims: { fn: '*' } },
  },
  {
    name: 'within clock skew after expiry',
    token: (f) => f.sign(),
    options: { now: NOW + (TTL + 10) * 1000 },
    expect: { kid: 'k2' },
  },
  {
    name: 'tampered payload (cluster changed, signature kept)',
    token: async (f) => swapPart(await f.sign(), 1, b64({ ...validPayload, cluster: 'attacker' })),
    expect: { code: 'bad-signature' },
  },
  {
    name: 'tampered header (kid switched to the other trusted key)',
    token: async (f) =>
      swapPart(await f.sign(), 0, b64({ alg: 'EdDSA', kid: 'k1', typ: TOKEN_TYP })),
    expect: { code: 'bad-signature' },
  },
  {
    name: 'signed by an untrusted key with a trusted kid',
    token: (f) => f.sign({}, { key: f.impostor }),
    expect: { code: 'bad-signature' },
  },
  {
    name: 'signatures swapped between two tokens',
    token: async (f) =>
      swapPart(await f.sign(), 2, (await f.sign({ cluster: 'us-1' })).split('.')[2] ?? ''),
    expect: { code: 'bad-signature' },
  },
  {
    name: 'unknown kid',
    token: (f) => f.signRaw(validPayload, { kid: 'k9' }),
    expect: { code: 'unknown-key' },
  },
  {
    name: 'no kid',
    token: (f) => f.signRaw(validPayload, { kid: undefined }),
    expect: { code: 'unknown-key' },
  },
  {
    name: 'expired beyond skew',
    token: (f) => f.sign(),
    options: { now: NOW + (TTL + 31) * 1000 },
    expect: { code: 'expired' },
  },
  {
    // Refused from its unverified claims, before any signature check: a stale client costs the proxy no Ed25519 check.
    name: 'expired and signed by an untrusted key: refused as expired, unchecked',
    token: (f) => f.sign({}, { key: f.impostor }),
    options: { now: NOW + (TTL + 31) * 1000 },
    expect: { code: 'expired' },
  },
  {
    name: "another proxy's token with a forged signature: refused for its audience, unchecked",
    token: (f) => f.sign({ aud: 'proxy-us' }, { key: f.impostor }),
    expect: { code: 'wrong-audience' },
  },
  {
    name: 'issued in the future beyond skew',
    token: (f) => f.sign({}, { now: NOW + 120_000 }),
    expect: { code: 'not-yet-valid' },
  },
  {
    name: 'nbf in the future',
    token: (f) => f.signRaw({ ...validPayload, nbf: iat + 120 }),
    expect: { code: 'not-yet-valid' },
  },
  {
    name: 'wrong audience',
    token: (f) => f.sign({ aud: 'proxy-us' }),
    expect: { code: 'wrong-audience' },
  },
  {
    name: 'another issuer (same key) is refused by default',
    token: (f) => f.sign({}, { issuer: 'staging-edge' }),
    expect: { code: 'wrong-issuer' },
  },
  {
    name: 'the default issuer is refused where another is expected',
    token: (f) => f.sign(),
    options: { issuer: 'staging-edge' },
    expect: { code: 'wrong-issuer' },
  },
  {
    name: 'the expected non-default issuer verifies',
    token: (f) => f.sign({}, { issuer: 'staging-edge' }),
    options: { issuer: 'staging-edge' },
    expect: { kid: 'k2', claims: { iss: 'staging-edge' } },
  },
  {
    name: 'wrong app',
    token: (f) => f.sign(),
    options: { app: 'acme/other' },
    expect: { code: 'wrong-app' },
  },
  {
    name: 'fn outside the prefix',
    token: (f) => f.sign(),
    options: { fn: 'v1/chatty' },
    expect: { code: 'wrong-app' },
  },
  {
    name: 'fn climbing out with ..',
    token: (f) => f.sign(),
    options: { fn: 'v1/chat/../admin' },
    expect: { code: 'wrong-app' },
  },
  { name: 'garbage string', token: async () => 'hello', expect: { code: 'malformed' } },
  { name: 'empty string', token: async () => '', expect: { code: 'malformed' } },
  { name: 'not a string', token: async () => 42, expect: { code: 'malformed' } },
  { name: 'three parts of garbage', token: async () => 'a.b.c', expect: { code: 'malformed' } },
  {
    name: 'oversized',
    token: async () => `${'a'.repeat(9000)}.b.c`,
    expect: { code: 'malformed' },
  },
  {
    name: 'alg none (unsigned)',
    token: async () => `${b64({ alg: 'none', kid: 'k2', typ: TOKEN_TYP })}.${b64(validPayload)}.`,
    expect: { code: 'malformed' },
  },
  {
    name: 'alg none with a fake signature',
    token: async () =>
      `${b64({ alg: 'none', kid: 'k2', typ: TOKEN_TYP })}.${b64(validPayload)}.AAAA`,
    expect: { code: 'bad-signature' },
  },
  {
    name: 'HS256 keyed with the public JWK (algorithm confusion)',
    token: (f) =>
      new SignJWT(validPayload)
        .setProtectedHeader({ alg: 'HS256', kid: 'k2', typ: TOKEN_TYP })
        .sign(new TextEncoder().encode(f.currentPublicJson)),
    expect: { code: 'bad-signature' },
  },
  {
    name: 'wrong typ (some other JWT from the same key)',
    token: (f) => f.signRaw(validPayload, { typ: 'JWT' }),
    expect: { code: 'malformed' },
  },
  {
    name: 'genuine signature, fallbacks not an array',
    token: (f) => f.signRaw({ ...validPayload, fallbacks: 'eu-2' }),
    expect: { code: 'malformed' },
  },
  {
    name: 'genuine signature, audience array',
    token: (f) => f.signRaw({ ...validPayload, aud: ['proxy-eu', 'proxy-us'] }),
    expect: { code: 'malformed' },
  },
  {
    name: 'genuine signature, missing exp',
    token: (f) => f.signRaw({ ...validPayload, exp: undefined }),
    expect: { code: 'malformed' },
  },
  {
    name: 'trace context claim round trip',
    token: (f) => f.sign({ tp: TRACEPARENT }),
    expect: { kid: 'k2', claims: { tp: TRACEPARENT } },
  },
  {
    name: 'token without a trace context claim (older edge) still verifies',
    token: (f) => f.signRaw(validPayload),
    expect: { kid: 'k2' },
  },
  {
    name: 'genuine signature, trace context claim not a traceparent',
    token: (f) => f.signRaw({ ...validPayload, tp: '00-zz-zz-01' }),
    expect: { code: 'malformed' },
  },
  {
    name: 'genuine signature, trace context claim not a string',
    token: (f) => f.signRaw({ ...validPayload, tp: { traceId: 'x' } }),
    expect: { code: 'malformed' },
  },
  {
    name: 'genuine signature, missing app',
    token: (f) => f.signRaw({ ...validPayload, app: undefined }),
    expect: { code: 'malformed' },
  },
];
