/**
 * Job keys are client data: bounded, checked, and only ever stored or compared as a hash.
 * One canonical hash for edge and proxy: hex SHA-256 of `<app id>\n<key>` (the app id keeps
 * equal keys of two apps apart). WebCrypto, present in workerd and Node 20 alike.
 */

/** Longest job key accepted (bytes of its header value). */
export const MAX_JOB_KEY_LENGTH = 256;

/** Visible ASCII only: a key is an identifier, not free text. */
const KEY = /^[\x21-\x7e]+$/;

/** Why a job key header value is unacceptable (the client's 400), or null when it is fine. */
export function jobKeyProblem(header: string, value: string): string | null {
  if (value.length > MAX_JOB_KEY_LENGTH) return `${header} is longer than ${MAX_JOB_KEY_LENGTH} characters`;
  if (!KEY.test(value)) return `${header} must be 1..${MAX_JOB_KEY_LENGTH} visible ASCII characters`;
  return null;
}

/** What is hashed: exposed so a runtime with a synchronous SHA-256 computes the same hash. */
export function jobKeyDigestInput(appId: string, key: string): string {
  return `${appId}\n${key}`;
}

export async function hashJobKey(appId: string, key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(jobKeyDigestInput(appId, key)));
  let hex = '';
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, '0');
  return hex;
}
