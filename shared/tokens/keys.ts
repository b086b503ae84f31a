/**
 * Ed25519 keys as JWKs: the edge holds one private signing key; proxies hold only public keys,
 * possibly several (rotation: publish the new public key, then switch the signer, then retire
 * the old key once its tokens have expired).
 */
import {
  exportJWK,
  generateKeyPair as joseGenerateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
import { isWellFormedKeyId, KEY_ID_RULE } from '../domain/key-id.ts';
import { TOKEN_ALG } from './constants.ts';
import { TokenKeyError } from './errors.ts';

export interface SigningKey {
  readonly kid: string;
  readonly key: CryptoKey;
}

export interface VerificationKeySet {
  /** Public keys by kid. */
  readonly keys: ReadonlyMap<string, CryptoKey>;
}

export interface KeyPairJwks {
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

function checkKid(kid: unknown, where: string): string {
  if (!isWellFormedKeyId(kid)) {
    throw new TokenKeyError(
      `${where}: "kid" must be ${KEY_ID_RULE}, got ${JSON.stringify(kid)}`,
    );
  }
  return kid;
}

/** A fresh Ed25519 key pair as JWKs with `kid`, `alg: EdDSA` and `use: sig` set. */
export async function generateKeyPair(kid: string, where = 'generateKeyPair'): Promise<KeyPairJwks> {
  checkKid(kid, where);
  const { privateKey, publicKey } = await joseGenerateKeyPair('Ed25519', { extractable: true });
  const meta = { kid, alg: TOKEN_ALG, use: 'sig' };
  return {
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
  };
}

function checkOkp(jwk: unknown, where: string): Record<string, unknown> {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    throw new TokenKeyError(`${where}: expected a JWK object`);
  const record = jwk as Record<string, unknown>;
  if (record['kty'] !== 'OKP' || record['crv'] !== 'Ed25519') {
    throw new TokenKeyError(
      `${where}: expected an Ed25519 key (kty OKP, crv Ed25519); generate one with \`switchyard keys generate\``,
    );
  }
  if (record['alg'] !== undefined && record['alg'] !== TOKEN_ALG) {
    throw new TokenKeyError(
      `${where}: "alg" must be ${TOKEN_ALG}, got ${JSON.stringify(record['alg'])}`,
    );
  }
  if (typeof record['x'] !== 'string') throw new TokenKeyError(`${where}: missing public key "x"`);
  return record;
}

async function importOkp(record: Record<string, unknown>, where: string): Promise<CryptoKey> {
  try {
    const key = await importJWK({ ...(record as JWK), alg: TOKEN_ALG }, TOKEN_ALG);
    if (key instanceof Uint8Array) throw new TokenKeyError(`${where}: not an asymmetric key`);
    return key;
  } catch (err) {
    if (err instanceof TokenKeyError) throw err;
    throw new TokenKeyError(
      `${where}: key material is invalid (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

/** Import the edge's private signing key (a private Ed25519 JWK with a kid). */
export async function importSigningKey(jwk: unknown): Promise<SigningKey> {
  const record = checkOkp(jwk, 'signing key');
  const kid = checkKid(record['kid'], 'signing key');
  if (typeof record['d'] !== 'string')
    throw new TokenKeyError(
      `signing key ${kid}: this is a public key; the signer needs the private JWK (with "d")`,
    );
  return { kid, key: await importOkp(record, `signing key ${kid}`) };
}

/**
 * Import the public keys a proxy trusts (a JWKS). Private keys are refused: a proxy must never
 * hold what it takes to mint tokens.
 */
export async function importVerificationKeys(jwks: {
  keys: unknown[];
}): Promise<VerificationKeySet> {
  if (
    typeof jwks !== 'object' ||
    jwks === null ||
    !Array.isArray(jwks.keys) ||
    jwks.keys.length === 0
  ) {
    throw new TokenKeyError(
      'verification keys: expected a JWKS {"keys": [...]} with at least one public key',
    );
  }
  const keys = new Map<string, CryptoKey>();
  for (const [i, jwk] of jwks.keys.entries()) {
    const record = checkOkp(jwk, `verification key #${i}`);
    const kid = checkKid(record['kid'], `verification key #${i}`);
    if (record['d'] !== undefined) {
      throw new TokenKeyError(
        `verification key ${kid}: contains a private key ("d"); give proxies public-keys.jwks.json only`,
      );
    }
    if (keys.has(kid)) throw new TokenKeyError(`verification keys: kid ${kid} appears twice`);
    keys.set(kid, await importOkp(record, `verification key ${kid}`));
  }
  return { keys };
}
