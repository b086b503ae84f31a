/**
 * Affinity keys are client data: the app's affinity header, of any length the platform lets
 * through. The edge decides on, and records, only their hash (as it does job keys: job-key.ts).
 * Raw, a tenant's clients sending a 60 KB header made each of its decision records that large, in
 * the isolate's one decision buffer (bounded in rows, not bytes, and shared by every tenant) and
 * in the decisions table; and a session id, often a user's, was stored in the clear. Consistent
 * hashing needs only a stable key: the same session still goes to the same cluster.
 */

/** Hex SHA-256 of the header's value (WebCrypto, in workerd and Node alike). */
export async function hashAffinityKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  let hex = '';
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, '0');
  return hex;
}
