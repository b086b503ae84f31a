import { createHash } from 'node:crypto';

const SHA256_HEX = /^[0-9a-f]{64}$/;
// The key rule lives in shared/ so the edge applies the very same one before any lookup.
export { isWellFormedKey } from '../../shared/domain/api-key-shape.ts';

/** Hex SHA-256 of an API key: the only form ever stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}
