/**
 * Random hex ids for W3C trace context, cut from a pooled random buffer: one
 * `randomFillSync` per 4 KiB instead of a `randomBytes` call per id, which
 * showed up on the per-request profile.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** `bytes` random bytes as lowercase hex (2 × bytes characters). */
export function randomHex(bytes: number): string {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}

/** A 16-byte trace id (32 hex characters). */
export const traceId = (): string => randomHex(16);
/** An 8-byte span id (16 hex characters). */
export const spanId = (): string => randomHex(8);
