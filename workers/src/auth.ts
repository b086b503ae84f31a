/**
 * API key check: `Authorization: Bearer <key>` is hashed (SHA-256, hex — the stored form) and
 * looked up in the isolate's copy of `api_keys` (auth-view.ts; edge.ts `#lookupKey`), so a key
 * costs one digest and no I/O. A key outside the config's key rule
 * (`shared/domain/api-key-shape.ts`) is refused before that.
 */
import { isWellFormedKey } from '../../shared/domain/api-key-shape.ts';
import { readBearer } from '../../shared/http/bearer-credential.ts';
import type { ApiKey, App } from '../../shared/domain/types.ts';
import { refuse } from './errors.ts';
import type { EdgeError } from './errors.ts';

/**
 * The key with this hash, or null; may throw SourceUnavailable when it must be read and the
 * database is down. `projectId`: the project of the app the request calls (a key of any other
 * is refused, so when the isolate holds that project's keys a miss needs no read). `tenant`: whom
 * a read counts against — that project, or `UNKNOWN_APPS_TENANT`. A key's own project is known
 * only once it is read, so a read it needs counts against that project's share of the reads in
 * flight: made-up keys sent to one tenant's apps never hold another tenant's reads.
 */
export type KeyLookup = (hash: string, projectId: string, tenant: string, waitUntil: (p: Promise<unknown>) => void) => Promise<ApiKey | null>;

/** Hex SHA-256 of a key, as stored in `api_keys.hash`. */
export async function hashKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  let hex = '';
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/**
 * Reads of keys sent to apps the edge does not know count against this one tenant: a made-up
 * project in the path must not make each of its keys a tenant of its own, with reads to spare.
 */
export const UNKNOWN_APPS_TENANT = '\u0000unknown-apps';

/**
 * Null when the request may call the app; otherwise the refusal. `tenant`: whom a key read it
 * needs counts against (`KeyLookup`): the app's project, or `UNKNOWN_APPS_TENANT` for an app the
 * edge does not know (its project is only a claim).
 */
export async function authorize(
  headers: Headers,
  app: Pick<App, 'id' | 'projectId' | 'authRequired'>,
  lookup: KeyLookup,
  waitUntil: (p: Promise<unknown>) => void,
  tenant: string = app.projectId,
): Promise<EdgeError | null> {
  if (!app.authRequired) return null;
  const credential = readBearer(headers.get('authorization'));
  if (credential.kind === 'twice') return refuse.twoAuthorizations();
  if (credential.kind === 'malformed') return refuse.malformedAuthorization();
  if (credential.kind === 'none') return refuse.missingKey();
  const key = credential.key;
  // A key no config could hold is unknown without a database read (random keys cost nothing).
  if (!isWellFormedKey(key)) return refuse.unknownKey();
  const found = await lookup(await hashKey(key), app.projectId, tenant, waitUntil);
  if (found === null) return refuse.unknownKey();
  if (found.revoked) return refuse.revokedKey();
  if (found.projectId !== app.projectId) return refuse.wrongProject(app.id);
  return null;
}
