/**
 * Loaders the edge's SWR caches call: one app's snapshot in one consistent read batch, one API key
 * by hash. Both use the shared statements and row parsers over the Worker's HTTP libSQL client.
 */
import type { ApiKey, AppSnapshot } from '../../shared/domain/types.ts';
import type { Client } from './libsql.ts';
import { loadApiKey, loadAppSnapshot } from './shared-deps.ts';
import type { SnapshotReader } from './shared-deps.ts';

// The web client's batch() is structurally a SnapshotReader (mutable arrays, rows as records).
const reader = (db: Client): SnapshotReader => db as unknown as SnapshotReader;

export function appSnapshotLoader(db: Client, now: () => number): (appId: string) => Promise<AppSnapshot | null> {
  return (appId) => loadAppSnapshot(reader(db), appId, now());
}

export function apiKeyLoader(db: Client): (hash: string) => Promise<ApiKey | null> {
  return (hash) => loadApiKey(reader(db), hash);
}
