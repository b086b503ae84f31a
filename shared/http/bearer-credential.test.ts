import { expect, it } from 'vitest';
import { readBearer, type BearerCredential } from './bearer-credential.ts';

it.each<[string | null, BearerCredential]>([
  ['Bearer sk_123', { kind: 'key', key: 'sk_123' }],
  ['bearer   sk_123 ', { kind: 'key', key: 'sk_123' }],
  [null, { kind: 'none' }],
  ['Basic dXNlcg==', { kind: 'none' }],
  ['Bearerish sk_123', { kind: 'none' }],
  ['Bearer sk_1, Bearer sk_2', { kind: 'twice' }],
  // Was read as no credential: "send Authorization: Bearer <key>" to a caller who had.
  ['Bearer sk_123 extra', { kind: 'malformed' }],
  ['Bearer "sk_123" please', { kind: 'malformed' }],
  ['Bearer', { kind: 'malformed' }],
  ['Bearer   ', { kind: 'malformed' }],
])('%j → %j', (header, read) => {
  expect(readBearer(header)).toEqual(read);
});
