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

export type JobKeyRead = { readonly ok: true; readonly key: string | null } | { readonly ok: false; readonly problem: string };

/**
 * The one rule, edge and proxy alike, for an app's job key header: absent → no key (routed on
 * its merits); present → it must be a valid key, and an explicitly empty value is the client's
 * 400 too, not "no key": a client that meant to pin a job and sent an empty id (an unset
 * variable) must hear so, instead of silently losing its pin.
 * `value`: the header's value as the runtime gives it (null/undefined when absent).
 */
export function readJobKey(header: string | null, value: string | null | undefined): JobKeyRead {
  if (header === null || value === null || value === undefined) return { ok: true, key: null };
  const problem = jobKeyProblem(header, value);
  return problem === null ? { ok: true, key: value } : { ok: false, problem };
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
