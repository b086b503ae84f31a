/**
 * Fixtures for tests across the repo: a real, migrated libSQL file database in a temp dir, and
 * small valid domain objects to write into it. Not used by production code.
 */
import type { Client } from '@libsql/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, Cluster, ClusterAppState } from '../../shared/domain/types.ts';
import { DEFAULT_REQUEST_RULES } from '../../shared/domain/types.ts';
import { insertOutcomes } from './insert-outcomes.ts';
import { migrate } from './migrate.ts';
import { openStore, type Store } from './open-store.ts';
import { appStatements } from './static-config-statements.ts';
import { upsertApp } from './upsert-app.ts';
import { upsertCluster } from './upsert-cluster.ts';
import { upsertProject } from './upsert-project.ts';

export interface TempStore extends Store {
  readonly dir: string;
  readonly path: string;
  /** Close the client and delete the directory. */
  dispose(): void;
}

// Columns of `apps` newer than some tests' older schemas, with the version that added them:
// `upsertAppAtSchema` leaves their statements out (apply always migrates before it writes).
const APP_COLUMNS_SINCE: ReadonlyArray<readonly [column: string, version: number]> = [['failover_reserve', 32]];

/** `upsertApp` into a database migrated only up to `version`, as a control plane of then wrote it. */
export async function upsertAppAtSchema(client: Client, app: App, now: number, version: number): Promise<void> {
  const newer = APP_COLUMNS_SINCE.filter(([, since]) => since > version).map(([column]) => column);
  const statements = appStatements(app, now).filter((st) => {
    const sql = typeof st === 'string' ? st : st.sql;
    return !newer.some((column) => sql.includes(column));
  });
  await client.batch(statements, 'write');
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

/**
 * A routed decision row as the edge logs it, with only what the snapshot's statements read: its
 * time, app and chosen cluster, and (when `colo` is given, even null) the client's colo in the input;
 * `snapshotId`: the `decision_snapshots` row it names.
 */
export async function insertRoutedDecision(
  client: Client,
  d: { id: string; at: number; appId: string; clusterId: string; colo?: string | null; snapshotId?: string },
): Promise<void> {
  const input =
    d.colo === undefined
      ? '{}'
      : JSON.stringify({ v: 1, request: { appId: d.appId, client: { colo: d.colo, country: null, continent: null, location: null } } });
  // The column only when named: tests also write rows into databases migrated short of migration 30.
  const ref = d.snapshotId === undefined ? { column: '', value: '', args: [] } : { column: ', snapshot_id', value: ', ?', args: [d.snapshotId] };
  await client.execute({
    sql: `INSERT INTO decisions (id, at, app_id, fn, synthetic, outcome, chosen_cluster, reason, policy_version, seed, stale, explanation_json, input_json${ref.column})
          VALUES (?, ?, ?, 'f', 0, 'routed', ?, 'fastest-predicted', 'v', 's', 0, '{}', ?${ref.value})`,
    args: [d.id, d.at, d.appId, d.clusterId, input, ...ref.args],
  });
}

/**
 * `count` requests of `appId` routed to `clusterId` at `at`, each answered `status` (200) after
 * `durationMs`: inflow the snapshot reads, priced as pinned start-up demand at that mean duration
 * (`parse-tenants.ts`). The default is the default policy's service time, 10 s.
 */
export async function insertArrivals(
  client: Client,
  a: { appId: string; clusterId: string; count: number; at: number; idPrefix?: string; status?: number; durationMs?: number },
): Promise<void> {
  const outcomes = [];
  for (let i = 0; i < a.count; i++) {
    const id = `${a.idPrefix ?? 'd'}${i}`;
    await insertRoutedDecision(client, { id, at: a.at, appId: a.appId, clusterId: a.clusterId });
    outcomes.push({ decisionId: id, attempt: 0, proxyId: 'px', clusterId: a.clusterId, endpoint: null, status: a.status ?? 200, ttfbMs: 50, durationMs: a.durationMs ?? 10_000, bytesIn: 0, bytesOut: 0, error: null, at: a.at });
  }
  await insertOutcomes(client, outcomes);
}

/**
 * The pinned start-up slots' setting: project `p`, clusters eu1 and eu2 (EU) and us1 (NA), app
 * `p/chat` on all three (3 homes) and the EU-resident `p/eu` on `eu.clusters` (2 homes: only the
 * EU ones count), with `eu`'s other overrides (limits …).
 */
export async function seedChatAndEuResidentApp(client: Client, eu: Partial<App> = {}): Promise<void> {
  await upsertProject(client, { id: 'p', name: 'P' }, 1);
  await upsertCluster(client, sampleCluster('eu1'), 1);
  await upsertCluster(client, sampleCluster('eu2'), 1);
  await upsertCluster(client, sampleCluster('us1', { region: 'us-east', continent: 'NA', country: 'US' }), 1);
  await upsertApp(client, sampleApp('p', 'chat', { clusters: ['eu1', 'eu2', 'us1'] }), 1);
  await upsertApp(client, sampleApp('p', 'eu', { clusters: ['eu1', 'eu2', 'us1'], residency: { kind: 'continents', continents: ['EU'] }, ...eu }), 1);
}
