/**
 * The public keys the proxy trusts: PROXY_JWKS (inline JSON) or the file PROXY_JWKS_FILE /
 * --jwks-file names. Every failure names where the keys came from and what is wrong with them
 * (a missing file, YAML instead of JSON, a key that is not Ed25519), where a bare ENOENT or
 * JSON.parse message named neither.
 */
import { readFile } from 'node:fs/promises';
import {
  importVerificationKeys,
  TokenKeyError,
  type VerificationKeySet,
} from '../../shared/tokens/index.ts';
import type { ProxyConfig } from './config.ts';
import { unreadableReason } from './file-reasons.ts';

export interface JwksText {
  readonly text: string;
  /** Where the text came from, for messages: `PROXY_JWKS` or `JWKS file <path>`. */
  readonly source: string;
}

const SHAPE =
  'a JWKS is JSON, {"keys": [...]}, as `switchyard keys generate` writes to public-keys.jwks.json';

/** The configured JWKS text and its source; a file that cannot be read is a TokenKeyError naming it. */
export async function readJwks(config: Pick<ProxyConfig, 'jwks' | 'jwksFile'>): Promise<JwksText> {
  if (config.jwks !== null) return { text: config.jwks, source: 'PROXY_JWKS' };
  if (config.jwksFile === null)
    throw new TokenKeyError(
      'no JWKS configured (PROXY_JWKS or PROXY_JWKS_FILE) and auth is not disabled',
    );
  const source = `JWKS file ${config.jwksFile}`;
  try {
    return { text: await readFile(config.jwksFile, 'utf8'), source };
  } catch (err) {
    throw new TokenKeyError(
      `${source} (--jwks-file / PROXY_JWKS_FILE): cannot read it (${unreadableReason(err)})`,
    );
  }
}

/** The keys in `jwks`; anything wrong with them is a TokenKeyError that names `jwks.source`. */
export async function parseJwks(jwks: JwksText): Promise<VerificationKeySet> {
  let doc: unknown;
  try {
    doc = JSON.parse(jwks.text);
  } catch {
    throw new TokenKeyError(`${jwks.source}: not valid JSON (${SHAPE})`);
  }
  try {
    return await importVerificationKeys(doc as { keys: unknown[] });
  } catch (err) {
    if (err instanceof TokenKeyError) throw new TokenKeyError(`${jwks.source}: ${err.message}`);
    throw err;
  }
}
