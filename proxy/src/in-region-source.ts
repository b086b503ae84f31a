/**
 * What the in-region path reads from libSQL, through the same shared loaders the edge uses
 * (`shared/snapshot`: one read batch per app snapshot; API keys by their hex SHA-256), plus
 * service keys (`service_keys`, same hashing and shape rules). Every read is cached
 * (refreshing-cache.ts), so a warm request does no I/O.
 */
import type { ApiKey, AppSnapshot } from '../../shared/domain/types.ts';
import type { Policy } from '../../shared/decision/types.ts';
import { loadApiKey, loadAppSnapshot, type Row, type SnapshotReader } from '../../shared/snapshot/index.ts';
import { bool, str } from '../../shared/snapshot/row-values.ts';
import { projectOfAppId } from '../../shared/http/request-path.ts';
import { FirstLoadSlots, RefreshingCache } from './refreshing-cache.ts';

/** A per-app service key as stored: it opens exactly one app, in-region only. */
export interface ServiceKey {
  readonly id: string;
  readonly appId: string;
  readonly revoked: boolean;
}

/**
 * `projectId` on the key lookups: the project of the app called, the tenant a first load counts
 * against (the app is known by then). An app snapshot is read before the snapshot says the app
 * exists: an app the proxy's registry knows (`knownApp`) counts against its own project, any other
 * id against one group (`UNKNOWN_APPS`), so made-up app ids share one part of the first loads and
 * never hold a real app's (they used to share it with every real app's first load too).
 */
export interface InRegionSource {
  snapshot(appId: string): AppSnapshot | null | Promise<AppSnapshot | null>;
  /** `client`: the caller's address key, whom a first load counts against within the project. */
  apiKey(hash: string, projectId: string, client?: string): ApiKey | null | Promise<ApiKey | null>;
  serviceKey(hash: string, projectId: string, client?: string): ServiceKey | null | Promise<ServiceKey | null>;
}

/** The group every uncached app snapshot's first load counts against (not a project id: those have no spaces). */
const UNKNOWN_APPS = 'apps not yet read';

export function parseServiceKeyRow(row: Row | undefined): ServiceKey | null {
  if (row === undefined) return null;
  const id = str(row, 'id', 'service_keys row');
  const where = `service_keys row ${JSON.stringify(id)}`;
  return { id, appId: str(row, 'app_id', where), revoked: bool(row, 'revoked', where) };
}

async function loadServiceKey(db: SnapshotReader, hash: string): Promise<ServiceKey | null> {
  const [rs] = await db.batch([{ sql: 'SELECT id, app_id, revoked FROM service_keys WHERE hash = ?', args: [hash] }], 'read');
  return parseServiceKeyRow(rs?.rows[0]);
}

export interface InRegionSourceOptions {
  /** How old a cached snapshot or key may get before a background re-read (a revocation takes this long). */
  readonly refreshMs: number;
  /** Proxy reports older than this stop counting (as at the edge). */
  readonly maxProxyReportAgeMs: number;
  /** The policy the in-region path decides with: the snapshot's estimates use its numbers too. */
  readonly policy: Pick<Policy, 'ttft'>;
  readonly now: () => number;
  readonly onError: (err: unknown) => void;
  /**
   * A cached snapshot at least this old waits up to `staleWaitMs` for its refresh before it is
   * decided on (refreshing-cache.ts), unless the database failed the last refresh.
   */
  readonly staleMs?: number;
  readonly staleWaitMs?: number;
  /** Runs on a background-refreshed snapshot before it is served (`primeInRegion`). */
  readonly prepareSnapshot?: (snapshot: AppSnapshot) => void;
  /** Real entries kept per cache (apps, API keys, service keys), and unknown ones apart; default 10,000. */
  readonly maxEntries?: number;
  /** Uncached apps and keys read at once, all three caches together; default IN_REGION_FIRST_LOADS. */
  readonly maxFirstLoads?: number;
  /**
   * Apps known to exist (the proxy's registry: every app with a settings row): their first loads
   * count against their project; other ids against the made-up group. Default: none known.
   */
  readonly knownApp?: (appId: string) => boolean;
}

/**
 * Uncached apps and keys the in-region path reads at once (a caller without a token can send
 * made-up ones): a share of the store client's STORE_CONCURRENCY (20) slots, so leases, outcome
 * writes and submissions keep the rest. It was 64 per cache (the edge's EDGE_MAX_FIRST_LOADS,
 * where each isolate has its own connection), 192 reads queued on those 20 slots.
 */
export const IN_REGION_FIRST_LOADS = 8;

/** How long a request waits for a stale snapshot's refresh: the edge's EDGE_STALE_REFRESH_WAIT_MS default. */
export const IN_REGION_STALE_WAIT_MS = 250;

/** Cached libSQL reads for the in-region gate. */
export function libsqlInRegionSource(db: SnapshotReader, o: InRegionSourceOptions): InRegionSource {
  // Unknown apps and keys (null) are misses: a flood of them never evicts a real entry.
  const firstLoads = new FirstLoadSlots(o.maxFirstLoads ?? IN_REGION_FIRST_LOADS);
  const cacheOptions = { refreshMs: o.refreshMs, now: o.now, onError: o.onError, isMiss: (v: unknown) => v === null, maxEntries: o.maxEntries ?? 10_000, firstLoads };
  const snapshots = new RefreshingCache(
    (appId) => loadAppSnapshot(db, appId, o.now(), { maxProxyReportAgeMs: o.maxProxyReportAgeMs, policy: o.policy }),
    {
      ...cacheOptions,
      ...(o.staleMs === undefined ? {} : { staleMs: o.staleMs, staleWaitMs: o.staleWaitMs ?? IN_REGION_STALE_WAIT_MS }),
      ...(o.prepareSnapshot === undefined ? {} : { prepare: (s: AppSnapshot | null) => s !== null && o.prepareSnapshot?.(s) }),
    },
  );
  const apiKeys = new RefreshingCache((hash) => loadApiKey(db, hash), cacheOptions);
  const serviceKeys = new RefreshingCache((hash) => loadServiceKey(db, hash), cacheOptions);
  return {
    snapshot: (appId) => snapshots.get(appId, o.knownApp?.(appId) === true ? projectOfAppId(appId) : UNKNOWN_APPS),
    apiKey: (hash, projectId, client) => apiKeys.get(hash, projectId, client),
    serviceKey: (hash, projectId, client) => serviceKeys.get(hash, projectId, client),
  };
}
