import { createHash } from 'node:crypto';

const SHA256_HEX = /^[0-9a-f]{64}$/;
// Plaintext demo keys: long enough not to be guessable, no whitespace so headers carry them intact.
const KEY_SHAPE = /^[A-Za-z0-9._~+/=-]{16,256}$/;

/** Hex SHA-256 of an API key: the only form ever stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

export function isWellFormedKey(value: string): boolean {
  return KEY_SHAPE.test(value);
}
