import type { Client } from '@libsql/client';
import { clientNamingDatabase, fetchNamingDatabase } from '../../shared/errors/database-unreachable.ts';
import type { ProxyConfig } from './config.ts';

/**
 * How long a statement waits for another process's write lock on a libSQL *file* before it
 * fails with SQLITE_BUSY. Several processes write one file when a proxy runs several workers
 * (and its primary leases limits), so without a wait a job update or an outcome row can
 * collide with a sibling's and fail. The file driver waits synchronously (the worker's event
 * loop stalls meanwhile), so the cap is short: the proxy's own transactions take milliseconds.
 * Remote libSQL servers (the production setup) ignore it.
 */
export const STORE_BUSY_TIMEOUT_MS = 2_000;

/**
 * Longest one HTTP request to libSQL may take, answer body included, before it is aborted. Without
 * it a request to a hung server waits out undici's own timeouts (5 minutes) and keeps one of the
 * client's STORE_CONCURRENCY request slots meanwhile: a few hung requests and every store call of
 * the process queues. Longer than the background loops' deadline (STORE_CALL_DEADLINE_MS) since
 * request-path calls (an async job's body) share the client. `ws:` URLs do not use fetch (no deadline).
 */
export const STORE_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Requests the proxy's libSQL client runs at once (over HTTP; more wait in its queue): @libsql/client's
 * own default, named here because everything the process stores shares them — limit and token
 * leases, outcome and pin writes, job submissions, runs and lookups. Work a client can start
 * without a token gets a bounded share (job-route-reads.ts), so it can never take them all.
 */
export const STORE_CONCURRENCY = 20;

/** The proxy's libSQL client (workers and the cluster primary alike); loaded lazily. */
export async function openStoreClient(
  config: Pick<ProxyConfig, 'storeUrl' | 'storeAuthToken'>,
  requestTimeoutMs: number = STORE_REQUEST_TIMEOUT_MS,
): Promise<Client | null> {
  if (config.storeUrl === null) return null;
  const { createClient } = await import('@libsql/client');
  const deadline = { timeoutMs: requestTimeoutMs };
  const client = createClient({
    url: config.storeUrl,
    ...(config.storeAuthToken !== null ? { authToken: config.storeAuthToken } : {}),
    timeout: STORE_BUSY_TIMEOUT_MS,
    concurrency: STORE_CONCURRENCY,
    // A failed request names the URL and why (ECONNREFUSED, timeout…), not a bare "fetch failed".
    fetch: fetchNamingDatabase(config.storeUrl, (request) => fetch(request, { signal: AbortSignal.timeout(requestTimeoutMs) }), deadline),
  });
  // ws(s): does not go through fetch: its socket failures and deadline are kept on the client instead.
  return clientNamingDatabase(config.storeUrl, client, deadline);
}
