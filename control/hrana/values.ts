/**
 * Conversion between protocol values and what the libSQL engine binds and
 * returns. Integers travel as decimal strings and live as BigInt on our side,
 * so values beyond 2^53 round-trip exactly.
 */
import { badRequest } from './errors.ts';
import type { ProtoValue } from './proto.ts';

/** What we hand to the engine: never booleans or objects (the engine aborts on those). */
export type SqlValue = null | bigint | number | string | Buffer;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function valueToSql(value: ProtoValue): SqlValue {
  switch (value.type) {
    case 'null':
      return null;
    case 'integer': {
      const n = BigInt(value.value);
      if (n < INT64_MIN || n > INT64_MAX) {
        throw badRequest(`Integer ${value.value} does not fit in a signed 64-bit SQLite integer`);
      }
      return n;
    }
    case 'float':
      return value.value;
    case 'text':
      return value.value;
    case 'blob':
      return Buffer.from(value.base64, 'base64');
  }
}

/** Encode a value read from the engine (statements run with safeIntegers on). */
export function sqlToValue(value: unknown): ProtoValue {
  if (value === null || value === undefined) return { type: 'null' };
  if (typeof value === 'bigint') return { type: 'integer', value: value.toString() };
  // JSON cannot carry NaN or infinities; SQLite returns NULL for NaN anyway.
  if (typeof value === 'number') {
    return Number.isFinite(value) ? { type: 'float', value } : { type: 'null' };
  }
  if (typeof value === 'string') return { type: 'text', value };
  if (value instanceof Uint8Array) {
    return {
      type: 'blob',
      base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
    };
  }
  return { type: 'text', value: String(value) };
}
