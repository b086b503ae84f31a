/** Real parts for aggregator scenario tests: sim replicas, a migrated file database, long jobs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@libsql/client';
import { startSimCluster, type SimCluster } from '../sim-cluster/server.ts';
import { migrate } from '../store/migrate.ts';
import { openStore, type Store } from '../store/open-store.ts';
import type { AggregatorConfig, WatchedApp } from './aggregator-config.ts';

export async function startReplicas(n: number, slots: number): Promise<SimCluster[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      startSimCluster({ clusterId: 'c1', replicaId: `r${i}`, port: 0, model: 'm', slots, queue: 8, tokensPerSecond: 1000, coldStartMs: 0, gpuType: 'H100' }),
    ),
  );
}

export interface TempDb {
  readonly dir: string;
  readonly path: string;
  readonly store: Store;
  cleanup(): void;
}

export async function tempDb(prefix: string): Promise<TempDb> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = join(dir, 'db.sqlite');
  const store = openStore({ url: `file:${path}` });
  await migrate(store.client);
  return { dir, path, store, cleanup: () => (store.close(), rmSync(dir, { recursive: true, force: true })) };
}

export function aggregatorConfig(apps: WatchedApp[], over: Partial<AggregatorConfig> = {}): AggregatorConfig {
  return {
    cluster: {
      id: 'c1',
      region: 'eu-west',
      continent: 'EU',
      country: 'IE',
      provider: 'lambda',
      location: { lat: 53.3, lon: -6.3 },
      proxyUrl: 'http://127.0.0.1:1',
      proxyId: 'proxy-eu-west',
    },
    gpuPrices: { H100: 2.5 },
    pricesFile: null,
    headroom: { warm: 8, cold: 32 },
    apps,
    intervalMs: 60_000,
    scrapeTimeoutMs: 300,
    backoff: { baseMs: 20, maxMs: 100 },
    db: { url: null, authToken: null },
    ...over,
  };
}

/** Holds one slot of a replica busy until the returned controller aborts. */
export async function occupySlot(replica: SimCluster): Promise<AbortController> {
  const ac = new AbortController();
  const res = await fetch(`${replica.url}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ durationMs: 120_000, heartbeatMs: 60_000 }),
    signal: ac.signal,
  });
  // Headers arrive once the job holds its slot; keep the body open.
  if (res.status !== 200) throw new Error(`job refused: ${res.status}`);
  // Read it too: undici cancels an unread body once its Response is garbage-collected, which
  // freed the slot mid-test on a loaded machine (the aggregator then rightly saw it free).
  void res.body?.pipeTo(new WritableStream()).catch(() => undefined);
  return ac;
}

export async function stateRow(client: Client, appId: string): Promise<Record<string, unknown> | undefined> {
  const rs = await client.execute({ sql: 'SELECT * FROM cluster_app_state WHERE cluster_id = ? AND app_id = ?', args: ['c1', appId] });
  return rs.rows[0] as Record<string, unknown> | undefined;
}

export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
