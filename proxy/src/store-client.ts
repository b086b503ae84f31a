import type { Client } from '@libsql/client';
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

/** The proxy's libSQL client (workers and the cluster primary alike); loaded lazily. */
export async function openStoreClient(config: Pick<ProxyConfig, 'storeUrl' | 'storeAuthToken'>): Promise<Client | null> {
  if (config.storeUrl === null) return null;
  const { createClient } = await import('@libsql/client');
  return createClient({
    url: config.storeUrl,
    ...(config.storeAuthToken !== null ? { authToken: config.storeAuthToken } : {}),
    timeout: STORE_BUSY_TIMEOUT_MS,
  });
}
