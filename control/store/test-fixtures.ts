/**
 * Fixtures for tests across the repo: a real, migrated libSQL file database in a temp dir, and
 * small valid domain objects to write into it. Not used by production code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, Cluster, ClusterAppState } from '../../shared/domain/types.ts';
import { DEFAULT_REQUEST_RULES } from '../../shared/domain/types.ts';
import { migrate } from './migrate.ts';
import { openStore, type Store } from './open-store.ts';

export interface TempStore extends Store {
  readonly dir: string;
  readonly path: string;
  /** Close the client and delete the directory. */
  dispose(): void;
}

/** Open a fresh file database in a new temp directory, migrated unless `migrated: false`. */
export async function openTempStore(options: { migrated?: boolean } = {}): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-store-'));
  const path = join(dir, 'test.db');
  const store = openStore({ url: `file:${path}` });
  if (options.migrated ?? true) await migrate(store.client, { now: 1 });
  return {
    ...store,
    dir,
    path,
    dispose: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function sampleCluster(id: string, overrides: Partial<Cluster> = {}): Cluster {
  return {
    id,
    region: 'eu-west',
    continent: 'EU',
    country: 'IE',
    provider: 'aws',
    location: { lat: 53.3, lon: -6.2 },
    proxyUrl: 'http://127.0.0.1:9001',
    proxyId: 'proxy-eu',
    ...overrides,
  };
}

export function sampleApp(projectId: string, name: string, overrides: Partial<App> = {}): App {
  return {
    id: `${projectId}/${name}`,
    projectId,
    name,
    clusters: [],
    excludedClusters: [],
    residency: { kind: 'any' },
    gpuTypes: [],
    strategy: 'switchyard',
    affinityHeader: null,
    authRequired: false,
    limits: { maxConcurrency: null, maxRps: null, scope: 'region' },
    corsOrigins: [],
    clusterWeights: {},
    requests: DEFAULT_REQUEST_RULES,
    ...overrides,
  };
}

export function sampleState(
  clusterId: string,
  appId: string,
  overrides: Partial<ClusterAppState> = {},
): ClusterAppState {
  return {
    clusterId,
    appId,
    hotFree: 4,
    hotBusy: 1,
    warm: 2,
    cold: 10,
    queued: 0,
    gpuType: 'H100',
    pricePerHour: 2.5,
    health: 'healthy',
    lastServedAt: null,
    observedAt: 1_000,
    ...overrides,
  };
}
