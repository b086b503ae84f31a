/**
 * Loaders the edge's SWR caches call: one app's snapshot in one consistent read batch, one API key
 * by hash. Both use the shared statements and row parsers over the Worker's HTTP libSQL client.
 */
import type { ApiKey, AppSnapshot } from '../../shared/domain/types.ts';
import type { Policy } from '../../shared/decision/types.ts';
import type { Client } from './libsql.ts';
import { loadApiKey, loadApiKeysByHash, loadAppGates, loadAppSnapshot, loadAuthClock } from './shared-deps.ts';
import type { AuthRead, SnapshotReader } from './shared-deps.ts';

/** Rejects when the database has not answered in `ms`: a hung read must not hang requests. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

// The web client's batch() is structurally a SnapshotReader (mutable arrays, rows as records).
const reader = (db: Client): SnapshotReader => db as unknown as SnapshotReader;

/** `policy`: the one the edge decides with (ROUTE_*): the snapshot's estimates use its numbers too. */
export function appSnapshotLoader(db: Client, now: () => number, timeoutMs: number, policy: Pick<Policy, 'ttft'>): (appId: string) => Promise<AppSnapshot | null> {
  return (appId) => withTimeout(loadAppSnapshot(reader(db), appId, now(), { policy }), timeoutMs, `reading ${appId}`);
}

export function apiKeyLoader(db: Client, timeoutMs: number): (hash: string) => Promise<ApiKey | null> {
  return (hash) => withTimeout(loadApiKey(reader(db), hash), timeoutMs, 'reading an API key');
}

/** Many keys by hash in one round trip: the key cache's re-read when the auth clock moves. */
export function apiKeysLoader(db: Client, timeoutMs: number): (hashes: readonly string[]) => Promise<Map<string, ApiKey>> {
  return (hashes) => withTimeout(loadApiKeysByHash(reader(db), hashes), timeoutMs, `re-reading ${hashes.length} API keys`);
}

/**
 * The auth clock (one row), and every app's gate and (up to `maxKeys`) key with it, and a filter
 * of the key hashes of the projects past that (up to `maxFilteredKeys` keys), for the AuthView.
 */
export function authViewLoaders(db: Client, timeoutMs: number, maxKeys: number, maxFilteredKeys: number): {
  loadClock: () => Promise<number>;
  loadGates: () => Promise<AuthRead>;
} {
  return {
    loadClock: () => withTimeout(loadAuthClock(reader(db)), timeoutMs, 'reading the auth clock'),
    loadGates: () => withTimeout(loadAppGates(reader(db), maxKeys, maxFilteredKeys), timeoutMs, 'reading app gates and keys'),
  };
}
