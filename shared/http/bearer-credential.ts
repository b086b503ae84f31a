/**
 * The one reading of a caller's `Authorization` header, at the edge (workers/src/auth.ts) and at a
 * proxy called in-region (proxy/src/in-region-auth.ts). Each hop had its own copy, and both read
 * `Bearer <key> extra` (or `Bearer` alone) as no credential at all: the caller was told to send an
 * API key it had sent. Now that is `malformed`, refused with what is wrong
 * (shared/http/caller-key-refusal.ts).
 */
export type BearerCredential =
  | { readonly kind: 'key'; readonly key: string }
  /** No header, or another scheme (`Basic …`). */
  | { readonly kind: 'none' }
  /** Two Authorization headers, joined by a comma on the way (`Bearer a, Bearer b`). */
  | { readonly kind: 'twice' }
  /** `Bearer` followed by anything but exactly one key. */
  | { readonly kind: 'malformed' };

const NONE: BearerCredential = { kind: 'none' };
const TWICE: BearerCredential = { kind: 'twice' };
const MALFORMED: BearerCredential = { kind: 'malformed' };

export function readBearer(header: string | null | undefined): BearerCredential {
  if (header === null || header === undefined) return NONE;
  const key = /^\s*Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (key !== undefined) return { kind: 'key', key };
  if (/^\s*Bearer\s+\S+\s*,\s*Bearer\s/i.test(header)) return TWICE;
  return /^\s*Bearer(\s|$)/i.test(header) ? MALFORMED : NONE;
}
