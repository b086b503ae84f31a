/**
 * Who may call an app in-region (no edge, no token): `Authorization: Bearer <key>` holding
 * either a project API key (the edge's rule: same shape check, same SHA-256 lookup, same
 * project) or a service key of exactly this app. Only an app that explicitly disables auth
 * (`auth: false`) takes callers without a key.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isWellFormedKey } from '../../shared/domain/api-key-shape.ts';
import type { App } from '../../shared/domain/types.ts';
import { ProxyError } from './errors.ts';
import type { InRegionSource } from './in-region-source.ts';

/** Which credential admitted the call (for the decision record; never the key itself). */
export type Caller = { readonly kind: 'open' } | { readonly kind: 'api-key' | 'service-key'; readonly keyId: string };

function bearerKey(headers: IncomingHttpHeaders): string | null {
  const h = headers.authorization;
  if (h === undefined) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1] ?? null;
}

const refuse = (code: string, status: number, message: string): ProxyError => new ProxyError(code, status, message);

/** The caller, or the refusal. May throw when a key is not cached and the database is down. */
export async function authorizeInRegion(
  headers: IncomingHttpHeaders,
  app: App,
  source: InRegionSource,
): Promise<Caller | ProxyError> {
  if (!app.authRequired) return { kind: 'open' };
  const key = bearerKey(headers);
  if (key === null) {
    return refuse('key-missing', 401, `${app.id} requires a key: send "Authorization: Bearer <project API key or service key of ${app.id}>"`);
  }
  // A key no config could hold is unknown without a database read (random keys cost nothing).
  if (!isWellFormedKey(key)) return refuse('key-unknown', 401, 'unknown key');
  const hash = createHash('sha256').update(key, 'utf8').digest('hex');
  const apiKey = await source.apiKey(hash, app.projectId);
  if (apiKey !== null) {
    if (apiKey.revoked) return refuse('key-revoked', 401, 'this API key has been revoked');
    if (apiKey.projectId !== app.projectId) return refuse('key-wrong-project', 403, `this API key does not belong to the project of ${app.id}`);
    return { kind: 'api-key', keyId: apiKey.id };
  }
  const serviceKey = await source.serviceKey(hash, app.projectId);
  if (serviceKey === null) return refuse('key-unknown', 401, 'unknown key');
  if (serviceKey.revoked) return refuse('key-revoked', 401, 'this service key has been revoked');
  if (serviceKey.appId !== app.id) return refuse('key-wrong-app', 403, `this service key opens ${serviceKey.appId}, not ${app.id}`);
  return { kind: 'service-key', keyId: serviceKey.id };
}
