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
import { readBearer } from '../../shared/http/bearer-credential.ts';
import { callerKeyRefusal, type CallerKeyRefusal } from '../../shared/http/caller-key-refusal.ts';
import { ProxyError } from './errors.ts';
import type { InRegionSource } from './in-region-source.ts';

/** Which credential admitted the call (for the decision record; never the key itself). */
export type Caller = { readonly kind: 'open' } | { readonly kind: 'api-key' | 'service-key'; readonly keyId: string };

/** The edge's refusal for the same mistake (shared/http/caller-key-refusal.ts): one code per mistake, whichever hop answers. */
const refuse = (r: CallerKeyRefusal): ProxyError => new ProxyError(r.code, r.status, r.message);

/**
 * The caller, or the refusal. May throw when a key is not cached and the database is down.
 * `client`: the caller's address key (an uncached key's lookup counts against it within the project).
 */
export async function authorizeInRegion(
  headers: IncomingHttpHeaders,
  app: App,
  source: InRegionSource,
  client = '',
): Promise<Caller | ProxyError> {
  if (!app.authRequired) return { kind: 'open' };
  const credential = readBearer(headers.authorization);
  if (credential.kind === 'twice') return refuse(callerKeyRefusal.twoAuthorizations());
  if (credential.kind === 'malformed') return refuse(callerKeyRefusal.malformedAuthorization());
  if (credential.kind === 'none') return refuse(callerKeyRefusal.missing(`<project API key or service key of ${app.id}>`));
  const key = credential.key;
  // A key no config could hold is unknown without a database read (random keys cost nothing).
  if (!isWellFormedKey(key)) return refuse(callerKeyRefusal.unknown());
  const hash = createHash('sha256').update(key, 'utf8').digest('hex');
  const apiKey = await source.apiKey(hash, app.projectId, client);
  if (apiKey !== null) {
    if (apiKey.revoked) return refuse(callerKeyRefusal.revoked());
    if (apiKey.projectId !== app.projectId) return refuse(callerKeyRefusal.wrongProject(app.id));
    return { kind: 'api-key', keyId: apiKey.id };
  }
  const serviceKey = await source.serviceKey(hash, app.projectId, client);
  if (serviceKey === null) return refuse(callerKeyRefusal.unknown());
  if (serviceKey.revoked) return refuse(callerKeyRefusal.revoked('service key'));
  if (serviceKey.appId !== app.id) return refuse(callerKeyRefusal.wrongApp(serviceKey.appId, app.id));
  return { kind: 'service-key', keyId: serviceKey.id };
}
